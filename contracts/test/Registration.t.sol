// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {Network} from "../src/Network.sol";
import {NetworkStorage} from "../src/NetworkStorage.sol";
import {NetworkViews} from "../src/NetworkViews.sol";

contract RegistrationTest is Fixture {
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);
    uint16 internal netuid;

    function setUp() public {
        _deployWithBank();
        _earn(5_000);
        NetworkStorage.Hyperparameters memory h = net.defaultHyperparameters();
        h.maxUids = 4;
        h.maxValidators = 2;
        h.immunityPeriod = 50;
        h.minBurn = 1 ether;
        h.maxBurn = 3 ether;
        h.tempo = 10;
        netuid = _subnet(alice, h);
    }

    function test_register_assignsDenseUids_andBurns() public {
        uint256 supply = token.totalSupply();
        uint16 a = _register(netuid, "hk-a", bob);
        uint16 b = _register(netuid, "hk-b", bob);
        assertEq(a, 0, "uid 0");
        assertEq(b, 1, "uid 1");
        assertEq(token.totalSupply(), supply - 1 ether - 1.25 ether, "burned 1 then 1.25");
        NetworkViews.NeuronView memory v = views.getNeuron(netuid, 1);
        assertEq(v.hotkey, _key("hk-b"), "hotkey");
        assertEq(v.coldkey, bob, "coldkey");
        assertEq(v.registeredAt, block.number, "registeredAt");
        assertEq(views.uidOf(netuid, _key("hk-a")), 0, "uidOf");
        assertTrue(views.isRegistered(netuid, _key("hk-a")), "registered");
        assertEq(net.hotkeyOwner(_key("hk-a")), bob, "owner bound");
    }

    function test_register_emitsEvent() public {
        bytes memory sig = _sig(_pk("hk-e"), netuid, bob);
        _fund(bob, 1 ether);
        vm.prank(bob);
        token.approve(address(net), 1 ether);
        vm.expectEmit(true, true, true, true);
        emit Network.NeuronRegistered(netuid, 0, _key("hk-e"), bob, 1 ether);
        vm.prank(bob);
        net.register(netuid, _key("hk-e"), 1 ether, sig);
    }

    function test_burn_risesAfterRegistration_decaysOverBlocks_withinBounds() public {
        assertEq(net.burnCost(netuid), 1 ether, "starts at the minimum");
        _register(netuid, "a", bob);
        assertEq(net.burnCost(netuid), 1.25 ether, "x1.25");
        _register(netuid, "b", bob);
        _register(netuid, "c", bob);
        _register(netuid, "d", bob);
        assertEq(net.burnCost(netuid), 2.44140625 ether, "x1.25^4");
        vm.roll(block.number + 50);
        _register(netuid, "e", bob);
        assertEq(net.burnCost(netuid), 3 ether, "capped at maxBurn");
        vm.roll(block.number + net.COST_HALF_LIFE());
        assertEq(net.burnCost(netuid), 1.5 ether, "halves per half-life");
        vm.roll(block.number + 5 * net.COST_HALF_LIFE());
        assertEq(net.burnCost(netuid), 1 ether, "floored at minBurn");
    }

    /// Registering "hk" for bob with a signature by `signer` for `coldkey` must fail the proof.
    function _expectBadProof(string memory signer, address coldkey) internal {
        bytes memory sig = _sig(_pk(signer), netuid, coldkey);
        _fund(bob, 1 ether);
        vm.prank(bob);
        token.approve(address(net), 1 ether);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.InvalidHotkeySignature.selector, _key("hk")));
        net.register(netuid, _key("hk"), 1 ether, sig);
    }

    function test_register_badSignature_reverts() public {
        _expectBadProof("other", bob);
    }

    function test_register_signatureForAnotherColdkey_reverts() public {
        _expectBadProof("hk", alice);
    }

    function test_register_malformedSignature_reverts() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.InvalidHotkeySignature.selector, _key("hk")));
        net.register(netuid, _key("hk"), 1 ether, hex"1234");
    }

    function test_register_twice_reverts() public {
        _register(netuid, "hk", bob);
        bytes memory sig = _sig(_pk("hk"), netuid, bob);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.HotkeyAlreadyRegistered.selector, netuid, _key("hk")));
        net.register(netuid, _key("hk"), 10 ether, sig);
    }

    function test_register_hotkeyOwnedByOtherColdkey_reverts() public {
        _register(netuid, "hk", bob);
        bytes memory sig = _sig(_pk("hk"), BANK, alice);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.HotkeyOwnedByOther.selector, _key("hk"), bob));
        net.register(BANK, _key("hk"), 10 ether, sig);
    }

    function test_register_sameColdkeyOnAnotherSubnet_needsNoNewSignature() public {
        _register(netuid, "hk", bob);
        vm.prank(bob);
        uint16 uid = net.register(BANK, _key("hk"), 0, "");
        assertEq(uid, 0, "registered on the bank subnet");
    }

    function test_register_burnAboveMax_reverts() public {
        bytes memory sig = _sig(_pk("hk"), netuid, bob);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.CostAboveLimit.selector, 1 ether, 0.5 ether));
        net.register(netuid, _key("hk"), 0.5 ether, sig);
    }

    function test_register_withoutAllowance_reverts() public {
        bytes memory sig = _sig(_pk("hk"), netuid, bob);
        vm.prank(bob);
        vm.expectRevert();
        net.register(netuid, _key("hk"), 1 ether, sig);
    }

    function test_register_unknownSubnet_reverts() public {
        bytes memory sig = _sig(_pk("hk"), 7, bob);
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.SubnetNotFound.selector, 7));
        net.register(7, _key("hk"), 1 ether, sig);
    }

    function test_prune_whenFull_allImmune_takesOldestThenLowestUid() public {
        for (uint256 i = 0; i < 4; ++i) {
            _register(netuid, string(abi.encodePacked("n", vm.toString(i))), bob);
        }
        assertEq(net.pruneCandidate(netuid), 0, "all immune, same block: lowest uid");
        bytes memory sig = _sig(_pk("n4"), netuid, bob);
        uint256 cost = net.burnCost(netuid);
        _fund(bob, cost);
        vm.prank(bob);
        token.approve(address(net), cost);
        vm.expectEmit(true, true, true, true);
        emit Network.NeuronPruned(netuid, 0, _key("n0"));
        vm.prank(bob);
        uint16 uid = net.register(netuid, _key("n4"), cost, sig);
        assertEq(uid, 0, "replaced uid 0");
        assertTrue(!views.isRegistered(netuid, _key("n0")), "old hotkey gone");
        assertEq(views.getSubnet(netuid).n, 4, "still 4");
    }

    function test_prune_prefersNonImmune_lowestEmission() public {
        NetworkStorage.Hyperparameters memory h = views.hyperparameters(netuid);
        h.commitReveal = false;
        h.weightsRateLimit = 0;
        h.minAllowedWeights = 1;
        vm.prank(alice);
        net.setHyperparameters(netuid, h);
        _register(netuid, "v", bob); // uid 0: validator
        _register(netuid, "m1", bob); // uid 1: weighted miner
        _register(netuid, "m2", bob); // uid 2: ignored miner
        _stake(netuid, _key("v"), bob, 100 ether);
        vm.roll(block.number + 10);
        net.runEpoch(netuid);
        vm.roll(block.number + 10);
        net.runEpoch(netuid); // permits now
        vm.prank(_key("v"));
        net.setWeights(netuid, _u16s(1), _u16s(65535));
        vm.roll(block.number + 10);
        _register(netuid, "young", bob); // uid 3, immune
        net.runEpoch(netuid);
        NetworkViews.NeuronView[] memory mg = views.getMetagraph(netuid);
        assertTrue(mg[1].emission > 0, "weighted miner earns");
        assertEq(mg[2].emission, 0, "ignored miner earns nothing");
        vm.roll(block.number + 45); // uids 0..2 out of immunity, uid 3 still immune (registered 10 blocks later)
        assertEq(net.pruneCandidate(netuid), 2, "lowest emission outside immunity");
        uint16 uid = _register(netuid, "new", bob);
        assertEq(uid, 2, "took uid 2");
        assertEq(views.getNeuron(netuid, 2).emission, 0, "fresh state");
    }

    function test_serveAxon_publishes_andRateLimits() public {
        _register(netuid, "hk", bob);
        vm.prank(_key("hk"));
        vm.expectEmit(true, true, true, true);
        emit Network.AxonServed(netuid, 0, _key("hk"), 0x7f000001, 4, 8091, 3);
        net.serveAxon(netuid, 0x7f000001, 4, 8091, 3);
        NetworkStorage.Axon memory a = views.getAxon(netuid, 0);
        assertEq(a.ip, 0x7f000001, "ip");
        assertEq(a.port, 8091, "port");
        assertEq(a.protocolVersion, 3, "version");
        assertEq(views.getMetagraph(netuid)[0].axon.port, 8091, "in metagraph");
        vm.prank(_key("hk"));
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.RateLimited.selector, uint64(block.number + 10)));
        net.serveAxon(netuid, 0x7f000001, 4, 8092, 3);
        vm.roll(block.number + 10);
        vm.prank(_key("hk"));
        net.serveAxon(netuid, 1, 6, 8092, 3);
        assertEq(views.getAxon(netuid, 0).ipType, 6, "ipv6 after the limit");
    }

    function test_serveAxon_invalid_reverts() public {
        _register(netuid, "hk", bob);
        vm.startPrank(_key("hk"));
        vm.expectRevert(NetworkStorage.InvalidAxon.selector);
        net.serveAxon(netuid, 1, 5, 80, 1);
        vm.expectRevert(NetworkStorage.InvalidAxon.selector);
        net.serveAxon(netuid, 0, 4, 80, 1);
        vm.expectRevert(NetworkStorage.InvalidAxon.selector);
        net.serveAxon(netuid, 1, 4, 0, 1);
        vm.expectRevert(NetworkStorage.InvalidAxon.selector);
        net.serveAxon(netuid, uint128(1) << 40, 4, 80, 1);
        vm.stopPrank();
    }

    function test_serveAxon_unregistered_reverts() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.NotRegistered.selector, netuid, bob));
        net.serveAxon(netuid, 1, 4, 80, 1);
    }

    function test_getNeuron_outOfRange_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.UidOutOfRange.selector, 0, 0));
        views.getNeuron(netuid, 0);
    }
}
