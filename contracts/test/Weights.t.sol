// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {Network} from "../src/Network.sol";
import {NetworkStorage} from "../src/NetworkStorage.sol";

contract WeightsTest is Fixture {
    address internal owner = address(0x0E1);
    address internal cold = address(0xC01D);
    address internal v; // validator hotkey, uid 0
    address internal m; // miner hotkey, uid 1 (no permit)
    uint16 internal netuid;
    bytes32 internal constant SALT = keccak256("salt");

    function setUp() public {
        _deployWithBank();
        _earn(5_000);
        NetworkStorage.Hyperparameters memory h = net.defaultHyperparameters();
        h.tempo = 10;
        h.commitReveal = false;
        h.weightsRateLimit = 5;
        h.minAllowedWeights = 1;
        h.maxValidators = 1;
        h.revealPeriod = 3;
        netuid = _subnet(owner, h);
        _register(netuid, "v", cold);
        _register(netuid, "m", cold);
        _register(netuid, "m2", cold);
        v = _key("v");
        m = _key("m");
        _stake(netuid, v, cold, 10 ether);
        vm.roll(block.number + 10);
        net.runEpoch(netuid);
        vm.roll(block.number + 10);
        net.runEpoch(netuid);
        assertTrue(views.getNeuron(netuid, 0).validatorPermit, "validator has a permit");
    }

    function _commitReveal(bool on) internal {
        NetworkStorage.Hyperparameters memory h = views.hyperparameters(netuid);
        h.commitReveal = on;
        vm.prank(owner);
        net.setHyperparameters(netuid, h);
    }

    function test_setWeights_storesPackedRow() public {
        vm.prank(v);
        vm.expectEmit(true, true, true, true);
        emit Network.WeightsSet(netuid, 0, 2);
        net.setWeights(netuid, _u16s(2, 1), _u16s(7, 65535));
        uint16[] memory row = views.getWeights(netuid, 0);
        assertEq(row.length, 3, "n entries");
        assertEq(row[0], 0, "unset");
        assertEq(row[1], 65535, "uid 1");
        assertEq(row[2], 7, "uid 2");
        assertEq(views.getNeuron(netuid, 0).lastUpdate, block.number, "lastUpdate");
    }

    function test_setWeights_rejectsBadInput() public {
        vm.startPrank(v);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.LengthMismatch.selector, 2, 1));
        net.setWeights(netuid, _u16s(1, 2), _u16s(1));
        vm.expectRevert(NetworkStorage.EmptyWeights.selector);
        net.setWeights(netuid, new uint16[](0), new uint16[](0));
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.UidOutOfRange.selector, 3, 3));
        net.setWeights(netuid, _u16s(3), _u16s(1));
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.DuplicateUid.selector, 1));
        net.setWeights(netuid, _u16s(1, 1), _u16s(1, 2));
        vm.expectRevert(NetworkStorage.WeightsSumZero.selector);
        net.setWeights(netuid, _u16s(1, 2), _u16s(0, 0));
        vm.stopPrank();
    }

    function test_setWeights_tooFew_reverts() public {
        NetworkStorage.Hyperparameters memory h = views.hyperparameters(netuid);
        h.minAllowedWeights = 2;
        vm.prank(owner);
        net.setHyperparameters(netuid, h);
        vm.prank(v);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.TooFewWeights.selector, 1, 2));
        net.setWeights(netuid, _u16s(1, 2), _u16s(5, 0));
    }

    function test_setWeights_withoutPermit_reverts() public {
        vm.prank(m);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.NoValidatorPermit.selector, netuid, 1));
        net.setWeights(netuid, _u16s(2), _u16s(5));
        vm.prank(address(0xBAD));
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.NotRegistered.selector, netuid, address(0xBAD)));
        net.setWeights(netuid, _u16s(2), _u16s(5));
    }

    function test_setWeights_rateLimited() public {
        vm.prank(v);
        net.setWeights(netuid, _u16s(1), _u16s(5));
        vm.prank(v);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.RateLimited.selector, uint64(block.number + 5)));
        net.setWeights(netuid, _u16s(1), _u16s(6));
        vm.roll(block.number + 5);
        vm.prank(v);
        net.setWeights(netuid, _u16s(1), _u16s(6));
        assertEq(views.getWeights(netuid, 0)[1], 6, "updated after the limit");
    }

    function test_setWeights_whenCommitRevealOn_reverts() public {
        _commitReveal(true);
        vm.prank(v);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.CommitRevealEnabled.selector, netuid));
        net.setWeights(netuid, _u16s(1), _u16s(5));
    }

    function test_commitReveal_roundTrip() public {
        _commitReveal(true);
        uint16[] memory uids = _u16s(1, 2);
        uint16[] memory w = _u16s(100, 200);
        bytes32 hash = keccak256(abi.encode(v, netuid, uids, w, SALT));
        vm.prank(v);
        vm.expectEmit(true, true, true, true);
        emit Network.WeightsCommitted(netuid, 0, hash);
        net.commitWeights(netuid, hash);
        (bytes24 stored, uint64 at) = views.getCommit(netuid, 0);
        assertTrue(stored == bytes24(hash), "stored hash (first 24 bytes)");
        assertEq(at, block.number, "commit block");
        vm.prank(v);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.RevealTooEarly.selector, uint64(block.number + 3)));
        net.revealWeights(netuid, uids, w, SALT);
        vm.roll(block.number + 3);
        vm.prank(v);
        vm.expectRevert(NetworkStorage.CommitMismatch.selector);
        net.revealWeights(netuid, uids, _u16s(100, 201), SALT);
        vm.prank(v);
        net.revealWeights(netuid, uids, w, SALT);
        assertEq(views.getWeights(netuid, 0)[2], 200, "revealed");
        (stored,) = views.getCommit(netuid, 0);
        assertTrue(stored == bytes24(0), "commit consumed");
        vm.prank(v);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.NoCommit.selector, netuid, 0));
        net.revealWeights(netuid, uids, w, SALT);
    }

    function test_reveal_expired_reverts() public {
        _commitReveal(true);
        uint16[] memory uids = _u16s(1);
        uint16[] memory w = _u16s(1);
        vm.prank(v);
        net.commitWeights(netuid, keccak256(abi.encode(v, netuid, uids, w, SALT)));
        uint64 last = uint64(block.number + 3 + 10);
        vm.roll(last + 1);
        vm.prank(v);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.RevealExpired.selector, last));
        net.revealWeights(netuid, uids, w, SALT);
    }

    function test_commit_rateLimited_andPermitted() public {
        _commitReveal(true);
        vm.prank(v);
        net.commitWeights(netuid, keccak256("a"));
        vm.prank(v);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.RateLimited.selector, uint64(block.number + 5)));
        net.commitWeights(netuid, keccak256("b"));
        vm.prank(m);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.NoValidatorPermit.selector, netuid, 1));
        net.commitWeights(netuid, keccak256("c"));
    }

    function test_commit_afterReveal_rateLimitedFromTheReveal() public {
        _commitReveal(true);
        uint16[] memory uids = _u16s(1, 2);
        uint16[] memory w = _u16s(100, 200);
        vm.prank(v);
        net.commitWeights(netuid, keccak256(abi.encode(v, netuid, uids, w, SALT)));
        vm.roll(block.number + 3);
        vm.prank(v);
        net.revealWeights(netuid, uids, w, SALT);
        uint64 revealedAt = uint64(block.number);
        // The reveal consumed the commit; the next commit still waits weightsRateLimit (5) blocks from the reveal.
        vm.prank(v);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.RateLimited.selector, revealedAt + 5));
        net.commitWeights(netuid, keccak256("again"));
        vm.roll(revealedAt + 4);
        vm.prank(v);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.RateLimited.selector, revealedAt + 5));
        net.commitWeights(netuid, keccak256("again"));
        vm.roll(revealedAt + 5);
        vm.prank(v);
        net.commitWeights(netuid, keccak256("again"));
        (, uint64 at) = views.getCommit(netuid, 0);
        assertEq(at, revealedAt + 5, "committed once the limit passed");
    }

    function test_commitReveal_offRejectsCommitAndReveal() public {
        vm.prank(v);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.CommitRevealDisabled.selector, netuid));
        net.commitWeights(netuid, keccak256("a"));
        vm.prank(v);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.CommitRevealDisabled.selector, netuid));
        net.revealWeights(netuid, _u16s(1), _u16s(1), SALT);
    }

    function testFuzz_setWeights_roundTripsEveryValue(uint16 a, uint16 b) public {
        vm.assume(uint256(a) + b > 0);
        vm.prank(v);
        net.setWeights(netuid, _u16s(1, 2), _u16s(a, b));
        uint16[] memory row = views.getWeights(netuid, 0);
        assertEq(row[1], a, "a");
        assertEq(row[2], b, "b");
    }
}
