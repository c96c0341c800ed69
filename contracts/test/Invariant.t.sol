// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {TestBase} from "./utils/Vm.sol";
import {Network} from "../src/Network.sol";
import {NetworkStorage} from "../src/NetworkStorage.sol";
import {NetworkViews} from "../src/NetworkViews.sol";
import {IntelligenceToken} from "../src/IntelligenceToken.sol";
import {Emission} from "../src/Emission.sol";

/// @notice Random actions against one subnet with three neurons; records each epoch's books.
contract Handler is TestBase {
    Network internal net;
    IntelligenceToken internal token;
    uint16 internal netuid;
    address[3] internal hot;
    address internal cold;
    address internal keeper = address(0x4EE9);

    uint256 public epochs;
    uint256 public epochMismatches;
    uint256 public deployBlock;

    constructor(Network net_, uint16 netuid_, address[3] memory hot_, address cold_, uint256 deployBlock_) {
        net = net_;
        token = net_.token();
        netuid = netuid_;
        hot = hot_;
        cold = cold_;
        deployBlock = deployBlock_;
    }

    function stake(uint256 who, uint256 amount) external {
        uint256 bal = token.balanceOf(cold);
        if (bal == 0) return;
        amount = amount % bal + 1;
        vm.startPrank(cold);
        token.approve(address(net), amount);
        net.addStake(netuid, hot[who % 3], amount);
        vm.stopPrank();
    }

    function unstake(uint256 who, uint256 amount) external {
        address h = hot[who % 3];
        uint256 have = NetworkViews(address(net)).stakeOf(netuid, h, cold);
        if (have == 0) return;
        amount = amount % have + 1;
        vm.prank(cold);
        net.removeStake(netuid, h, amount);
    }

    function weights(uint256 who, uint16 a, uint16 b) external {
        address h = hot[who % 3];
        if (!NetworkViews(address(net)).getNeuron(netuid, uint16(who % 3)).validatorPermit) return;
        if (uint256(a) + b == 0) return;
        uint16[] memory uids = new uint16[](2);
        uint16[] memory w = new uint16[](2);
        uids[0] = uint16((who + 1) % 3);
        uids[1] = uint16((who + 2) % 3);
        w[0] = a;
        w[1] = b;
        vm.prank(h);
        net.setWeights(netuid, uids, w);
    }

    function epoch(uint16 blocks) external {
        vm.roll(block.number + 10 + blocks % 500);
        uint256 supply = token.totalSupply();
        uint256 ownerBefore = token.balanceOf(address(this));
        uint256 keeperBefore = token.balanceOf(keeper);
        uint256 stakedBefore = net.totalStaked();
        vm.prank(keeper);
        uint256 e = net.runEpoch(netuid);
        uint256 credited = (token.balanceOf(keeper) - keeperBefore) + (token.balanceOf(address(this)) - ownerBefore)
            + (net.totalStaked() - stakedBefore);
        if (credited != e || token.totalSupply() - supply != e) ++epochMismatches;
        ++epochs;
    }

    /// The handler owns the subnet and needs to accept nothing else.
    function scheduleBound() external view returns (uint256) {
        return Emission.accrue(0, block.number - deployBlock);
    }
}

contract InvariantTest is Fixture {
    Handler internal handler;
    address internal cold = address(0xC01D);

    function setUp() public {
        _deployWithBank();
        _earn(3_000);
        address[3] memory hot = [_key("h0"), _key("h1"), _key("h2")];
        NetworkStorage.Hyperparameters memory h = net.defaultHyperparameters();
        h.tempo = 10;
        h.commitReveal = false;
        h.weightsRateLimit = 0;
        // The handler will own the subnet so the owner cut is visible in its balance.
        uint256 netuidGuess = net.subnetCount();
        handler = new Handler(net, uint16(netuidGuess), hot, cold, 100);
        uint16 netuid = _subnet(address(handler), h);
        _register(netuid, "h0", cold);
        _register(netuid, "h1", cold);
        _register(netuid, "h2", cold);
        _fund(cold, token.balanceOf(address(this)));
    }

    function targetContracts() public view returns (address[] memory list) {
        list = new address[](1);
        list[0] = address(handler);
    }

    function invariant_supplyNeverExceedsSchedule() public view {
        assertLe(token.totalSupply(), net.accruedIssuance(), "supply <= accrued issuance");
        assertLe(net.accruedIssuance(), handler.scheduleBound(), "accrued <= schedule since deploy");
        assertLe(net.accruedIssuance(), 21_000_000 ether, "cap");
    }

    function invariant_stakeEqualsTokensHeld() public view {
        assertEq(token.balanceOf(address(net)), net.totalStaked(), "tokens held == sum of stake pools");
    }

    function invariant_epochCreditsEqualEpochEmission() public view {
        assertEq(handler.epochMismatches(), 0, "every epoch credited exactly its emission");
    }
}
