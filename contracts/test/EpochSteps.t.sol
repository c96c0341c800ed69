// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FullSubnet} from "./Gas.t.sol";
import {NetworkStorage} from "../src/NetworkStorage.sol";

/// @notice The resumable epoch (beginEpoch / epochColumns / finishEpoch) against the one-shot runEpoch.
abstract contract StepsBase is FullSubnet {
    address internal keeper = address(0x4EE9);

    /// Everything an epoch writes that a client can see: metagraph (emissions, stake, u16 results,
    /// permits), every bonds row, the subnet record, balances and the global emission state.
    function _digest() internal view returns (bytes32 h) {
        h = keccak256(abi.encode(views.getMetagraph(netuid), views.getSubnet(netuid)));
        uint16 n = views.getSubnet(netuid).n;
        for (uint16 uid = 0; uid < n; ++uid) {
            h = keccak256(abi.encode(h, views.getBonds(netuid, uid)));
        }
        h = keccak256(
            abi.encode(
                h,
                token.totalSupply(),
                token.balanceOf(keeper),
                token.balanceOf(owner),
                token.balanceOf(address(net)),
                net.totalSnapshotStake(),
                net.totalStaked(),
                net.accStake(),
                net.accruedIssuance()
            )
        );
    }

    function _chunked(uint256 maxColumns) internal returns (uint256 steps) {
        vm.startPrank(keeper);
        views.beginEpoch(netuid);
        uint16 n = views.getSubnet(netuid).n;
        uint256 next;
        while (next < n) {
            next = views.epochColumns(netuid, maxColumns);
            ++steps;
        }
        views.finishEpoch(netuid);
        vm.stopPrank();
    }

    /// Runs the epoch one-shot and chunked on the same state; both must leave identical state.
    function _assertSame(uint256 maxColumns, uint256 expectedChunks) internal {
        bytes32 before = _digest();
        uint256 snap = vm.snapshotState();
        vm.prank(keeper);
        net.runEpoch(netuid);
        bytes32 oneShot = _digest();
        uint256 paid = token.balanceOf(keeper);
        vm.revertToState(snap);
        assertTrue(_digest() == before, "state restored");
        assertEq(_chunked(maxColumns), expectedChunks, "chunks");
        assertTrue(paid > 0, "keeper fee paid");
        assertEq(token.balanceOf(keeper), paid, "keeper fee paid once");
        assertTrue(oneShot != before, "the epoch changed state");
        assertTrue(_digest() == oneShot, "chunked epoch == one-shot epoch");
    }
}

contract EpochStepsDenseTest is StepsBase {
    function setUp() public {
        _steady(256, 64);
    }

    /// Full subnet, steady state with old bonds: four chunks of 64 columns.
    function test_chunked_equals_oneShot_256x64() public {
        _assertSame(64, 4);
    }

    /// Uneven chunk sizes (48 -> 48, 48, 48, 48, 48, 16).
    function test_chunked_equals_oneShot_256x64_chunks48() public {
        _assertSame(48, 6);
    }
}

contract EpochStepsSmallTest is StepsBase {
    uint16 internal pruned;

    function setUp() public {
        _steady(40, 8);
        // Variety: the subnet is full, so a newcomer prunes a UID: the outdated mask
        // (lastUpdate <= registeredAt) drops the older validators' weights and bonds on it.
        NetworkStorage.Hyperparameters memory h = views.hyperparameters(netuid);
        h.maxUids = 40;
        h.maxValidators = 8;
        vm.prank(owner);
        net.setHyperparameters(netuid, h);
        pruned = _register(netuid, "newcomer", coldkey);
        vm.roll(block.number + 1);
        // One validator then goes sparse (a later lastUpdate, so its weight on the newcomer counts).
        vm.prank(_key(_name(2)));
        net.setWeights(netuid, _u16s(5, pruned), _u16s(100, 65535));
        vm.roll(block.number + 100);
    }

    /// n = 40 is not a multiple of 16: chunks of 16, 16 and 8 columns.
    function test_chunked_equals_oneShot_40x8() public {
        assertTrue(views.getNeuron(netuid, pruned).hotkey == _key("newcomer"), "a UID was pruned");
        _assertSame(16, 3);
    }

    /// maxColumns 0 means 16; a huge maxColumns takes every column at once.
    function test_chunked_equals_oneShot_40x8_oneChunk() public {
        _assertSame(1000, 1);
        vm.roll(block.number + 100);
        _assertSame(0, 3);
    }

    /// Fewer permits: validators 0..2 (the smallest stakes) lose theirs. Their old bonds still count in
    /// this epoch (decayed by the EMA, earning dividends) through the extra working rows, and they keep
    /// no bonds row afterwards; chunked and one-shot agree.
    function test_permitLoss_chunked_equals_oneShot() public {
        uint16 lost = _uidOf(_key(_name(0)));
        assertTrue(views.getNeuron(netuid, lost).validatorPermit, "had a permit");
        assertTrue(_rowSum(views.getBonds(netuid, lost)) > 0, "had bonds");
        NetworkStorage.Hyperparameters memory h = views.hyperparameters(netuid);
        h.maxValidators = 5;
        vm.prank(owner);
        net.setHyperparameters(netuid, h);
        _assertSame(16, 3);
        assertTrue(!views.getNeuron(netuid, lost).validatorPermit, "lost the permit");
        assertTrue(views.getNeuron(netuid, lost).dividends > 0, "old bonds earned this epoch");
        assertEq(_rowSum(views.getBonds(netuid, lost)), 0, "no bonds row afterwards");
        vm.roll(block.number + 100);
        net.runEpoch(netuid);
        assertEq(views.getNeuron(netuid, lost).dividends, 0, "nothing once the bonds are gone");
    }

    /// Yuma3 switched on by the owner (bounded path, event): chunked and one-shot still agree, and the
    /// bonds move to proportions.
    function test_yuma3_chunked_equals_oneShot() public {
        NetworkStorage.Hyperparameters memory h = views.hyperparameters(netuid);
        assertTrue(!h.yuma3, "off by default");
        h.yuma3 = true;
        vm.expectEmit(true, false, false, true);
        emit HyperparametersSet(netuid, h);
        vm.prank(owner);
        net.setHyperparameters(netuid, h);
        assertTrue(views.hyperparameters(netuid).yuma3, "on");
        _assertSame(16, 3);
        vm.roll(block.number + 100);
        _assertSame(1000, 1);
    }

    event HyperparametersSet(uint16 indexed netuid, NetworkStorage.Hyperparameters hyperparameters);

    function _uidOf(address hotkey) internal view returns (uint16) {
        uint16 n = views.getSubnet(netuid).n;
        for (uint16 uid = 0; uid < n; ++uid) {
            if (views.getNeuron(netuid, uid).hotkey == hotkey) return uid;
        }
        revert("hotkey not registered");
    }

    function _rowSum(uint16[] memory row) internal pure returns (uint256 s) {
        for (uint256 j = 0; j < row.length; ++j) {
            s += row[j];
        }
    }

    function test_steps_freezeInputs_untilFinished() public {
        address v0 = _key(_name(0));
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.NoEpochInProgress.selector, netuid));
        views.epochColumns(netuid, 16);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.NoEpochInProgress.selector, netuid));
        views.finishEpoch(netuid);

        NetworkStorage.Hyperparameters memory h = views.hyperparameters(netuid);
        address late = _key("late");
        views.beginEpoch(netuid);
        (bool open, uint64 at, uint16 next, uint16 n) = views.epochProgress(netuid);
        assertTrue(open, "open");
        assertEq(at, block.number, "start block");
        assertEq(next, 0, "cursor");
        assertEq(n, 40, "n");
        bytes memory busy = abi.encodeWithSelector(NetworkStorage.EpochInProgress.selector, netuid);
        vm.expectRevert(busy);
        views.beginEpoch(netuid);
        vm.roll(block.number + 1000);
        vm.expectRevert(busy);
        net.runEpoch(netuid);
        vm.prank(v0);
        vm.expectRevert(busy);
        net.setWeights(netuid, _u16s(7), _u16s(9));
        vm.prank(coldkey);
        vm.expectRevert(busy);
        net.removeStake(netuid, v0, 1);
        vm.prank(coldkey);
        vm.expectRevert(busy);
        net.addStake(netuid, v0, 1);
        vm.prank(owner);
        vm.expectRevert(busy);
        net.setHyperparameters(netuid, h);
        vm.prank(coldkey);
        vm.expectRevert(busy);
        net.register(netuid, late, type(uint256).max, "");

        views.epochColumns(netuid, 16);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.EpochColumnsPending.selector, netuid, uint16(16)));
        views.finishEpoch(netuid);
        assertEq(views.epochColumns(netuid, 64), 40, "rest done");
        assertEq(views.epochColumns(netuid, 64), 40, "nothing left");
        uint64 epochs = views.getSubnet(netuid).epochs;
        views.finishEpoch(netuid);
        assertEq(views.getSubnet(netuid).epochs, epochs + 1, "epoch counted");
        assertEq(views.getSubnet(netuid).lastEpoch, at, "epoch block is the begin block");
        (open,,,) = views.epochProgress(netuid);
        assertTrue(!open, "closed");

        // Unfrozen: weights and stake move again, and the next epoch runs either way.
        vm.prank(v0);
        net.setWeights(netuid, _u16s(7), _u16s(9));
        vm.prank(coldkey);
        net.removeStake(netuid, v0, 1);
        net.runEpoch(netuid);
    }
}
