// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
import {Yuma} from "../src/Yuma.sol";
import {YumaTypes} from "../src/IYuma.sol";
import {TestBase} from "./utils/Vm.sol";

contract YumaProbe is Yuma {
    event Phase(string name, uint256 gas);
    function probe(YumaTypes.Input calldata input) external returns (YumaTypes.Output memory out) {
        uint256 n = input.stake.length;
        uint256 g = gasleft();
        out.emission = new uint256[](n);
        out.stake = new uint64[](n);
        out.activeStake = new uint64[](n);
        out.rank = new uint64[](n);
        out.consensus = new uint64[](n);
        out.validatorTrust = new uint64[](n);
        out.incentive = new uint64[](n);
        out.dividends = new uint64[](n);
        out.active = new bool[](n);
        Ctx memory c;
        c.n = n;
        c.words = (n + 15) >> 4;
        c.lanes = (n + 3) >> 2;
        _stakeAndPermits(input, out, c);
        emit Phase("permits", g - gasleft()); g = gasleft();
        _loadRows(input, c);
        emit Phase("load", g - gasleft()); g = gasleft();
        {
        uint256 k = c.k;
        c.colW = new uint256[](k);
        c.colP = new uint256[](k);
        c.colOb = new uint256[](k);
        c.colBe = new uint256[](k);
        c.sel = new uint256[](k);
        c.bq = new uint256[](k * c.lanes);
        out.bonds.rowUids = new uint16[](k);
        out.bonds.packed = new uint256[](k * c.words);
        emit Phase("alloc", g - gasleft()); g = gasleft();
        uint256 need = uint256(input.params.kappa) * c.T;
        uint256 cons = _columnW(c, 5, need);
        emit Phase("colW", g - gasleft()); g = gasleft();
        _columnClip(c, out.validatorTrust, 5, cons, input.params.bondsPenalty);
        emit Phase("clip", g - gasleft()); g = gasleft();
        _columnBonds(c, out.bonds.packed, 5, 100000);
        emit Phase("bonds", g - gasleft()); g = gasleft();
        uint256[] memory sel = new uint256[](16);
        for (uint256 r = 0; r < 16; ++r) sel[r] = ((r * 7919 % 16 + 1) << 64) | 1000;
        g = gasleft();
        _consensus(sel, 16, 500000 * 16000 / 2);
        emit Phase("consensus16", g - gasleft()); g = gasleft();
        }
        _columns(input.params, c, out);
        emit Phase("columns", g - gasleft()); g = gasleft();
        _incentiveAndDividends(c, out);
        emit Phase("div", g - gasleft()); g = gasleft();
        _money(input.emission, input.params.ownerCut, n, out);
        emit Phase("money", g - gasleft());
    }
}

contract ProbeTest is TestBase {
    function test_probe() public {
        YumaProbe y = new YumaProbe();
        YumaTypes.Input memory inp;
        uint256 n = 64; uint256 k = 16;
        inp.params = YumaTypes.Params(500000, 900000, 1000000, 180000, 64, 100000, 0);
        inp.blockNumber = 1000; inp.emission = 1e20;
        inp.stake = new uint256[](n); inp.lastUpdate = new uint64[](n); inp.registeredAt = new uint64[](n);
        for (uint256 i = 0; i < n; ++i) { inp.lastUpdate[i] = 900; inp.registeredAt[i] = 10; if (i < k) inp.stake[i] = 1e19 + i; }
        uint256 words = (n + 15) / 16;
        inp.weights.rowUids = new uint16[](k); inp.weights.packed = new uint256[](k * words);
        for (uint256 r = 0; r < k; ++r) { inp.weights.rowUids[r] = uint16(r); for (uint256 w = 0; w < words; ++w) inp.weights.packed[r*words+w] = uint256(keccak256(abi.encode(r,w))); }
        y.probe(inp);
    }
}
