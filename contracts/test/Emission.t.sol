// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "./utils/Vm.sol";
import {Emission} from "../src/Emission.sol";

contract EmissionHarness {
    function accrue(uint256 issued, uint256 blocks) external pure returns (uint256) {
        return Emission.accrue(issued, blocks);
    }

    function blockReward(uint256 issued) external pure returns (uint256) {
        return Emission.blockReward(issued);
    }
}

contract EmissionTest is TestBase {
    EmissionHarness internal h = new EmissionHarness();

    /// Block-by-block sum of blockReward, the definition accrue must match.
    function _stepwise(uint256 issued, uint256 blocks) internal view returns (uint256 sum) {
        for (uint256 b = 0; b < blocks; ++b) {
            uint256 r = h.blockReward(issued);
            sum += r;
            issued += r;
        }
    }

    function test_firstEra_paysOneTokenPerBlock() public view {
        assertEq(h.blockReward(0), 1 ether, "reward at 0");
        assertEq(h.accrue(0, 360), 360 ether, "360 blocks");
    }

    function test_halving_atTenPointFiveMillion() public view {
        assertEq(h.blockReward(10_500_000 ether - 1), 1, "last block of era 0 pays only up to the threshold");
        assertEq(h.blockReward(10_500_000 ether), 0.5 ether, "era 1");
        assertEq(h.blockReward(15_750_000 ether), 0.25 ether, "era 2");
        assertEq(h.accrue(10_500_000 ether - 1 ether, 3), 1 ether + 1 ether, "crossing: 1 + 0.5 + 0.5");
    }

    function test_crossingBlock_paysOnlyUpToThreshold() public view {
        uint256 x = 10_500_000 ether - 0.3 ether;
        assertEq(h.blockReward(x), 0.3 ether, "partial");
        assertEq(h.accrue(x, 2), 0.3 ether + 0.5 ether, "partial then next era");
    }

    function test_cap_isNeverPassed() public view {
        uint256 all = h.accrue(0, type(uint64).max);
        assertLe(all, 21_000_000 ether, "total <= cap");
        assertGe(all, 21_000_000 ether - 2 ether, "nearly all issued");
        assertEq(h.blockReward(21_000_000 ether), 0, "nothing past cap");
    }

    /// The lazy sum equals the block-by-block sum of blockReward.
    function testFuzz_accrue_equalsBlockByBlock(uint256 issued, uint8 blocks) public view {
        issued = issued % (21_000_000 ether);
        assertEq(h.accrue(issued, blocks), _stepwise(issued, blocks), "lazy == stepwise");
    }

    /// Near thresholds, where eras change inside the span.
    function testFuzz_accrue_nearThresholds(uint8 era, uint16 before, uint8 blocks) public view {
        uint256 k = era % 40;
        uint256 cap = 21_000_000 ether;
        uint256 threshold = cap - (cap >> (k + 1));
        uint256 issued = threshold - (uint256(before) * (1 ether >> k)) / 7 - 1;
        assertEq(h.accrue(issued, blocks), _stepwise(issued, blocks), "lazy == stepwise near threshold");
    }

    /// Splitting a span in two gives the same total (skipped blocks are never lost nor double-counted).
    function testFuzz_accrue_isAdditive(uint256 issued, uint32 a, uint32 b) public view {
        issued = issued % (21_000_000 ether);
        uint256 first = h.accrue(issued, a);
        uint256 second = h.accrue(issued + first, b);
        assertEq(first + second, h.accrue(issued, uint256(a) + b), "additive");
    }
}
