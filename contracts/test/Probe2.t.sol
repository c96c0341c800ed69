// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
import {YumaTypes} from "../src/IYuma.sol";
import {TestBase} from "./utils/Vm.sol";

contract P2 {
    event Phase(string name, uint256 gas);
    struct C { uint256 a; uint256[] x; }
    function probe(YumaTypes.Input calldata input) external {
        uint256 g = gasleft();
        uint256 s;
        for (uint256 i = 0; i < 64; ++i) s += input.stake[i];
        emit Phase("calldata stake x64", g - gasleft()); g = gasleft();
        uint256[] memory m = new uint256[](64);
        emit Phase("alloc64", g - gasleft()); g = gasleft();
        for (uint256 i = 0; i < 64; ++i) s += m[i];
        emit Phase("mem read x64", g - gasleft()); g = gasleft();
        C memory c; c.x = m;
        for (uint256 i = 0; i < 64; ++i) s += c.x[i];
        emit Phase("struct mem read x64", g - gasleft()); g = gasleft();
        for (uint256 i = 0; i < 64; ++i) s += input.params.stakeThreshold;
        emit Phase("params x64", g - gasleft()); g = gasleft();
        for (uint256 i = 0; i < 64; ++i) s += input.weights.packed[i];
        emit Phase("weights.packed x64", g - gasleft()); g = gasleft();
        if (s == 7) emit Phase("x", s);
    }
}

contract Probe2Test is TestBase {
    function test_probe2() public {
        P2 y = new P2();
        YumaTypes.Input memory inp;
        inp.stake = new uint256[](64); inp.lastUpdate = new uint64[](64); inp.registeredAt = new uint64[](64);
        inp.weights.packed = new uint256[](64);
        y.probe(inp);
    }
}
