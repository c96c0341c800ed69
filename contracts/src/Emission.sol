// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Emission
/// @notice The block reward schedule: 1 token per block, halving each time issuance crosses
///         21M * (1 - 2^-(k+1)) (10.5M, 15.75M, ...), never past the 21M cap (docs/consensus.md).
library Emission {
    /// @notice Hard cap, in base units.
    uint256 internal constant CAP = 21_000_000 ether;
    /// @notice Reward of one block before any halving.
    uint256 internal constant BLOCK_REWARD = 1 ether;

    /// @notice Era in force at issuance `issued`: the smallest k with issued < CAP - (CAP >> (k + 1)).
    function era(uint256 issued) internal pure returns (uint256 k) {
        while (k < 255 && issued >= CAP - (CAP >> (k + 1))) ++k;
    }

    /// @notice Reward of the next block at issuance `issued`: min(1e18 >> k, H_k - issued), 0 from k = 60.
    function blockReward(uint256 issued) internal pure returns (uint256) {
        if (issued >= CAP) return 0;
        uint256 k = era(issued);
        if (k >= 60) return 0;
        uint256 r = BLOCK_REWARD >> k;
        uint256 room = (CAP - (CAP >> (k + 1))) - issued;
        return r < room ? r : room;
    }

    /// @notice Total paid by `blocks` consecutive blocks starting at issuance `issued`; equal to the
    ///         block-by-block sum of `blockReward` (the block reaching an era threshold pays only up to it).
    function accrue(uint256 issued, uint256 blocks) internal pure returns (uint256 total) {
        while (blocks > 0 && issued < CAP) {
            uint256 k = era(issued);
            if (k >= 60) break;
            uint256 reward = BLOCK_REWARD >> k;
            uint256 room = (CAP - (CAP >> (k + 1))) - issued;
            uint256 inEra = (room + reward - 1) / reward;
            uint256 take = blocks < inEra ? blocks : inEra;
            uint256 amount = take == inEra ? room : take * reward;
            total += amount;
            issued += amount;
            blocks -= take;
        }
    }
}
