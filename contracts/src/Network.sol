// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IntelligenceToken} from "./IntelligenceToken.sol";
import {IYuma, YumaTypes} from "./IYuma.sol";

/// @title Network
/// @notice The chain side of Intelligence: subnets and their hyperparameters, neuron registration
///         (dynamic burn, pruning), axons, staking with delegation, commit-reveal weights, and the
///         Yuma epoch that settles emissions. Design notes: docs/contracts.md.
import {NetworkStorage} from "./NetworkStorage.sol";

/// @title Network
/// @notice The chain side of Intelligence: subnets and their hyperparameters, neuron registration
///         (dynamic burn, pruning), axons, staking with delegation, commit-reveal weights, and the
///         Yuma epoch that settles emissions. Read-only views (metagraph, subnet list, bonds...) live in
///         NetworkViews and are served at this address through the fallback. Notes: docs/contracts.md.
contract Network is NetworkStorage {
    using SafeERC20 for IERC20;

    // ---------------------------------------------------------------- events

    event SubnetCreated(uint16 indexed netuid, address indexed owner, uint256 burned);
    event HyperparametersSet(uint16 indexed netuid, Hyperparameters hyperparameters);
    event NeuronRegistered(
        uint16 indexed netuid, uint16 indexed uid, address indexed hotkey, address coldkey, uint256 burned
    );
    event NeuronPruned(uint16 indexed netuid, uint16 indexed uid, address indexed hotkey);
    event AxonServed(
        uint16 indexed netuid, uint16 indexed uid, address indexed hotkey, uint128 ip, uint8 ipType, uint16 port,
        uint32 protocolVersion
    );
    event DelegateSet(address indexed hotkey, bool open, uint16 takeBps);
    event StakeAdded(
        uint16 indexed netuid, address indexed hotkey, address indexed coldkey, uint256 amount, uint256 shares
    );
    event StakeRemoved(
        uint16 indexed netuid, address indexed hotkey, address indexed coldkey, uint256 amount, uint256 shares
    );
    event WeightsCommitted(uint16 indexed netuid, uint16 indexed uid, bytes32 hash);
    event WeightsSet(uint16 indexed netuid, uint16 indexed uid, uint256 count);

    /// @notice The token this network mints and stakes.
    IntelligenceToken public immutable token;
    /// @notice The Yuma calculator.
    IYuma public immutable yuma;
    /// @notice Lowest subnet creation cost.
    uint256 public immutable minSubnetCost;
    /// @notice The read-only views module (delegatecalled from the fallback).
    address public immutable views;

    /// @param yuma_ The Yuma calculator contract.
    /// @param views_ The NetworkViews module.
    /// @param minSubnetCost_ Lowest subnet creation cost (0 on a devnet, so the first subnet is free).
    constructor(IYuma yuma_, address views_, uint256 minSubnetCost_) {
        views = views_;
        token = new IntelligenceToken(address(this));
        yuma = yuma_;
        minSubnetCost = minSubnetCost_;
        subnetCostBase = minSubnetCost_;
        subnetCostUpdatedAt = uint64(block.number);
        lastAccrualBlock = uint64(block.number);
    }

    // ---------------------------------------------------------------- subnets

    /// @notice Subtensor's default hyperparameters (docs/consensus.md), with free registration bounds.
    function defaultHyperparameters() public pure returns (Hyperparameters memory h) {
        h.tempo = 360;
        h.kappa = 500_000;
        h.bondsMovingAverage = 900_000;
        h.bondsPenalty = 1_000_000;
        h.maxUids = 256;
        h.maxValidators = 64;
        h.immunityPeriod = 4096;
        h.activityCutoff = 5000;
        h.minAllowedWeights = 1;
        h.weightsRateLimit = 100;
        h.commitReveal = true;
        h.revealPeriod = 360;
        h.minBurn = 0;
        h.maxBurn = 100 ether;
        h.stakeThreshold = 0;
    }

    /// @notice Current subnet creation cost: the base halves every COST_HALF_LIFE blocks, floored at the
    ///         minimum; 0 for the very first subnet.
    function subnetCost() public view returns (uint256) {
        // The first subnet is free: before it exists no token does (emission starts with it).
        if (subnetCount == 0) return 0;
        return _decay(subnetCostBase, subnetCostUpdatedAt, minSubnetCost);
    }

    /// @notice Creates a subnet owned by the caller, burning the current creation cost (at most `maxCost`).
    function createSubnet(uint256 maxCost) external nonReentrant returns (uint16 netuid) {
        uint256 cost = subnetCost();
        if (cost > maxCost) revert CostAboveLimit(cost, maxCost);
        if (subnetCount == type(uint16).max) revert TooManySubnets();
        netuid = subnetCount++;
        if (cost > 0) token.burnFrom(msg.sender, cost);
        uint256 next = cost * 2;
        subnetCostBase = next < minSubnetCost ? minSubnetCost : next;
        subnetCostUpdatedAt = uint64(block.number);

        _accrue();
        ++_subnetsLive;
        Subnet storage s = _subnets[netuid];
        s.owner = msg.sender;
        s.exists = true;
        s.createdAt = uint64(block.number);
        s.lastEpoch = uint64(block.number);
        s.accStakeSnapshot = accStake;
        s.accEqualSnapshot = accEqual;
        Hyperparameters memory h = defaultHyperparameters();
        _hyper[netuid] = h;
        emit SubnetCreated(netuid, msg.sender, cost);
        emit HyperparametersSet(netuid, h);
    }

    /// @notice Replaces a subnet's hyperparameters; only its owner, each value within bounds.
    function setHyperparameters(uint16 netuid, Hyperparameters calldata h) external {
        Subnet storage s = _subnet(netuid);
        if (msg.sender != s.owner) revert NotSubnetOwner(netuid, msg.sender);
        _notInEpoch(netuid);
        _checkHyperparameters(h, s.n);
        _hyper[netuid] = h;
        emit HyperparametersSet(netuid, h);
    }

    function _checkHyperparameters(Hyperparameters calldata h, uint16 n) internal pure {
        // tempo also bounds the epoch's old-bond reset (docs/consensus.md 8.2); u16 like the case format.
        if (h.tempo < 1 || h.tempo > 65_535) revert HyperparameterOutOfRange("tempo");
        if (h.kappa > 1_000_000) revert HyperparameterOutOfRange("kappa");
        if (h.bondsMovingAverage > 1_000_000) revert HyperparameterOutOfRange("bondsMovingAverage");
        if (h.bondsPenalty > 1_000_000) revert HyperparameterOutOfRange("bondsPenalty");
        if (h.maxUids < 1 || h.maxUids > MAX_UIDS || h.maxUids < n) revert HyperparameterOutOfRange("maxUids");
        if (h.maxValidators < 1 || h.maxValidators > MAX_VALIDATORS || h.maxValidators > h.maxUids) {
            revert HyperparameterOutOfRange("maxValidators");
        }
        if (h.immunityPeriod > 1_000_000) revert HyperparameterOutOfRange("immunityPeriod");
        if (h.activityCutoff < 1 || h.activityCutoff > 1_000_000) revert HyperparameterOutOfRange("activityCutoff");
        if (h.minAllowedWeights > h.maxUids) revert HyperparameterOutOfRange("minAllowedWeights");
        if (h.weightsRateLimit > 100_000) revert HyperparameterOutOfRange("weightsRateLimit");
        if (h.revealPeriod < 1 || h.revealPeriod > 100_000) revert HyperparameterOutOfRange("revealPeriod");
        if (h.minBurn > h.maxBurn || h.maxBurn > 1_000_000 ether) revert HyperparameterOutOfRange("burn");
        if (h.stakeThreshold > 21_000_000 ether) revert HyperparameterOutOfRange("stakeThreshold");
    }

    // ---------------------------------------------------------------- registration

    /// @notice Current registration burn of a subnet: halves every COST_HALF_LIFE blocks, within the owner's bounds.
    function burnCost(uint16 netuid) public view returns (uint256) {
        return _burnCost(netuid);
    }

    /// @notice The digest a hotkey signs (EIP-191 personal message) to let `coldkey` register it on `netuid`.
    function registrationDigest(uint16 netuid, address hotkey, address coldkey) public view returns (bytes32) {
        return keccak256(abi.encode(REGISTER_TAG, block.chainid, address(this), netuid, hotkey, coldkey));
    }

    /// @notice Registers `hotkey` on `netuid` for the calling coldkey, burning the current cost (at most `maxBurn`).
    ///         `signature` is the hotkey's EIP-191 signature of `registrationDigest`. Prunes when the subnet is full.
    function register(uint16 netuid, address hotkey, uint256 maxBurn, bytes calldata signature)
        external
        nonReentrant
        returns (uint16 uid)
    {
        Subnet storage s = _subnet(netuid);
        _notInEpoch(netuid);
        Hyperparameters storage h = _hyper[netuid];
        if (_uidPlusOne[netuid][hotkey] != 0) revert HotkeyAlreadyRegistered(netuid, hotkey);
        address owner = hotkeyOwner[hotkey];
        if (owner == address(0)) {
            bytes32 digest = MessageHashUtils.toEthSignedMessageHash(registrationDigest(netuid, hotkey, msg.sender));
            (address signer, ECDSA.RecoverError err,) = ECDSA.tryRecover(digest, signature);
            if (err != ECDSA.RecoverError.NoError || signer != hotkey) revert InvalidHotkeySignature(hotkey);
            hotkeyOwner[hotkey] = msg.sender;
        } else if (owner != msg.sender) {
            revert HotkeyOwnedByOther(hotkey, owner);
        }

        uint256 cost = burnCost(netuid);
        if (cost > maxBurn) revert CostAboveLimit(cost, maxBurn);
        if (cost > 0) token.burnFrom(msg.sender, cost);
        uint256 next = cost + cost / 4;
        if (next < h.minBurn) next = h.minBurn;
        if (next > h.maxBurn) next = h.maxBurn;
        s.burn = uint128(next);
        s.burnUpdatedAt = uint64(block.number);

        if (s.n < h.maxUids) {
            uid = s.n++;
        } else {
            uid = _pruneCandidate(netuid, s.n, h.immunityPeriod);
            _evict(netuid, uid);
        }
        Neuron storage nr = _neurons[netuid][uid];
        nr.hotkey = hotkey;
        nr.registeredAt = uint64(block.number);
        nr.lastUpdate = uint64(block.number);
        _uidPlusOne[netuid][hotkey] = uint256(uid) + 1;
        emit NeuronRegistered(netuid, uid, hotkey, msg.sender, cost);
    }

    /// @notice The UID registration would replace now: lowest emission outside immunity, then oldest, then
    ///         lowest UID (all UIDs compete when every one is immune).
    function pruneCandidate(uint16 netuid) external view returns (uint16) {
        Subnet storage s = _subnet(netuid);
        return _pruneCandidate(netuid, s.n, _hyper[netuid].immunityPeriod);
    }

    function _pruneCandidate(uint16 netuid, uint16 n, uint32 immunity) internal view returns (uint16 best) {
        bool bestImmune = true;
        uint256 bestEmission = type(uint256).max;
        uint64 bestReg = type(uint64).max;
        for (uint16 uid = 0; uid < n; ++uid) {
            Neuron storage nr = _neurons[netuid][uid];
            uint64 reg = nr.registeredAt;
            bool immune = uint256(reg) + immunity > block.number;
            uint256 em = nr.emission;
            bool better;
            if (immune != bestImmune) better = !immune;
            else if (em != bestEmission) better = em < bestEmission;
            else better = reg < bestReg;
            if (better) {
                best = uid;
                bestImmune = immune;
                bestEmission = em;
                bestReg = reg;
            }
        }
    }

    function _evict(uint16 netuid, uint16 uid) internal {
        Neuron storage nr = _neurons[netuid][uid];
        address old = nr.hotkey;
        delete _uidPlusOne[netuid][old];
        // The subnet's snapshot total changes only at its next epoch (after accrual); the new occupant
        // starts with no effective stake.
        nr.stakeSnapshot = 0;
        nr.emission = 0;
        nr.incentive = 0;
        nr.dividends = 0;
        nr.consensus = 0;
        nr.validatorTrust = 0;
        nr.validatorPermit = false;
        nr.active = false;
        nr.hasWeights = false;
        delete _axons[netuid][uid];
        delete _commits[netuid][uid];
        emit NeuronPruned(netuid, uid, old);
    }

    /// @notice Publishes the calling hotkey's endpoint on `netuid`; at most once per SERVING_RATE_LIMIT blocks.
    function serveAxon(uint16 netuid, uint128 ip, uint8 ipType, uint16 port, uint32 protocolVersion) external {
        uint16 uid = _uidOf(netuid, msg.sender);
        if ((ipType != 4 && ipType != 6) || ip == 0 || port == 0) revert InvalidAxon();
        if (ipType == 4 && ip > type(uint32).max) revert InvalidAxon();
        Axon storage a = _axons[netuid][uid];
        if (a.blockNumber != 0 && block.number < uint256(a.blockNumber) + SERVING_RATE_LIMIT) {
            revert RateLimited(a.blockNumber + SERVING_RATE_LIMIT);
        }
        _axons[netuid][uid] = Axon(ip, ipType, port, protocolVersion, uint64(block.number));
        emit AxonServed(netuid, uid, msg.sender, ip, ipType, port, protocolVersion);
    }

    // ---------------------------------------------------------------- staking

    /// @notice Opens (or closes) the calling hotkey to nominators and sets its take on their dividends.
    function setDelegate(bool open, uint16 takeBps) external {
        if (takeBps > MAX_TAKE_BPS) revert TakeTooHigh(takeBps);
        delegates[msg.sender] = Delegate(open, takeBps);
        emit DelegateSet(msg.sender, open, takeBps);
    }

    /// @notice Stakes `amount` of the caller's tokens to `hotkey` on `netuid`. Counts in epochs after the next one.
    function addStake(uint16 netuid, address hotkey, uint256 amount) external nonReentrant returns (uint256 shares) {
        _uidOf(netuid, hotkey);
        _notInEpoch(netuid);
        if (amount == 0) revert ZeroAmount();
        if (msg.sender != hotkeyOwner[hotkey] && !delegates[hotkey].open) revert NotNominatable(hotkey);
        IERC20(address(token)).safeTransferFrom(msg.sender, address(this), amount);
        Pool storage p = _pools[netuid][hotkey];
        shares = p.shares == 0 ? amount : amount * p.shares / p.stake;
        if (shares == 0) revert ZeroAmount();
        p.stake += uint128(amount);
        p.shares += uint128(shares);
        _shares[netuid][hotkey][msg.sender] += shares;
        totalStaked += amount;
        emit StakeAdded(netuid, hotkey, msg.sender, amount, shares);
    }

    /// @notice Withdraws `amount` of the caller's stake on `hotkey` (shares rounded up against the caller).
    function removeStake(uint16 netuid, address hotkey, uint256 amount) external nonReentrant returns (uint256 shares) {
        if (amount == 0) revert ZeroAmount();
        _notInEpoch(netuid);
        Pool storage p = _pools[netuid][hotkey];
        uint256 held = _shares[netuid][hotkey][msg.sender];
        uint256 available = p.shares == 0 ? 0 : held * p.stake / p.shares;
        if (amount > available) revert InsufficientStake(amount, available);
        shares = (amount * p.shares + p.stake - 1) / p.stake;
        if (shares > held) shares = held;
        p.stake -= uint128(amount);
        p.shares -= uint128(shares);
        _shares[netuid][hotkey][msg.sender] = held - shares;
        totalStaked -= amount;
        IERC20(address(token)).safeTransfer(msg.sender, amount);
        emit StakeRemoved(netuid, hotkey, msg.sender, amount, shares);
    }

    // ---------------------------------------------------------------- weights

    /// @notice Sets weights directly (subnets with commit-reveal off). Caller: a hotkey holding a validator permit.
    function setWeights(uint16 netuid, uint16[] calldata uids, uint16[] calldata weights) external {
        if (_hyper[netuid].commitReveal) revert CommitRevealEnabled(netuid);
        uint16 uid = _validatorUid(netuid);
        Neuron storage nr = _neurons[netuid][uid];
        uint64 next = nr.lastUpdate + _hyper[netuid].weightsRateLimit;
        if (block.number < next) revert RateLimited(next);
        _storeWeights(netuid, uid, uids, weights);
    }

    /// @notice Commits to weights: `hash = keccak256(abi.encode(hotkey, netuid, uids, weights, salt))`.
    function commitWeights(uint16 netuid, bytes32 hash) external {
        if (!_hyper[netuid].commitReveal) revert CommitRevealDisabled(netuid);
        uint16 uid = _validatorUid(netuid);
        Commit storage c = _commits[netuid][uid];
        Neuron storage nr = _neurons[netuid][uid];
        // Limited from the later of the open commit and the last weights set: a reveal deletes its commit, so
        // without lastUpdate a validator could commit again right after each reveal. A first commit is free.
        uint64 last = c.blockNumber > nr.lastUpdate ? c.blockNumber : nr.lastUpdate;
        uint64 next = last + _hyper[netuid].weightsRateLimit;
        if ((c.blockNumber != 0 || nr.hasWeights) && block.number < next) revert RateLimited(next);
        c.hash = bytes24(hash);
        c.blockNumber = uint64(block.number);
        emit WeightsCommitted(netuid, uid, hash);
    }

    /// @notice Reveals committed weights, from `revealPeriod` blocks after the commit until `tempo` blocks later.
    function revealWeights(uint16 netuid, uint16[] calldata uids, uint16[] calldata weights, bytes32 salt) external {
        Hyperparameters storage h = _hyper[netuid];
        if (!h.commitReveal) revert CommitRevealDisabled(netuid);
        uint16 uid = _validatorUid(netuid);
        Commit storage c = _commits[netuid][uid];
        uint64 at = c.blockNumber;
        if (at == 0) revert NoCommit(netuid, uid);
        uint64 first = at + h.revealPeriod;
        if (block.number < first) revert RevealTooEarly(first);
        uint64 last = first + h.tempo;
        if (block.number > last) revert RevealExpired(last);
        if (bytes24(_commitHash(netuid, uids, weights, salt)) != c.hash) revert CommitMismatch();
        delete _commits[netuid][uid];
        _storeWeights(netuid, uid, uids, weights);
    }

    /// @dev keccak256(abi.encode(msg.sender, netuid, uids, weights, salt)), built straight from calldata
    ///      (the elements are already 32-byte words there; _packWeights rejects non-uint16 words).
    function _commitHash(uint16 netuid, uint16[] calldata uids, uint16[] calldata weights, bytes32 salt)
        internal
        view
        returns (bytes32 h)
    {
        assembly {
            let ptr := mload(0x40)
            let lu := uids.length
            let lw := weights.length
            mstore(ptr, caller())
            mstore(add(ptr, 0x20), netuid)
            mstore(add(ptr, 0x40), 0xa0)
            mstore(add(ptr, 0x60), add(0xc0, shl(5, lu)))
            mstore(add(ptr, 0x80), salt)
            mstore(add(ptr, 0xa0), lu)
            calldatacopy(add(ptr, 0xc0), uids.offset, shl(5, lu))
            let q := add(add(ptr, 0xc0), shl(5, lu))
            mstore(q, lw)
            calldatacopy(add(q, 0x20), weights.offset, shl(5, lw))
            h := keccak256(ptr, add(sub(q, ptr), add(0x20, shl(5, lw))))
        }
    }

    function _validatorUid(uint16 netuid) internal view returns (uint16 uid) {
        uid = _uidOf(netuid, msg.sender);
        if (!_neurons[netuid][uid].validatorPermit) revert NoValidatorPermit(netuid, uid);
    }

    function _storeWeights(uint16 netuid, uint16 uid, uint16[] calldata uids, uint16[] calldata weights) internal {
        _notInEpoch(netuid);
        uint16 n = _subnets[netuid].n;
        uint256[16] memory row = _packWeights(uids, weights, n, _hyper[netuid].minAllowedWeights);
        uint256[16] storage dst = _weights[netuid][uid];
        uint256 words = (uint256(n) + 15) >> 4;
        for (uint256 k = 0; k < words; ++k) {
            if (dst[k] != row[k]) dst[k] = row[k];
        }
        Neuron storage nr = _neurons[netuid][uid];
        nr.lastUpdate = uint64(block.number);
        nr.hasWeights = true;
        emit WeightsSet(netuid, uid, uids.length);
    }

    /// @dev Validates a sparse weights list and packs it into a dense u16 row.
    function _packWeights(uint16[] calldata uids, uint16[] calldata weights, uint16 n, uint16 minAllowed)
        internal
        pure
        returns (uint256[16] memory row)
    {
        uint256 len = uids.length;
        if (len != weights.length) revert LengthMismatch(len, weights.length);
        if (len == 0) revert EmptyWeights();
        uint256 nonZero;
        uint256 bad; // 1 + offending uid, or 0
        uint256 dup; // 1 when `bad` names a duplicate rather than an out-of-range uid
        assembly {
            let seen := 0
            let up := uids.offset
            let wp := weights.offset
            for { let k := 0 } lt(k, len) { k := add(k, 1) } {
                let j := calldataload(add(up, shl(5, k)))
                let w := calldataload(add(wp, shl(5, k)))
                if gt(w, 0xffff) { revert(0, 0) } // not an ABI-encoded uint16
                if iszero(lt(j, n)) {
                    bad := add(j, 1)
                    break
                }
                let bit := shl(j, 1)
                if and(seen, bit) {
                    bad := add(j, 1)
                    dup := 1
                    break
                }
                seen := or(seen, bit)
                if w {
                    nonZero := add(nonZero, 1)
                    let slot := add(row, shl(5, shr(4, j)))
                    mstore(slot, or(mload(slot), shl(shl(4, and(j, 15)), w)))
                }
            }
        }
        if (bad != 0) {
            if (bad - 1 > type(uint16).max) revert UidOutOfRange(type(uint16).max, n);
            if (dup == 1) revert DuplicateUid(uint16(bad - 1));
            revert UidOutOfRange(uint16(bad - 1), n);
        }
        if (nonZero == 0) revert WeightsSumZero();
        if (nonZero < minAllowed) revert TooFewWeights(nonZero, minAllowed);
    }

    // ---------------------------------------------------------------- epoch

    /// @notice First block at which `runEpoch(netuid)` may run.
    function nextEpochBlock(uint16 netuid) public view returns (uint64) {
        return _subnet(netuid).lastEpoch + _hyper[netuid].tempo;
    }

    /// @notice Emission the subnet would settle if its epoch ran in this block (keeper fee included).
    function pendingEmission(uint16 netuid) external view returns (uint256) {
        Subnet storage s = _subnet(netuid);
        (uint256 aS, uint256 aE,) = _accrued();
        return _subnetShare(s, aS, aE);
    }

    /// @notice Runs Yuma for `netuid` once `tempo` blocks have passed since its last epoch and credits the
    ///         emission: a keeper fee to the caller, the owner cut to the owner, the rest to UIDs' stake pools.
    function runEpoch(uint16 netuid) external nonReentrant returns (uint256 emission) {
        (Subnet storage s, Hyperparameters memory h, uint256 e) = _startEpoch(netuid);
        emission = e;
        uint256 keeperFee = emission / KEEPER_FEE_DIVISOR;

        YumaTypes.Input memory input = _epochInput(netuid, s, h, uint64(block.number), 3);
        input.emission = emission - keeperFee;
        YumaTypes.Output memory out = yuma.run(input);

        uint64 epoch = ++s.epochs;
        s.lastEpoch = uint64(block.number);
        if (keeperFee > 0) token.mint(msg.sender, keeperFee);
        if (out.ownerEmission > 0) token.mint(s.owner, out.ownerEmission);
        uint256 credited = _applyOutput(netuid, s, input, out);
        if (credited > 0) token.mint(address(this), credited);
        emit EpochRun(netuid, epoch, uint64(block.number), emission, keeperFee, out.ownerEmission, msg.sender);
    }

    /// @notice Serves every other (read-only) selector from NetworkViews, in this contract's storage.
    fallback() external {
        address v = views;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), v, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }
}
