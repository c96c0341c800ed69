// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EpochSteps} from "./EpochSteps.sol";

/// @title NetworkViews
/// @notice Read-only views of Network's state for clients (metagraph in one call, subnet list with
///         hyperparameters, bonds and weights rows, stake). Deployed once and reached through Network's
///         fallback by delegatecall, so call these selectors at the Network address. It also carries
///         the resumable epoch steps (EpochSteps), which write Network's storage through that fallback.
contract NetworkViews is EpochSteps {
    /// @notice Tokens `coldkey` could withdraw from `hotkey` on `netuid` now.
    function stakeOf(uint16 netuid, address hotkey, address coldkey) external view returns (uint256) {
        Pool storage p = _pools[netuid][hotkey];
        return p.shares == 0 ? 0 : _shares[netuid][hotkey][coldkey] * p.stake / p.shares;
    }

    /// @notice A hotkey's whole stake pool on a subnet (stake in tokens, shares outstanding).
    function pool(uint16 netuid, address hotkey) external view returns (uint256 stake, uint256 shares) {
        Pool storage p = _pools[netuid][hotkey];
        return (p.stake, p.shares);
    }

    /// @notice Shares of `hotkey`'s pool held by `coldkey`.
    function sharesOf(uint16 netuid, address hotkey, address coldkey) external view returns (uint256) {
        return _shares[netuid][hotkey][coldkey];
    }

    // ---------------------------------------------------------------- views

    /// @notice Number of subnets.
    function subnetsLength() external view returns (uint16) {
        return subnetCount;
    }

    /// @notice All subnets with their hyperparameters.
    function getSubnets() external view returns (SubnetView[] memory list) {
        list = new SubnetView[](subnetCount);
        for (uint16 i = 0; i < subnetCount; ++i) {
            list[i] = getSubnet(i);
        }
    }

    /// @notice One subnet with its hyperparameters.
    function getSubnet(uint16 netuid) public view returns (SubnetView memory v) {
        Subnet storage s = _subnet(netuid);
        v.netuid = netuid;
        v.owner = s.owner;
        v.n = s.n;
        v.createdAt = s.createdAt;
        v.lastEpoch = s.lastEpoch;
        v.epochs = s.epochs;
        v.burn = _burnCost(netuid);
        v.stakeSnapshot = s.stakeSnapshot;
        v.hyperparameters = _hyper[netuid];
    }

    /// @notice The hyperparameters of a subnet.
    function hyperparameters(uint16 netuid) external view returns (Hyperparameters memory) {
        _subnet(netuid);
        return _hyper[netuid];
    }

    /// @notice The whole metagraph of a subnet in one call.
    function getMetagraph(uint16 netuid) external view returns (NeuronView[] memory list) {
        uint16 n = _subnet(netuid).n;
        list = new NeuronView[](n);
        for (uint16 uid = 0; uid < n; ++uid) {
            list[uid] = getNeuron(netuid, uid);
        }
    }

    /// @notice One UID of a subnet.
    function getNeuron(uint16 netuid, uint16 uid) public view returns (NeuronView memory v) {
        uint16 n = _subnet(netuid).n;
        if (uid >= n) revert UidOutOfRange(uid, n);
        v.uid = uid;
        v.axon = _axons[netuid][uid];
        _fillNeuron(v, netuid, _neurons[netuid][uid]);
    }

    function _fillNeuron(NeuronView memory v, uint16 netuid, Neuron storage nr) internal view {
        address hotkey = nr.hotkey;
        v.hotkey = hotkey;
        v.coldkey = hotkeyOwner[hotkey];
        uint256 stake = _pools[netuid][hotkey].stake;
        v.stake = stake;
        v.effectiveStake = stake < nr.stakeSnapshot ? stake : nr.stakeSnapshot;
        v.lastUpdate = nr.lastUpdate;
        v.registeredAt = nr.registeredAt;
        v.validatorPermit = nr.validatorPermit;
        v.active = nr.active;
        v.consensus = nr.consensus;
        v.validatorTrust = nr.validatorTrust;
        v.incentive = nr.incentive;
        v.dividends = nr.dividends;
        v.emission = nr.emission;
    }

    /// @notice UID of a registered hotkey (reverts when not registered).
    function uidOf(uint16 netuid, address hotkey) external view returns (uint16) {
        return _uidOf(netuid, hotkey);
    }

    /// @notice Whether `hotkey` is registered on `netuid`.
    function isRegistered(uint16 netuid, address hotkey) external view returns (bool) {
        return _uidPlusOne[netuid][hotkey] != 0;
    }

    /// @notice A validator's bonds row (u16 per miner UID).
    function getBonds(uint16 netuid, uint16 uid) external view returns (uint16[] memory) {
        return _unpackRow(netuid, _bonds[netuid][uid], _neurons[netuid][uid].hasBonds);
    }

    /// @notice A validator's current weights row (u16 per miner UID).
    function getWeights(uint16 netuid, uint16 uid) external view returns (uint16[] memory) {
        return _unpackRow(netuid, _weights[netuid][uid], _neurons[netuid][uid].hasWeights);
    }

    /// @notice The pending commitment of a UID: the first 24 bytes of its hash (zero when none) and its block.
    function getCommit(uint16 netuid, uint16 uid) external view returns (bytes24 hash, uint64 blockNumber) {
        Commit storage c = _commits[netuid][uid];
        return (c.hash, c.blockNumber);
    }

    /// @notice The published axon of a UID.
    function getAxon(uint16 netuid, uint16 uid) external view returns (Axon memory) {
        return _axons[netuid][uid];
    }

    function _unpackRow(uint16 netuid, uint256[16] storage row, bool present)
        internal
        view
        returns (uint16[] memory out)
    {
        uint16 n = _subnet(netuid).n;
        out = new uint16[](n);
        if (!present) return out;
        for (uint256 j = 0; j < n; ++j) {
            out[j] = uint16(row[j >> 4] >> ((j & 15) << 4));
        }
    }

}
