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
        uint32 tempo; // blocks; old bonds on UIDs registered within the last tempo are reset
        bool yuma3; // Yuma3 bonds (docs/consensus.md 8Y) instead of the original ones
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
        Matrix bonds; // the working rows, ascending UID: permitted validators, and rows that held old bonds (all zero)
    }

    /// @notice What the first step of a resumable epoch yields: the working rows and their constants.
    struct Begin {
        uint16[] rowUids; // permitted UIDs and UIDs with an old bonds row, ascending
        bool[] rowPermit; // whether the row's UID holds a validator permit
        uint256[] rowSum; // masked raw weight sum per row (step 3.3)
        uint256[] aRow; // active stake A (Q32) per row
        uint256 T; // sum of A
    }

    /// @notice Input of one column chunk: columns [col0, col0 + cols) of an n-UID subnet.
    /// `weights` and `bonds` hold the raw (unmasked) u16 words of those columns, `(cols + 15) / 16`
    /// words per working row, rows in `rowUids` order; a row without stored weights/bonds is zero.
    struct ChunkInput {
        Params params;
        uint64 blockNumber;
        uint256 n;
        uint256 col0; // a multiple of 16
        uint256 cols;
        uint256 T;
        uint16[] rowUids;
        bool[] rowPermit;
        uint256[] rowSum;
        uint256[] aRow;
        uint64[] rowLastUpdate;
        uint64[] registeredAt; // of the chunk's columns
        uint256[] weights;
        uint256[] bonds;
    }

    /// @notice Output of one column chunk.
    struct Chunk {
        uint64[] consensus; // Q32, per chunk column
        uint256[] rank; // exact rank sum_i A * Wc (Q64), per chunk column
        uint256[] trust; // per row: this chunk's part of validator trust
        uint256[] dividend; // per row: this chunk's part of sum_j B * rank64 (exact)
        uint256[] bonds; // new u16 bonds of the chunk's columns, packed like the input
    }

    /// @notice Column results of every chunk, per UID, for the last step.
    struct Columns {
        uint256[] rank; // exact rank (Q64)
        uint64[] consensus;
        uint64[] validatorTrust;
        uint256[] dividend; // sum_j B * rank64 per UID (Yuma3: before the factor A)
    }
}

/// @notice The stateless Yuma calculator the Network calls once per epoch.
interface IYuma {
    /// @notice Runs one epoch over `input` and returns its results.
    function run(YumaTypes.Input calldata input) external pure returns (YumaTypes.Output memory);

    /// @notice Resumable epoch, step 1: steps 1-3 up to the row sums (of `input.bonds` only the row UIDs are read).
    function begin(YumaTypes.Input calldata input) external pure returns (YumaTypes.Begin memory);

    /// @notice Resumable epoch, step 2: steps 3-9 for a chunk of columns.
    function columns(YumaTypes.ChunkInput calldata input) external pure returns (YumaTypes.Chunk memory);

    /// @notice Resumable epoch, step 3: incentive, dividends and step 10 from the chunks' results.
    function settle(YumaTypes.Input calldata input, YumaTypes.Columns calldata cols)
        external
        pure
        returns (YumaTypes.Output memory);
}
