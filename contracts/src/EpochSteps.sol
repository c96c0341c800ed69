// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {NetworkStorage} from "./NetworkStorage.sol";
import {IYuma, YumaTypes} from "./IYuma.sol";
import {IntelligenceToken} from "./IntelligenceToken.sol";

/// @notice The Network's immutables, read back by the delegatecalled module (its own are unset).
interface INetworkRefs {
    /// @notice The token the Network mints.
    function token() external view returns (IntelligenceToken);
    /// @notice The Yuma calculator.
    function yuma() external view returns (IYuma);
}

/// @title EpochSteps
/// @notice The resumable epoch: the same Yuma epoch as `Network.runEpoch`, split so that no
///         transaction exceeds a bounded amount of gas (docs/contracts.md). Reached through Network's
///         fallback by delegatecall (it writes Network's storage). Anyone may call every step.
///         1. `beginEpoch(netuid)`: accrual, E_subnet, the subnet's stake snapshot, permits, A and the
///            row sums of W; freezes the subnet's weights, stake, registrations and hyperparameters.
///         2. `epochColumns(netuid, maxColumns)`, repeated: consensus, trust, rank, bonds and the
///            dividend sums of the next columns (a multiple of 16); new bonds are written in place.
///         3. `finishEpoch(netuid)`: incentive, dividends, the money split and the crediting; pays the
///            keeper fee to its caller and unfreezes the subnet.
abstract contract EpochSteps is NetworkStorage {
    uint256 private constant RANK_MASK = (1 << 72) - 1;
    uint256 private constant CONS_MASK = (1 << 56) - 1;

    /// @notice A resumable epoch began at `blockNumber` with `emission` (keeper fee included) to settle.
    event EpochBegun(uint16 indexed netuid, uint64 blockNumber, uint256 emission, uint16 validators);
    /// @notice Columns [firstColumn, firstColumn + count) of the epoch in progress are done.
    event EpochColumnsDone(uint16 indexed netuid, uint16 firstColumn, uint16 count);

    /// @notice The resumable epoch of `netuid`: whether one is open, its block, the next column, n.
    function epochProgress(uint16 netuid)
        external
        view
        returns (bool open, uint64 startBlock, uint16 nextColumn, uint16 n)
    {
        Subnet storage s = _subnet(netuid);
        EpochProgress storage pg = _progress[netuid];
        return (s.epochOpen, pg.startBlock, pg.cursor, s.n);
    }

    /// @notice Step 1: starts the subnet's epoch once `tempo` blocks have passed (like runEpoch) and
    ///         freezes its inputs until `finishEpoch`.
    function beginEpoch(uint16 netuid) external nonReentrant returns (uint256 emission) {
        (Subnet storage s, Hyperparameters memory h, uint256 e) = _startEpoch(netuid);
        emission = e;
        YumaTypes.Input memory input = _epochInput(netuid, s, h, uint64(block.number), 5);
        YumaTypes.Begin memory b = INetworkRefs(address(this)).yuma().begin(input);

        uint256 k = b.rowUids.length;
        EpochRow[128] storage rows = _epochRows[netuid];
        for (uint256 r = 0; r < k; ++r) {
            uint16 uid = b.rowUids[r];
            Neuron storage nr = _neurons[netuid][uid];
            rows[r] = EpochRow({
                uid: uid,
                rowSum: uint24(b.rowSum[r]),
                activeStake: uint40(b.aRow[r]),
                trust: 0,
                dividend: 0,
                hasWeights: nr.hasWeights,
                hasBonds: nr.hasBonds,
                permit: b.rowPermit[r]
            });
        }
        // The subnet's emission weight becomes the stake this epoch uses now, right after accrual, as
        // runEpoch does in one block (finishEpoch recomputes the same sum: the stake is frozen).
        uint256 newSnapshot;
        for (uint256 i = 0; i < input.stake.length; ++i) {
            newSnapshot += input.stake[i];
        }
        totalSnapshotStake = totalSnapshotStake - s.stakeSnapshot + newSnapshot;
        s.stakeSnapshot = newSnapshot;
        s.lastEpoch = uint64(block.number);
        s.epochOpen = true;
        _progress[netuid] = EpochProgress({
            startBlock: uint64(block.number),
            cursor: 0,
            rows: uint16(k),
            emission: emission,
            activeSum: b.T
        });
        emit EpochBegun(netuid, uint64(block.number), emission, uint16(k));
    }

    /// @notice Step 2: processes up to `maxColumns` further columns (rounded up to a multiple of 16;
    ///         64 keeps a 256 x 64 subnet well under 15M gas). Returns the next column (n when done).
    function epochColumns(uint16 netuid, uint256 maxColumns) external nonReentrant returns (uint256 next) {
        if (!_subnets[netuid].epochOpen) revert NoEpochInProgress(netuid);
        EpochProgress storage pg = _progress[netuid];
        uint256 n = _subnets[netuid].n;
        uint256 col0 = pg.cursor;
        if (col0 >= n) return n;
        uint256 cols = maxColumns == 0 ? 16 : ((maxColumns + 15) >> 4) << 4;
        if (cols > n - col0) cols = n - col0;
        YumaTypes.ChunkInput memory ci = _chunkInput(netuid, pg, n, col0, cols);
        YumaTypes.Chunk memory ch = INetworkRefs(address(this)).yuma().columns(ci);

        uint256 words = (cols + 15) >> 4;
        uint256 w0 = col0 >> 4;
        EpochRow[128] storage rows = _epochRows[netuid];
        for (uint256 r = 0; r < ci.rowUids.length; ++r) {
            uint256[16] storage bondRow = _bonds[netuid][ci.rowUids[r]];
            for (uint256 w = 0; w < words; ++w) {
                uint256 v = ch.bonds[r * words + w];
                if (bondRow[w0 + w] != v) bondRow[w0 + w] = v;
            }
            EpochRow storage row = rows[r];
            row.trust += uint40(ch.trust[r]);
            row.dividend += uint112(ch.dividend[r]);
        }
        uint256[128] storage packed = _epochCols[netuid];
        // Two columns per word, 128 bits each: the exact rank (<= 2^64) in the low 72 bits, consensus above.
        for (uint256 j = 0; j < cols; j += 2) {
            uint256 word = ch.rank[j] | (uint256(ch.consensus[j]) << 72);
            if (j + 1 < cols) word |= (ch.rank[j + 1] | (uint256(ch.consensus[j + 1]) << 72)) << 128;
            packed[(col0 + j) >> 1] = word;
        }
        next = col0 + cols;
        pg.cursor = uint16(next);
        emit EpochColumnsDone(netuid, uint16(col0), uint16(cols));
    }

    function _chunkInput(uint16 netuid, EpochProgress storage pg, uint256 n, uint256 col0, uint256 cols)
        internal
        view
        returns (YumaTypes.ChunkInput memory ci)
    {
        ci.params = _params(_hyper[netuid]);
        ci.blockNumber = pg.startBlock;
        ci.n = n;
        ci.col0 = col0;
        ci.cols = cols;
        ci.T = pg.activeSum;
        uint256 k = pg.rows;
        uint256 words = (cols + 15) >> 4;
        uint256 w0 = col0 >> 4;
        ci.rowUids = new uint16[](k);
        ci.rowPermit = new bool[](k);
        ci.rowSum = new uint256[](k);
        ci.aRow = new uint256[](k);
        ci.rowLastUpdate = new uint64[](k);
        ci.weights = new uint256[](k * words);
        ci.bonds = new uint256[](k * words);
        EpochRow[128] storage rows = _epochRows[netuid];
        for (uint256 r = 0; r < k; ++r) {
            EpochRow memory row = rows[r];
            ci.rowUids[r] = row.uid;
            ci.rowPermit[r] = row.permit;
            ci.rowSum[r] = row.rowSum;
            ci.aRow[r] = row.activeStake;
            ci.rowLastUpdate[r] = _neurons[netuid][row.uid].lastUpdate;
            if (row.hasWeights && row.permit) _copyWords(_weights[netuid][row.uid], ci.weights, r * words, w0, words);
            if (row.hasBonds) _copyWords(_bonds[netuid][row.uid], ci.bonds, r * words, w0, words);
        }
        ci.registeredAt = new uint64[](cols);
        for (uint256 j = 0; j < cols; ++j) {
            ci.registeredAt[j] = _neurons[netuid][uint16(col0 + j)].registeredAt;
        }
    }

    function _copyWords(uint256[16] storage src, uint256[] memory dst, uint256 at, uint256 w0, uint256 words)
        internal
        view
    {
        for (uint256 w = 0; w < words; ++w) {
            dst[at + w] = src[w0 + w];
        }
    }

    /// @notice Step 3: once every column is done, settles the epoch like runEpoch: the keeper fee to the
    ///         caller, the owner emission to the owner, the rest to the UIDs' pools; unfreezes the subnet.
    function finishEpoch(uint16 netuid) external nonReentrant returns (uint256 emission) {
        Subnet storage s = _subnets[netuid];
        if (!s.epochOpen) revert NoEpochInProgress(netuid);
        EpochProgress memory pg = _progress[netuid];
        uint256 n = s.n;
        if (pg.cursor < n) revert EpochColumnsPending(netuid, pg.cursor);
        Hyperparameters memory h = _hyper[netuid];
        emission = pg.emission;
        uint256 keeperFee = emission / KEEPER_FEE_DIVISOR;
        YumaTypes.Input memory input = _epochInput(netuid, s, h, pg.startBlock, 0);
        input.emission = emission - keeperFee;
        YumaTypes.Output memory out = INetworkRefs(address(this)).yuma().settle(input, _columnResults(netuid, pg, n));
        delete _progress[netuid];
        s.epochOpen = false;

        uint64 epoch = ++s.epochs;
        IntelligenceToken token = INetworkRefs(address(this)).token();
        if (keeperFee > 0) token.mint(msg.sender, keeperFee);
        if (out.ownerEmission > 0) token.mint(s.owner, out.ownerEmission);
        uint256 credited = _applyOutput(netuid, s, input, out);
        if (credited > 0) token.mint(address(this), credited);
        emit EpochRun(netuid, epoch, pg.startBlock, emission, keeperFee, out.ownerEmission, msg.sender);
    }

    function _columnResults(uint16 netuid, EpochProgress memory pg, uint256 n)
        internal
        view
        returns (YumaTypes.Columns memory cols)
    {
        cols.rank = new uint256[](n);
        cols.consensus = new uint64[](n);
        cols.validatorTrust = new uint64[](n);
        cols.dividend = new uint256[](n);
        uint256[128] storage packed = _epochCols[netuid];
        for (uint256 j = 0; j < n; j += 2) {
            uint256 word = packed[j >> 1];
            cols.rank[j] = word & RANK_MASK;
            cols.consensus[j] = uint64((word >> 72) & CONS_MASK);
            if (j + 1 < n) {
                cols.rank[j + 1] = (word >> 128) & RANK_MASK;
                cols.consensus[j + 1] = uint64(word >> 200);
            }
        }
        EpochRow[128] storage rows = _epochRows[netuid];
        for (uint256 r = 0; r < pg.rows; ++r) {
            EpochRow memory row = rows[r];
            cols.validatorTrust[row.uid] = row.trust;
            cols.dividend[row.uid] = row.dividend;
        }
    }
}
