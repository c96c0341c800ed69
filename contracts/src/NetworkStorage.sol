// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";
import {YumaTypes} from "./IYuma.sol";
import {YumaMath} from "./Yuma.sol";
import {Emission} from "./Emission.sol";

/// @title NetworkStorage
/// @notice State layout, types, errors and small helpers shared by Network and NetworkViews (which
///         Network reaches by delegatecall for its read-only views, so both must see one layout).
abstract contract NetworkStorage is ReentrancyGuard {
    // ---------------------------------------------------------------- constants

    /// @notice Most UIDs a subnet may hold (weights rows are 16 packed words).
    uint16 public constant MAX_UIDS = 256;
    /// @notice Most validator permits per subnet.
    uint16 public constant MAX_VALIDATORS = 64;
    /// @notice Owner cut of every epoch's emission (after the keeper fee), parts per million: 18%.
    uint32 public constant OWNER_CUT_PPM = 180_000;
    /// @notice Keeper fee: emission / KEEPER_FEE_DIVISOR goes to runEpoch's caller.
    uint256 public constant KEEPER_FEE_DIVISOR = 1000;
    /// @notice Highest delegate take, in basis points (18%).
    uint16 public constant MAX_TAKE_BPS = 1800;
    /// @notice Blocks between two serveAxon calls of one neuron.
    uint64 public constant SERVING_RATE_LIMIT = 10;
    /// @notice Blocks over which the subnet creation cost and a subnet's registration burn halve.
    uint64 public constant COST_HALF_LIFE = 7200;
    /// @notice Scale of the emission-per-stake accumulator.
    uint256 internal constant ACC_SCALE = 1e36;
    /// @notice Domain tag of the hotkey's registration signature.
    bytes32 public constant REGISTER_TAG = keccak256("intelligence.register.v1");

    // ---------------------------------------------------------------- types

    /// @notice Owner-settable subnet parameters, each within the bounds in `_checkHyperparameters`.
    struct Hyperparameters {
        uint32 tempo;
        uint32 kappa;
        uint32 bondsMovingAverage;
        uint32 bondsPenalty;
        uint16 maxUids;
        uint16 maxValidators;
        uint32 immunityPeriod;
        uint32 activityCutoff;
        uint16 minAllowedWeights;
        uint32 weightsRateLimit;
        bool commitReveal;
        uint32 revealPeriod;
        uint128 minBurn;
        uint128 maxBurn;
        uint128 stakeThreshold;
        bool yuma3; // Yuma3 bonds (docs/consensus.md 8Y); off: subtensor's original Yuma bonds
    }

    /// @notice A subnet's bookkeeping.
    struct Subnet {
        address owner;
        uint64 createdAt;
        uint16 n;
        bool exists;
        bool epochOpen; // a resumable epoch is in progress (same word as `exists`: no extra slot to read)
        uint64 lastEpoch;
        uint64 epochs;
        uint128 burn;
        uint64 burnUpdatedAt;
        uint256 stakeSnapshot;
        uint256 accStakeSnapshot;
        uint256 accEqualSnapshot;
    }

    /// @notice One UID's state; three storage words.
    struct Neuron {
        address hotkey;
        uint64 registeredAt;
        uint64 lastUpdate;
        uint96 emission;
        uint16 incentive;
        uint16 dividends;
        uint16 consensus;
        uint16 validatorTrust;
        bool validatorPermit;
        bool active;
        bool hasWeights;
        bool hasBonds;
        uint128 stakeSnapshot;
    }

    /// @notice A published endpoint.
    struct Axon {
        uint128 ip;
        uint8 ipType;
        uint16 port;
        uint32 protocolVersion;
        uint64 blockNumber;
    }

    /// @notice A pending weights commitment.
    struct Commit {
        bytes24 hash; // first 24 bytes of the commitment: one storage word with the block

        uint64 blockNumber;
    }

    /// @notice A hotkey's stake pool on one subnet; stakers own shares of it.
    struct Pool {
        uint128 stake;
        uint128 shares;
    }

    /// @notice Whether a hotkey accepts nominators and the take it keeps from their dividends.
    struct Delegate {
        bool open;
        uint16 takeBps;
    }

    /// @notice One UID as the metagraph view returns it.
    struct NeuronView {
        uint16 uid;
        address hotkey;
        address coldkey;
        uint256 stake;
        uint256 effectiveStake;
        Axon axon;
        uint64 lastUpdate;
        uint64 registeredAt;
        bool validatorPermit;
        bool active;
        uint16 consensus;
        uint16 validatorTrust;
        uint16 incentive;
        uint16 dividends;
        uint256 emission;
    }

    /// @notice One subnet as the subnet list returns it.
    struct SubnetView {
        uint16 netuid;
        address owner;
        uint16 n;
        uint64 createdAt;
        uint64 lastEpoch;
        uint64 epochs;
        uint256 burn;
        uint256 stakeSnapshot;
        Hyperparameters hyperparameters;
    }

    /// @notice A resumable epoch of one subnet (beginEpoch / epochColumns / finishEpoch); open while
    ///         `Subnet.epochOpen`.
    struct EpochProgress {
        uint64 startBlock; // the epoch's block: activity and lastEpoch use it
        uint16 cursor; // next column to process
        uint16 rows; // working rows (k): permitted validators and holders of old bonds
        uint256 emission; // E_subnet, keeper fee included, fixed by beginEpoch
        uint256 activeSum; // T = sum of A
    }

    /// @notice One working row of a resumable epoch: constants and running sums (one word).
    ///      The row's lastUpdate is read from the neuron (frozen while the epoch is open).
    struct EpochRow {
        uint16 uid;
        uint24 rowSum; // masked raw weight sum (< 256 * 65535 < 2^24)
        uint40 activeStake; // A, Q32 (<= 2^32)
        uint40 trust; // running validator trust, Q32 (<= 2^32)
        uint112 dividend; // running d = sum_j B * rank64, exact (<= 2^96)
        bool hasWeights;
        bool hasBonds; // as at beginEpoch; the flag is rewritten by finishEpoch
        bool permit; // holds a validator permit this epoch (else the row only carries old bonds)
    }

    // ---------------------------------------------------------------- events

    /// @notice An epoch settled (one-shot runEpoch or finishEpoch); `blockNumber` is the epoch's block.
    event EpochRun(
        uint16 indexed netuid, uint64 indexed epoch, uint64 blockNumber, uint256 emission, uint256 keeperFee,
        uint256 ownerEmission, address keeper
    );

    // ---------------------------------------------------------------- errors

    error SubnetNotFound(uint16 netuid);
    error NotSubnetOwner(uint16 netuid, address caller);
    error TooManySubnets();
    error CostAboveLimit(uint256 cost, uint256 maxCost);
    error HyperparameterOutOfRange(string name);
    error InvalidHotkeySignature(address hotkey);
    error HotkeyAlreadyRegistered(uint16 netuid, address hotkey);
    error HotkeyOwnedByOther(address hotkey, address owner);
    error NotRegistered(uint16 netuid, address hotkey);
    error RateLimited(uint64 nextBlock);
    error InvalidAxon();
    error ZeroAmount();
    error NotNominatable(address hotkey);
    error TakeTooHigh(uint16 takeBps);
    error NotHotkeyOwner(address hotkey, address caller);
    error InsufficientStake(uint256 requested, uint256 available);
    error NoValidatorPermit(uint16 netuid, uint16 uid);
    error LengthMismatch(uint256 uids, uint256 weights);
    error EmptyWeights();
    error UidOutOfRange(uint16 uid, uint16 n);
    error DuplicateUid(uint16 uid);
    error TooFewWeights(uint256 nonZero, uint256 minimum);
    error WeightsSumZero();
    error CommitRevealEnabled(uint16 netuid);
    error CommitRevealDisabled(uint16 netuid);
    error NoCommit(uint16 netuid, uint16 uid);
    error RevealTooEarly(uint64 firstBlock);
    error RevealExpired(uint64 lastBlock);
    error CommitMismatch();
    error EpochNotDue(uint64 nextBlock);
    error EpochInProgress(uint16 netuid);
    error NoEpochInProgress(uint16 netuid);
    error EpochColumnsPending(uint16 netuid, uint16 cursor);

    // ---------------------------------------------------------------- state


    /// @notice Number of subnets created; netuids are 0..subnetCount-1.
    uint16 public subnetCount;
    /// @notice Creation cost after the last creation, before decay.
    uint256 public subnetCostBase;
    /// @notice Block of the last subnet creation.
    uint64 public subnetCostUpdatedAt;

    /// @notice Block up to which emission has been accrued.
    uint64 public lastAccrualBlock;
    /// @notice Issuance accrued by the schedule (genesis included); minted lazily, never above it.
    uint256 public accruedIssuance;
    /// @notice Emission per unit of snapshot stake, scaled by 1e36, summed over time.
    uint256 public accStake;
    /// @notice Emission per subnet while no subnet has snapshot stake, scaled by 1e36, summed over time.
    uint256 public accEqual;
    /// @notice Sum of all subnets' snapshot stake (the emission share denominator).
    uint256 public totalSnapshotStake;
    /// @notice Sum of all stake pools (tokens the contract holds for stakers).
    uint256 public totalStaked;
    uint256 internal _subnetsLive;

    mapping(uint16 => Subnet) internal _subnets;
    mapping(uint16 => Hyperparameters) internal _hyper;
    mapping(uint16 => mapping(uint16 => Neuron)) internal _neurons;
    mapping(uint16 => mapping(address => uint256)) internal _uidPlusOne;
    mapping(uint16 => mapping(uint16 => Axon)) internal _axons;
    mapping(uint16 => mapping(uint16 => Commit)) internal _commits;
    mapping(uint16 => mapping(uint16 => uint256[16])) internal _weights;
    mapping(uint16 => mapping(uint16 => uint256[16])) internal _bonds;
    mapping(uint16 => mapping(address => Pool)) internal _pools;
    mapping(uint16 => mapping(address => mapping(address => uint256))) internal _shares;
    mapping(address => address) public hotkeyOwner;
    mapping(address => Delegate) public delegates;
    /// @dev Resumable epochs: progress, permitted rows, and per column rank (low 64 bits) and
    ///      consensus (high 64 bits of each 128-bit half), two columns per word.
    mapping(uint16 => EpochProgress) internal _progress;
    mapping(uint16 => EpochRow[128]) internal _epochRows;
    mapping(uint16 => uint256[128]) internal _epochCols;

    // ---------------------------------------------------------------- helpers

    function _subnet(uint16 netuid) internal view returns (Subnet storage s) {
        s = _subnets[netuid];
        if (!s.exists) revert SubnetNotFound(netuid);
    }

    function _uidOf(uint16 netuid, address hotkey) internal view returns (uint16) {
        _subnet(netuid);
        uint256 u = _uidPlusOne[netuid][hotkey];
        if (u == 0) revert NotRegistered(netuid, hotkey);
        return uint16(u - 1);
    }

    /// @dev Q32 fraction to u16 (floor(q * 65535 / 2^32)), the stored and viewed precision.
    function _toU16(uint64 q) internal pure returns (uint16) {
        return uint16((uint256(q) * 65_535) >> 32);
    }

    /// @dev `base` halved once per COST_HALF_LIFE blocks since `since`, never below `floor`.
    function _decay(uint256 base, uint64 since, uint256 floor) internal view returns (uint256 c) {
        uint256 halvings = (block.number - since) / COST_HALF_LIFE;
        c = halvings >= 256 ? 0 : base >> halvings;
        if (c < floor) c = floor;
    }
    /// @dev A subnet's current registration burn (see Network.burnCost).
    function _burnCost(uint16 netuid) internal view returns (uint256) {
        Subnet storage s = _subnet(netuid);
        Hyperparameters storage h = _hyper[netuid];
        uint256 c = _decay(s.burn, s.burnUpdatedAt, h.minBurn);
        return c > h.maxBurn ? h.maxBurn : c;
    }

    /// @dev Reverts while a resumable epoch of the subnet is in progress (its inputs are frozen).
    function _notInEpoch(uint16 netuid) internal view {
        if (_subnets[netuid].epochOpen) revert EpochInProgress(netuid);
    }

    function _subnetShare(Subnet storage s, uint256 aS, uint256 aE) internal view returns (uint256) {
        return (s.stakeSnapshot * (aS - s.accStakeSnapshot) + (aE - s.accEqualSnapshot)) / ACC_SCALE;
    }

    /// @dev Common start of runEpoch and beginEpoch: the subnet exists, no epoch is open, `tempo` blocks
    ///      have passed; accrues and returns E_subnet (keeper fee included), resetting the subnet's
    ///      accumulator snapshots.
    function _startEpoch(uint16 netuid)
        internal
        returns (Subnet storage s, Hyperparameters memory h, uint256 emission)
    {
        s = _subnet(netuid);
        _notInEpoch(netuid);
        h = _hyper[netuid];
        uint64 due = s.lastEpoch + h.tempo;
        if (block.number < due) revert EpochNotDue(due);
        _accrue();
        emission = _subnetShare(s, accStake, accEqual);
        s.accStakeSnapshot = accStake;
        s.accEqualSnapshot = accEqual;
    }

    /// @dev The consensus hyperparameters in Yuma's encoding.
    function _params(Hyperparameters memory h) internal pure returns (YumaTypes.Params memory) {
        return YumaTypes.Params({
            kappa: h.kappa,
            bondsMovingAverage: h.bondsMovingAverage,
            bondsPenalty: h.bondsPenalty,
            ownerCut: OWNER_CUT_PPM,
            maxValidators: h.maxValidators,
            activityCutoff: h.activityCutoff,
            stakeThreshold: h.stakeThreshold,
            tempo: h.tempo,
            yuma3: h.yuma3
        });
    }

    /// @dev The epoch's input from storage as of block `at`; the permitted validators' weights rows and
    ///      every stored old bonds row only when asked (`rows`: bit 0 weights, bit 1 bonds, bit 2 the
    ///      bonds rows' UIDs without their words).
    function _epochInput(uint16 netuid, Subnet storage s, Hyperparameters memory h, uint64 at, uint256 rows)
        internal
        view
        returns (YumaTypes.Input memory input)
    {
        uint256 n = s.n;
        input.params = _params(h);
        input.blockNumber = at;
        input.stake = new uint256[](n);
        input.lastUpdate = new uint64[](n);
        input.registeredAt = new uint64[](n);
        uint256[] memory st = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) {
            Neuron storage nr = _neurons[netuid][uint16(i)];
            uint256 live = _pools[netuid][nr.hotkey].stake;
            uint256 snap = nr.stakeSnapshot;
            uint256 eff = live < snap ? live : snap;
            input.stake[i] = eff;
            st[i] = eff >= h.stakeThreshold ? eff : 0;
            input.lastUpdate[i] = nr.lastUpdate;
            input.registeredAt[i] = nr.registeredAt;
        }
        if (rows != 0) (input.weights, input.bonds) = _storedRows(netuid, st, h.maxValidators, rows);
    }

    /// @dev The stored weights (rows bit 0) of the validators permitted by `st` (only their weights count,
    ///      docs/consensus.md 3.1) and every stored old bonds row (bit 1; bit 2: UIDs only), permitted or not
    ///      (8.2: a validator that lost its permit keeps its old bonds for this epoch).
    function _storedRows(uint16 netuid, uint256[] memory st, uint16 maxValidators, uint256 rows)
        internal
        view
        returns (YumaTypes.Matrix memory weights, YumaTypes.Matrix memory bonds)
    {
        uint256 n = st.length;
        bool[] memory permit = YumaMath.permits(st, maxValidators);
        uint16[] memory wUids = new uint16[](n);
        uint16[] memory bUids = new uint16[](n);
        uint256 wRows;
        uint256 bRows;
        for (uint256 i = 0; i < n; ++i) {
            Neuron storage nr = _neurons[netuid][uint16(i)];
            if (permit[i] && nr.hasWeights && rows & 1 != 0) wUids[wRows++] = uint16(i);
            if (nr.hasBonds && rows & 6 != 0) bUids[bRows++] = uint16(i);
        }
        uint256 words = (n + 15) >> 4;
        weights = _loadRows(_weights[netuid], wUids, wRows, words);
        bonds = _loadRows(_bonds[netuid], bUids, bRows, rows & 2 != 0 ? words : 0);
    }

    function _loadRows(
        mapping(uint16 => uint256[16]) storage src,
        uint16[] memory uids,
        uint256 rows,
        uint256 words
    ) internal view returns (YumaTypes.Matrix memory m) {
        m.rowUids = new uint16[](rows);
        m.packed = new uint256[](rows * words);
        for (uint256 r = 0; r < rows; ++r) {
            uint16 uid = uids[r];
            m.rowUids[r] = uid;
            uint256[16] storage row = src[uid];
            for (uint256 k = 0; k < words; ++k) {
                m.packed[r * words + k] = row[k];
            }
        }
    }

    function _applyOutput(
        uint16 netuid,
        Subnet storage s,
        YumaTypes.Input memory input,
        YumaTypes.Output memory out
    ) internal returns (uint256 credited) {
        uint256 n = input.stake.length;
        uint256 newSnapshot;
        for (uint256 i = 0; i < n; ++i) {
            Neuron storage nr = _neurons[netuid][uint16(i)];
            uint256 em = out.emission[i];
            address hotkey = nr.hotkey;
            uint256 stakeNow = _credit(netuid, hotkey, em);
            credited += em;
            nr.emission = uint96(em);
            nr.incentive = _toU16(out.incentive[i]);
            nr.dividends = _toU16(out.dividends[i]);
            nr.consensus = _toU16(out.consensus[i]);
            nr.validatorTrust = _toU16(out.validatorTrust[i]);
            nr.validatorPermit = out.validatorPermit[i];
            nr.active = out.active[i];
            // Every permitted row gets a bonds row (the resumable epoch wrote it column by column); a row
            // without a permit was written as zeros and is dropped.
            nr.hasBonds = out.validatorPermit[i];
            nr.stakeSnapshot = uint128(stakeNow);
            // The subnet's emission weight is the stake this epoch used (docs/consensus.md 4.2).
            newSnapshot += input.stake[i];
        }
        uint256 words = (n + 15) >> 4;
        uint16[] memory rowUids = out.bonds.rowUids;
        for (uint256 r = 0; r < rowUids.length; ++r) {
            uint16 uid = rowUids[r];
            uint256[16] storage row = _bonds[netuid][uid];
            for (uint256 k = 0; k < words; ++k) {
                uint256 v = out.bonds.packed[r * words + k];
                if (row[k] != v) row[k] = v;
            }
        }
        totalSnapshotStake = totalSnapshotStake - s.stakeSnapshot + newSnapshot;
        s.stakeSnapshot = newSnapshot;
    }

    /// @dev Adds `amount` to the hotkey's pool; the delegate take becomes shares for the hotkey's coldkey.
    function _credit(uint16 netuid, address hotkey, uint256 amount) internal returns (uint256 stakeNow) {
        Pool storage p = _pools[netuid][hotkey];
        uint256 stake = p.stake;
        if (amount == 0) return stake;
        uint256 shares = p.shares;
        address owner = hotkeyOwner[hotkey];
        uint256 take = amount * delegates[hotkey].takeBps / 10_000;
        uint256 minted;
        if (shares == 0) {
            minted = amount + stake;
        } else if (take > 0) {
            minted = take * shares / (stake + amount - take);
        }
        stakeNow = stake + amount;
        p.stake = uint128(stakeNow);
        if (minted > 0) {
            p.shares = uint128(shares + minted);
            _shares[netuid][hotkey][owner] += minted;
        }
        totalStaked += amount;
    }

    /// @dev Accrues the block reward since the last accrual: per unit of snapshot stake when any subnet has
    ///      some, else equally per subnet; with no subnet at all nothing is issued (docs/contracts.md).
    function _accrue() internal {
        (uint256 aS, uint256 aE, uint256 amount) = _accrued();
        accStake = aS;
        accEqual = aE;
        accruedIssuance += amount;
        lastAccrualBlock = uint64(block.number);
    }

    function _accrued() internal view returns (uint256 aS, uint256 aE, uint256 amount) {
        aS = accStake;
        aE = accEqual;
        uint256 last = lastAccrualBlock;
        uint256 live = _subnetsLive;
        if (block.number <= last || live == 0) return (aS, aE, 0);
        amount = Emission.accrue(accruedIssuance, block.number - last);
        uint256 total = totalSnapshotStake;
        if (total > 0) aS += amount * ACC_SCALE / total;
        else aE += amount * ACC_SCALE / live;
    }

}
