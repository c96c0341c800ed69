// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Inputs and outputs of one Yuma epoch for one subnet (see docs/consensus.md).
/// Matrices are row lists: `rowUids[k]` names the row whose 16-bit entries for columns
/// 0..n-1 are packed sixteen per word, little end first (column c sits in word c/16 at bit 16*(c%16)),
/// `words = (n + 15) / 16` words per row, rows concatenated in `packed`.
library YumaTypes {
    /// @notice Consensus hyperparameters in the on-chain fixed-point encodings.
    struct Params {
        uint32 kappa; // parts per million
        uint32 bondsMovingAverage; // parts per million
        uint32 bondsPenalty; // parts per million
        uint32 ownerCut; // parts per million
        uint16 maxValidators;
        uint64 activityCutoff; // blocks
        uint256 stakeThreshold; // base units
    }

    /// @notice A sparse list of packed u16 rows.
    struct Matrix {
        uint16[] rowUids;
        uint256[] packed;
    }

    /// @notice Everything an epoch reads.
    struct Input {
        Params params;
        uint64 blockNumber;
        uint256 emission; // base units to split (owner cut + per-UID)
        uint256[] stake; // base units per UID
        uint64[] lastUpdate;
        uint64[] registeredAt;
        Matrix weights;
        Matrix bonds;
    }

    /// @notice Everything an epoch writes.
    /// Q32 vectors hold fractions as integers over 2^32.
    struct Output {
        uint256 ownerEmission;
        uint256[] emission; // base units per UID
        uint64[] stake; // Q32
        uint64[] activeStake; // Q32
        uint64[] rank; // Q32
        uint64[] consensus; // Q32
        uint64[] validatorTrust; // Q32
        uint64[] incentive; // Q32
        uint64[] dividends; // Q32
        bool[] active;
        bool[] validatorPermit;
        Matrix bonds; // rows of the permitted validators, ascending UID
    }
}

/// @notice The stateless Yuma calculator the Network calls once per epoch.
interface IYuma {
    /// @notice Runs one epoch over `input` and returns its results.
    function run(YumaTypes.Input calldata input) external pure returns (YumaTypes.Output memory);
}
