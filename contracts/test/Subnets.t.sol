// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {Network} from "../src/Network.sol";
import {NetworkStorage} from "../src/NetworkStorage.sol";
import {NetworkViews} from "../src/NetworkViews.sol";

contract SubnetsTest is Fixture {
    address internal alice = address(0xA11CE);
    address internal bob = address(0xB0B);

    function setUp() public {
        _deployWithBank();
    }

    function test_createSubnet_setsOwnerAndDefaults() public {
        vm.prank(alice);
        uint16 netuid = net.createSubnet(0);
        assertEq(netuid, 1, "second netuid");
        NetworkViews.SubnetView memory v = views.getSubnet(netuid);
        assertEq(v.owner, alice, "owner");
        assertEq(v.n, 0, "empty");
        assertEq(v.hyperparameters.tempo, 360, "default tempo");
        assertEq(v.hyperparameters.kappa, 500_000, "default kappa ppm");
        assertEq(views.subnetsLength(), 2, "count");
        assertEq(views.getSubnets().length, 2, "list");
    }

    function test_createSubnet_burnsCost_whichDoublesThenDecays() public {
        Network paid = _paidNetwork(10 ether);
        assertEq(paid.subnetCost(), 20 ether, "doubled after first creation");
        vm.roll(block.number + paid.COST_HALF_LIFE());
        assertEq(paid.subnetCost(), 10 ether, "halved after a half-life");
        vm.roll(block.number + 10 * paid.COST_HALF_LIFE());
        assertEq(paid.subnetCost(), 10 ether, "never below the minimum");
    }

    function test_createSubnet_aboveMaxCost_reverts() public {
        Network paid = _paidNetwork(10 ether);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.CostAboveLimit.selector, 20 ether, 1 ether));
        paid.createSubnet(1 ether);
    }

    function test_createSubnet_withoutTokens_reverts() public {
        Network paid = _paidNetwork(10 ether);
        vm.prank(bob);
        vm.expectRevert();
        paid.createSubnet(100 ether);
        assertEq(paid.subnetCount(), 2, "nothing created");
    }

    /// A network whose subnets cost at least `cost`: its first subnet is free (no token exists yet),
    /// this contract earns that subnet's emission and pays for a second one.
    function _paidNetwork(uint256 cost) internal returns (Network paid) {
        NetworkViews module = new NetworkViews();
        paid = new Network(yumaImpl, address(module), cost);
        assertEq(paid.subnetCost(), 0, "the first subnet is free");
        uint16 first = paid.createSubnet(0);
        NetworkStorage.Hyperparameters memory h = paid.defaultHyperparameters();
        h.tempo = 10;
        paid.setHyperparameters(first, h);
        vm.roll(block.number + 100);
        paid.runEpoch(first);
        assertEq(paid.subnetCost(), cost, "then the minimum");
        uint256 supply = paid.token().totalSupply();
        paid.token().approve(address(paid), cost);
        paid.createSubnet(cost);
        assertEq(paid.token().totalSupply(), supply - cost, "cost burned");
    }

    function test_setHyperparameters_byOwner_updates() public {
        NetworkStorage.Hyperparameters memory h = net.defaultHyperparameters();
        h.tempo = 77;
        h.maxUids = 12;
        h.maxValidators = 3;
        net.setHyperparameters(BANK, h);
        NetworkStorage.Hyperparameters memory got = views.hyperparameters(BANK);
        assertEq(got.tempo, 77, "tempo");
        assertEq(got.maxUids, 12, "maxUids");
        assertEq(got.maxValidators, 3, "maxValidators");
    }

    function test_setHyperparameters_byOther_reverts() public {
        NetworkStorage.Hyperparameters memory h = net.defaultHyperparameters();
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.NotSubnetOwner.selector, BANK, alice));
        net.setHyperparameters(BANK, h);
    }

    function test_setHyperparameters_unknownSubnet_reverts() public {
        NetworkStorage.Hyperparameters memory h = net.defaultHyperparameters();
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.SubnetNotFound.selector, 9));
        net.setHyperparameters(9, h);
    }

    function test_setHyperparameters_outOfBounds_reverts() public {
        string[12] memory names = [
            "tempo", "kappa", "bondsMovingAverage", "bondsPenalty", "maxUids", "maxValidators",
            "immunityPeriod", "activityCutoff", "minAllowedWeights", "weightsRateLimit", "revealPeriod", "burn"
        ];
        for (uint256 t = 0; t < names.length; ++t) {
            NetworkStorage.Hyperparameters memory h = net.defaultHyperparameters();
            if (t == 0) h.tempo = 0;
            if (t == 1) h.kappa = 1_000_001;
            if (t == 2) h.bondsMovingAverage = 1_000_001;
            if (t == 3) h.bondsPenalty = 1_000_001;
            if (t == 4) h.maxUids = 257;
            if (t == 5) h.maxValidators = 65;
            if (t == 6) h.immunityPeriod = 1_000_001;
            if (t == 7) h.activityCutoff = 0;
            if (t == 8) h.minAllowedWeights = 257;
            if (t == 9) h.weightsRateLimit = 100_001;
            if (t == 10) h.revealPeriod = 0;
            if (t == 11) h.minBurn = h.maxBurn + 1;
            vm.expectRevert(abi.encodeWithSelector(NetworkStorage.HyperparameterOutOfRange.selector, names[t]));
            net.setHyperparameters(BANK, h);
        }
        NetworkStorage.Hyperparameters memory s = net.defaultHyperparameters();
        s.stakeThreshold = 21_000_001 ether;
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.HyperparameterOutOfRange.selector, "stakeThreshold"));
        net.setHyperparameters(BANK, s);
    }

    function test_setHyperparameters_maxUidsBelowRegistered_reverts() public {
        _register(BANK, "a", alice);
        _register(BANK, "b", alice);
        NetworkStorage.Hyperparameters memory h = net.defaultHyperparameters();
        h.maxUids = 1;
        h.maxValidators = 1;
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.HyperparameterOutOfRange.selector, "maxUids"));
        net.setHyperparameters(BANK, h);
    }

    function test_views_unknownSubnet_revert() public {
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.SubnetNotFound.selector, 5));
        views.getMetagraph(5);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.SubnetNotFound.selector, 5));
        net.burnCost(5);
    }
}
