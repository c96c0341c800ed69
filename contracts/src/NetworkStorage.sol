// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

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
    }

    /// @notice A subnet's bookkeeping.
    struct Subnet {
        address owner;
        uint64 createdAt;
        uint16 n;
        bool exists;
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
}
