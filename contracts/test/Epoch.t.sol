// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {Network} from "../src/Network.sol";
import {NetworkStorage} from "../src/NetworkStorage.sol";
import {NetworkViews} from "../src/NetworkViews.sol";

contract EpochTest is Fixture {
    address internal owner = address(0x0E1);
    address internal cold = address(0xC01D);
    address internal keeper = address(0x4EE9);
    uint16 internal netuid;

    function setUp() public {
        _deployWithBank();
        _earn(20_000);
        netuid = _newSubnet(owner);
    }

    function _newSubnet(address who) internal returns (uint16 id) {
        NetworkStorage.Hyperparameters memory h = net.defaultHyperparameters();
        h.tempo = 10;
        h.commitReveal = false;
        h.weightsRateLimit = 0;
        h.maxValidators = 2;
        id = _subnet(who, h);
    }

    /// Two validators (uids 0, 1) staked and permitted, two miners (uids 2, 3).
    function _populate(uint16 id) internal {
        _register(id, string(abi.encodePacked("v0-", vm.toString(id))), cold);
        _register(id, string(abi.encodePacked("v1-", vm.toString(id))), cold);
        _register(id, string(abi.encodePacked("m2-", vm.toString(id))), cold);
        _register(id, string(abi.encodePacked("m3-", vm.toString(id))), cold);
        _stake(id, _key(string(abi.encodePacked("v0-", vm.toString(id)))), cold, 300 ether);
        _stake(id, _key(string(abi.encodePacked("v1-", vm.toString(id)))), cold, 100 ether);
        vm.roll(block.number + 10);
        net.runEpoch(id);
        vm.roll(block.number + 10);
        net.runEpoch(id);
        vm.prank(_key(string(abi.encodePacked("v0-", vm.toString(id)))));
        net.setWeights(id, _u16s(2), _u16s(65535));
        vm.prank(_key(string(abi.encodePacked("v1-", vm.toString(id)))));
        net.setWeights(id, _u16s(3), _u16s(65535));
    }

    function test_runEpoch_beforeTempo_reverts() public {
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.EpochNotDue.selector, uint64(block.number + 10)));
        net.runEpoch(netuid);
        vm.expectRevert(abi.encodeWithSelector(NetworkStorage.SubnetNotFound.selector, 9));
        net.runEpoch(9);
    }

    function test_runEpoch_creditsExactlyTheEpochEmission() public {
        _populate(netuid);
        vm.roll(block.number + 10);
        uint256 pending = net.pendingEmission(netuid);
        assertTrue(pending > 0, "emission accrued");
        uint256 supply = token.totalSupply();
        uint256 staked = net.totalStaked();
        uint256 ownerBal = token.balanceOf(owner);
        vm.prank(keeper);
        uint256 e = net.runEpoch(netuid);
        assertEq(e, pending, "pendingEmission predicted it");
        assertEq(token.totalSupply() - supply, e, "minted == epoch emission");
        uint256 fee = token.balanceOf(keeper);
        assertEq(fee, e / 1000, "keeper fee");
        uint256 ownerCut = token.balanceOf(owner) - ownerBal;
        uint256 sumUid;
        NetworkViews.NeuronView[] memory mg = views.getMetagraph(netuid);
        for (uint256 i = 0; i < mg.length; ++i) {
            sumUid += mg[i].emission;
        }
        assertEq(fee + ownerCut + sumUid, e, "fee + owner + UIDs == emission");
        assertEq(net.totalStaked() - staked, sumUid, "UID emission added to stake");
        assertEq(token.balanceOf(address(net)), net.totalStaked(), "tokens held == stake");
        assertGe(ownerCut, (e - fee) * 18 / 100, "owner cut >= 18%");
    }

    function test_runEpoch_setsConsensusResults() public {
        _populate(netuid);
        vm.roll(block.number + 10);
        net.runEpoch(netuid);
        NetworkViews.NeuronView[] memory mg = views.getMetagraph(netuid);
        assertTrue(mg[0].validatorPermit && mg[1].validatorPermit, "validators permitted");
        assertTrue(!mg[2].validatorPermit && !mg[3].validatorPermit, "miners not");
        assertEq(mg[2].consensus, 65535, "75% of stake weights uid 2 fully: consensus 1");
        assertEq(mg[3].consensus, 0, "only 25% of stake weights uid 3: no consensus");
        assertEq(mg[3].incentive, 0, "no incentive");
        assertTrue(mg[2].incentive == 65535, "all incentive to uid 2");
        assertTrue(mg[0].dividends > mg[1].dividends, "bigger validator, bigger dividends");
        assertEq(views.getBonds(netuid, 0)[2], 65535, "the only bond on uid 2");
        assertEq(views.getBonds(netuid, 1)[3], 0, "clipped weight earns no bond");
        assertEq(mg[1].dividends, 0, "the minority validator earns no dividends");
    }

    function test_emission_splitsBetweenSubnetsByStake() public {
        uint16 other = _newSubnet(owner);
        _populate(netuid); // 400 tokens staked
        _register(other, "solo", cold);
        _stake(other, _key("solo"), cold, 100 ether);
        vm.roll(block.number + 10);
        net.runEpoch(other);
        vm.roll(block.number + 10);
        net.runEpoch(other);
        net.runEpoch(netuid);
        // Both snapshots are now set (400 and 100): the next span splits 4:1.
        vm.roll(block.number + 1000);
        uint256 a = net.pendingEmission(netuid);
        uint256 b = net.pendingEmission(other);
        uint256 sa = views.getSubnet(netuid).stakeSnapshot;
        uint256 sb = views.getSubnet(other).stakeSnapshot;
        assertTrue(b > 0 && sa > 3 * sb, "both earn, the bigger stake more");
        // a / b == sa / sb up to floor rounding.
        assertLe(a * sb, b * sa + sa + sb, "proportional (upper)");
        assertGe(a * sb + sa + sb, b * sa, "proportional (lower)");
        assertLe(a + b, 1000 ether, "no more than the block rewards");
    }

    function test_skippedBlocks_areNeverLost() public {
        _populate(netuid);
        vm.roll(block.number + 10);
        net.runEpoch(netuid);
        // Only this subnet has stake, so it receives every block's reward (less floor dust).
        vm.roll(block.number + 5000);
        uint256 e = net.runEpoch(netuid);
        assertLe(e, 5000 ether, "at most the schedule");
        assertGe(e, 5000 ether - 1, "all 5000 blocks, dust < 1 wei per accrual");
    }

    function test_prunedUid_weightsNeverPayTheNewOccupant() public {
        NetworkStorage.Hyperparameters memory h = views.hyperparameters(netuid);
        h.maxUids = 4;
        h.immunityPeriod = 1;
        vm.prank(owner);
        net.setHyperparameters(netuid, h);
        _populate(netuid);
        // Both validators weight uid 3, less than uid 2: uid 3 earns, but least of all.
        vm.prank(_key("v0-1"));
        net.setWeights(netuid, _u16s(2, 3), _u16s(65535, 20000));
        vm.prank(_key("v1-1"));
        net.setWeights(netuid, _u16s(2, 3), _u16s(65535, 20000));
        vm.roll(block.number + 10);
        net.runEpoch(netuid);
        assertTrue(views.getNeuron(netuid, 3).emission > 0, "uid 3 earns before pruning");
        assertEq(net.pruneCandidate(netuid), 3, "and is the lowest earner");
        vm.roll(block.number + 1);
        uint16 uid = _register(netuid, "newcomer", cold);
        assertEq(uid, 3, "the newcomer took uid 3");
        assertEq(views.getWeights(netuid, 0)[3], 20000, "stale weight still stored");
        vm.roll(block.number + 10);
        net.runEpoch(netuid);
        NetworkViews.NeuronView memory n3 = views.getNeuron(netuid, 3);
        assertEq(n3.incentive, 0, "no incentive from stale weights");
        assertEq(n3.emission, 0, "no emission from stale weights");
        assertEq(views.getBonds(netuid, 0)[3], 0, "no bond on the newcomer");
    }

    function test_noStakeAnywhere_emissionSplitsEquallyBetweenSubnets() public {
        Network fresh;
        {
            NetworkViews module = new NetworkViews();
            fresh = new Network(yumaImpl, address(module), 0);
        }
        vm.startPrank(owner);
        fresh.createSubnet(0);
        fresh.createSubnet(0);
        vm.stopPrank();
        vm.roll(block.number + 1000);
        assertEq(fresh.pendingEmission(0), 500 ether, "half each");
        assertEq(fresh.pendingEmission(1), 500 ether, "half each");
    }
}
