// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "./Vm.sol";
import {Network} from "../../src/Network.sol";
import {NetworkStorage} from "../../src/NetworkStorage.sol";
import {NetworkViews} from "../../src/NetworkViews.sol";
import {IntelligenceToken} from "../../src/IntelligenceToken.sol";
import {Yuma} from "../../src/Yuma.sol";
import {IYuma} from "../../src/IYuma.sol";

/// @notice A deployed network plus helpers: keys, funding through real emission, registration.
abstract contract Fixture is TestBase {
    Network internal net;
    NetworkViews internal views; // Network's address, typed with the views ABI
    IntelligenceToken internal token;
    Yuma internal yumaImpl;

    /// @notice netuid 0: created by this contract and used to earn tokens from emission.
    uint16 internal constant BANK = 0;

    function _deploy(uint256 minSubnetCost) internal {
        vm.roll(100);
        yumaImpl = new Yuma();
        NetworkViews module = new NetworkViews();
        net = new Network(_yumaForNetwork(), address(module), minSubnetCost);
        views = NetworkViews(address(net));
        token = net.token();
    }

    /// @notice The Yuma the network uses (tests may wrap it).
    function _yumaForNetwork() internal virtual returns (IYuma) {
        return IYuma(address(yumaImpl));
    }

    /// @notice Deploys with a free first subnet (the bank) owned by this contract.
    function _deployWithBank() internal {
        _deploy(0);
        net.createSubnet(0);
        NetworkStorage.Hyperparameters memory h = net.defaultHyperparameters();
        h.tempo = 10;
        net.setHyperparameters(BANK, h);
    }

    /// @notice Earns tokens the honest way: the bank subnet has no stake or neurons, so its whole
    ///         epoch emission (blocks x reward, less the keeper fee) goes to its owner, this contract.
    function _earn(uint256 blocks) internal returns (uint256 earned) {
        uint256 before = token.balanceOf(address(this));
        vm.roll(block.number + blocks);
        net.runEpoch(BANK);
        earned = token.balanceOf(address(this)) - before;
    }

    /// @notice Gives `to` `amount` tokens, earning them first if needed.
    function _fund(address to, uint256 amount) internal {
        while (token.balanceOf(address(this)) < amount) {
            if (_earn(10_000) == 0) revert AssertionFalse("bank earns nothing once stake exists: fund earlier");
        }
        token.transfer(to, amount);
    }

    function _pk(string memory name) internal pure returns (uint256) {
        return uint256(keccak256(bytes(name))) % 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141 + 1;
    }

    function _key(string memory name) internal pure returns (address) {
        return vm.addr(_pk(name));
    }

    function _sig(uint256 hotkeyPk, uint16 netuid, address coldkey) internal view returns (bytes memory) {
        bytes32 digest = net.registrationDigest(netuid, vm.addr(hotkeyPk), coldkey);
        bytes32 eth = keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", digest));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(hotkeyPk, eth);
        return abi.encodePacked(r, s, v);
    }

    /// @notice Registers hotkey `name` on `netuid` for `coldkey` (who must hold the burn).
    function _register(uint16 netuid, string memory name, address coldkey) internal returns (uint16 uid) {
        uint256 pk = _pk(name);
        bytes memory sig = _sig(pk, netuid, coldkey);
        uint256 cost = net.burnCost(netuid);
        if (cost > 0) {
            _fund(coldkey, cost);
            vm.prank(coldkey);
            token.approve(address(net), cost);
        }
        vm.prank(coldkey);
        uid = net.register(netuid, vm.addr(pk), cost, sig);
    }

    /// @notice Creates a subnet owned by `owner` with `h`.
    function _subnet(address owner, NetworkStorage.Hyperparameters memory h) internal returns (uint16 netuid) {
        uint256 cost = net.subnetCost();
        if (cost > 0) {
            _fund(owner, cost);
            vm.prank(owner);
            token.approve(address(net), cost);
        }
        vm.prank(owner);
        netuid = net.createSubnet(cost);
        vm.prank(owner);
        net.setHyperparameters(netuid, h);
    }

    function _stake(uint16 netuid, address hotkey, address coldkey, uint256 amount) internal {
        _fund(coldkey, amount);
        vm.startPrank(coldkey);
        token.approve(address(net), amount);
        net.addStake(netuid, hotkey, amount);
        vm.stopPrank();
    }

    function _u16s(uint256 a) internal pure returns (uint16[] memory x) {
        x = new uint16[](1);
        x[0] = uint16(a);
    }

    function _u16s(uint256 a, uint256 b) internal pure returns (uint16[] memory x) {
        x = new uint16[](2);
        x[0] = uint16(a);
        x[1] = uint16(b);
    }
}
