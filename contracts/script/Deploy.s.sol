// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "../test/utils/Vm.sol";
import {Network} from "../src/Network.sol";
import {NetworkViews} from "../src/NetworkViews.sol";
import {Yuma} from "../src/Yuma.sol";
import {IYuma} from "../src/IYuma.sol";

/// @notice Deploys Yuma, NetworkViews and Network (which creates the token) and writes the addresses.
/// Environment: PRIVATE_KEY (deployer, required), MIN_SUBNET_COST (base units, default 0),
/// ADDRESSES_OUT (default deployments/addresses.json; must lie under contracts/deployments/).
/// Run: forge script script/Deploy.s.sol --rpc-url $RPC_URL --broadcast
contract Deploy {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    function run() external returns (Network net) {
        uint256 pk = vm.envUint("PRIVATE_KEY");
        uint256 minSubnetCost = vm.envOr("MIN_SUBNET_COST", uint256(0));
        string memory out = vm.envOr("ADDRESSES_OUT", string("deployments/addresses.json"));

        vm.startBroadcast(pk);
        Yuma yuma = new Yuma();
        NetworkViews views = new NetworkViews();
        net = new Network(IYuma(address(yuma)), address(views), minSubnetCost);
        vm.stopBroadcast();

        string memory key = "addresses";
        vm.serializeUint(key, "chainId", block.chainid);
        // The head before the deployment transactions: log scans may start here.
        vm.serializeUint(key, "startBlock", block.number);
        vm.serializeUint(key, "minSubnetCost", minSubnetCost);
        vm.serializeAddress(key, "yuma", address(yuma));
        vm.serializeAddress(key, "views", address(views));
        vm.serializeAddress(key, "token", address(net.token()));
        string memory json = vm.serializeAddress(key, "network", address(net));
        vm.createDir("deployments", true);
        vm.writeJson(json, out);
    }
}
