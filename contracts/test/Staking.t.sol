// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {Network} from "../src/Network.sol";
import {NetworkStorage} from "../src/NetworkStorage.sol";
import {NetworkViews} from "../src/NetworkViews.sol";

contract StakingTest is Fixture {
    address internal owner = address(0x0E1);
    address internal cold = address(0xC01D);
    address internal nominator = address(0x404);
    address internal hot;
    uint16 internal netuid;

    function setUp() public {
        _deployWithBank();
        _earn(20_000);
        NetworkStorage.Hyperparameters memory h = net.defaultHyperparameters();
        h.tempo = 10;
        h.commitReveal = false;
        h.weightsRateLimit = 0;
        netuid = _subnet(owner, h);
        _register(netuid, "hot", cold);
        hot = _key("hot");
        _fund(cold, 1000 ether);
        _fund(nominator, 1000 ether);
    }

    function _add(address who, uint256 amount) internal returns (uint256 shares) {
        vm.startPrank(who);
        token.approve(address(net), amount);
        shares = net.addStake(netuid, hot, amount);
        vm.stopPrank();
    }

    function test_addStake_movesTokens_andMintsShares() public {
        uint256 shares = _add(cold, 100 ether);
        assertEq(shares, 100 ether, "1:1 on an empty pool");
        assertEq(views.stakeOf(netuid, hot, cold), 100 ether, "stakeOf");
        (uint256 stake, uint256 total) = views.pool(netuid, hot);
        assertEq(stake, 100 ether, "pool stake");
        assertEq(total, 100 ether, "pool shares");
        assertEq(token.balanceOf(address(net)), 100 ether, "held by the network");
        assertEq(net.totalStaked(), 100 ether, "totalStaked");
    }

    function test_addStake_zero_reverts() public {
        vm.prank(cold);
        vm.expectRevert(NetworkStorage.ZeroAmount.selector);
        net.addStake(netuid, hot, 0);
    }

    function test_addStake_unregisteredHotkey_reverts() public {
        vm.prank(cold);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.NotRegistered.selector, netuid, address(0xDEAD)));
        net.addStake(netuid, address(0xDEAD), 1 ether);
    }

    function test_addStake_nominatorToClosedHotkey_reverts() public {
        vm.startPrank(nominator);
        token.approve(address(net), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.NotNominatable.selector, hot));
        net.addStake(netuid, hot, 1 ether);
        vm.stopPrank();
    }

    function test_setDelegate_opensToNominators() public {
        vm.prank(hot);
        vm.expectEmit(true, true, true, true);
        emit Network.DelegateSet(hot, true, 1000);
        net.setDelegate(true, 1000);
        _add(nominator, 10 ether);
        assertEq(views.stakeOf(netuid, hot, nominator), 10 ether, "nominated");
    }

    function test_setDelegate_takeAboveMax_reverts() public {
        vm.prank(hot);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.TakeTooHigh.selector, 1801));
        net.setDelegate(true, 1801);
    }

    function test_removeStake_returnsTokens() public {
        _add(cold, 100 ether);
        uint256 before = token.balanceOf(cold);
        vm.prank(cold);
        net.removeStake(netuid, hot, 40 ether);
        assertEq(token.balanceOf(cold), before + 40 ether, "returned");
        assertEq(views.stakeOf(netuid, hot, cold), 60 ether, "left");
        assertEq(net.totalStaked(), 60 ether, "totalStaked");
    }

    function test_removeStake_tooMuch_reverts() public {
        _add(cold, 10 ether);
        vm.prank(cold);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.InsufficientStake.selector, 11 ether, 10 ether));
        net.removeStake(netuid, hot, 11 ether);
        vm.prank(nominator);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.InsufficientStake.selector, 1, 0));
        net.removeStake(netuid, hot, 1);
        vm.prank(cold);
        vm.expectRevert(NetworkStorage.ZeroAmount.selector);
        net.removeStake(netuid, hot, 0);
    }

    function test_stake_appliesOnlyFromTheEpochAfterNext() public {
        _add(cold, 100 ether);
        vm.roll(block.number + 10);
        net.runEpoch(netuid);
        NetworkViews.NeuronView memory v = views.getNeuron(netuid, 0);
        assertEq(v.effectiveStake, 100 ether, "snapshot taken at the epoch");
        assertTrue(!v.validatorPermit, "not yet used by that epoch");
        vm.roll(block.number + 10);
        net.runEpoch(netuid);
        assertTrue(views.getNeuron(netuid, 0).validatorPermit, "used from the next epoch");
    }

    function test_flashStake_gainsNothing() public {
        // A stake added just before the epoch counts for nothing in it.
        _add(cold, 100 ether);
        vm.roll(block.number + 10);
        net.runEpoch(netuid);
        vm.roll(block.number + 10);
        net.runEpoch(netuid);
        _register(netuid, "flash", nominator);
        vm.roll(block.number + 10);
        vm.startPrank(nominator);
        token.approve(address(net), 500 ether);
        net.addStake(netuid, _key("flash"), 500 ether);
        vm.stopPrank();
        net.runEpoch(netuid);
        NetworkViews.NeuronView memory f = views.getNeuron(netuid, 1);
        assertEq(f.emission, 0, "flash stake earns nothing");
        assertTrue(!f.validatorPermit, "and gets no permit");
    }

    function test_unstake_countsImmediately_againstTheSnapshot() public {
        _add(cold, 100 ether);
        vm.roll(block.number + 10);
        net.runEpoch(netuid);
        vm.prank(cold);
        net.removeStake(netuid, hot, 100 ether);
        assertEq(views.getNeuron(netuid, 0).effectiveStake, 0, "min(snapshot, live)");
    }

    function test_dividends_goToStakersProRata_afterTake() public {
        vm.prank(hot);
        net.setDelegate(true, 1000); // 10% take
        _add(cold, 100 ether);
        _add(nominator, 100 ether);
        vm.roll(block.number + 10);
        net.runEpoch(netuid);
        vm.roll(block.number + 10);
        net.runEpoch(netuid);
        (uint256 stakeBefore,) = views.pool(netuid, hot);
        uint256 coldBefore = views.stakeOf(netuid, hot, cold);
        uint256 nomBefore = views.stakeOf(netuid, hot, nominator);
        vm.roll(block.number + 10);
        net.runEpoch(netuid);
        (uint256 stakeAfter,) = views.pool(netuid, hot);
        uint256 em = views.getNeuron(netuid, 0).emission;
        assertTrue(em > 0, "the only staked neuron earns");
        assertEq(stakeAfter, stakeBefore + em, "emission added to the pool");
        uint256 nomGain = views.stakeOf(netuid, hot, nominator) - nomBefore;
        uint256 coldGain = views.stakeOf(netuid, hot, cold) - coldBefore;
        // The nominator keeps its share of the 90% left after the take; the coldkey gets the rest.
        uint256 want = (em * 9 / 10) * nomBefore / stakeBefore;
        assertLe(nomGain, want + 2, "nominator: pro rata of 90%");
        assertGe(nomGain + 2, want, "nominator: pro rata of 90% (rounding)");
        assertGe(coldGain + 2, em - want, "coldkey: its share plus the take");
        assertLe(nomGain + coldGain, em, "no more than credited");
    }
}
