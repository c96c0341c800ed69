// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {NetworkStorage} from "../src/NetworkStorage.sol";

/// @notice A full subnet for gas figures: `n` UIDs, the first `k` staked validators with permits.
abstract contract FullSubnet is Fixture {
    uint16 internal netuid;
    address internal owner = address(0x0E1);
    address internal coldkey = address(0xC01D);

    function _build(uint256 n, uint256 k, bool commitReveal) internal {
        _deployWithBank();
        _earn(k * 10 + 100);
        NetworkStorage.Hyperparameters memory h = net.defaultHyperparameters();
        h.tempo = 100;
        h.weightsRateLimit = 0;
        h.commitReveal = false;
        h.activityCutoff = 100_000;
        h.immunityPeriod = 10;
        netuid = _subnet(owner, h);
        for (uint256 i = 0; i < n; ++i) {
            _register(netuid, _name(i), coldkey);
        }
        for (uint256 i = 0; i < k; ++i) {
            _stake(netuid, _key(_name(i)), coldkey, 10 ether + i * 1e15);
        }
        // Two epochs: the first snapshots the stake, the second hands out permits from it.
        vm.roll(block.number + 100);
        net.runEpoch(netuid);
        vm.roll(block.number + 100);
        net.runEpoch(netuid);
        for (uint256 i = 0; i < k; ++i) {
            (uint16[] memory uids, uint16[] memory w) = _denseRow(n, i, 0);
            vm.prank(_key(_name(i)));
            net.setWeights(netuid, uids, w);
        }
        if (commitReveal) {
            h.commitReveal = true;
            h.revealPeriod = 2;
            vm.prank(owner);
            net.setHyperparameters(netuid, h);
        }
        vm.roll(block.number + 100);
    }

    /// A built subnet after one settled epoch with weights, so bonds exist: the next epoch is the steady state.
    function _steady(uint256 n, uint256 k) internal {
        _build(n, k, false);
        net.runEpoch(netuid);
        vm.roll(block.number + 100);
    }

    /// The same steady state with Yuma3 bonds switched on by the owner before the settled epoch.
    function _steadyYuma3(uint256 n, uint256 k) internal {
        _build(n, k, false);
        NetworkStorage.Hyperparameters memory h = views.hyperparameters(netuid);
        h.yuma3 = true;
        vm.prank(owner);
        net.setHyperparameters(netuid, h);
        net.runEpoch(netuid);
        vm.roll(block.number + 100);
    }

    function _name(uint256 i) internal pure returns (string memory) {
        return string(abi.encodePacked("hotkey-", vm.toString(i)));
    }

    function _denseRow(uint256 n, uint256 row, uint256 salt)
        internal
        pure
        returns (uint16[] memory uids, uint16[] memory w)
    {
        uids = new uint16[](n);
        w = new uint16[](n);
        for (uint256 j = 0; j < n; ++j) {
            uids[j] = uint16(j);
            w[j] = uint16(uint256(keccak256(abi.encode(row, j, salt))) % 65_535 + 1);
        }
    }
}

contract GasEpoch256x64 is FullSubnet {
    function setUp() public {
        _steady(256, 64);
    }

    function test_gas_runEpoch_256x64() public {
        net.runEpoch(netuid);
    }
}

contract GasEpoch64x16 is FullSubnet {
    function setUp() public {
        _steady(64, 16);
    }

    function test_gas_runEpoch_64x16() public {
        net.runEpoch(netuid);
    }
}

contract GasWeights256 is FullSubnet {
    address internal validator;
    bytes32 internal constant SALT = keccak256("salt");

    /// A full 256-entry row built in memory (cheap), so the figure is mostly the call itself.
    function _row() internal pure returns (uint16[] memory uids, uint16[] memory w) {
        uids = new uint16[](256);
        w = new uint16[](256);
        unchecked {
            for (uint256 j = 0; j < 256; ++j) {
                uids[j] = uint16(j);
                w[j] = uint16(j * 251 + 7);
            }
        }
    }

    function setUp() public {
        _build(256, 64, true);
        validator = _key(_name(3));
        (uint16[] memory uids, uint16[] memory w) = _row();
        vm.prank(validator);
        net.commitWeights(netuid, keccak256(abi.encode(validator, netuid, uids, w, SALT)));
        vm.roll(block.number + 2);
    }

    /// Reveal of a dense 256-entry row over the validator's existing row (the steady state).
    function test_gas_revealWeights_256() public {
        vm.pauseGasMetering();
        (uint16[] memory uids, uint16[] memory w) = _row();
        vm.resumeGasMetering();
        vm.prank(validator);
        net.revealWeights(netuid, uids, w, SALT);
    }

    function test_gas_commitWeights() public {
        vm.prank(_key(_name(4)));
        net.commitWeights(netuid, keccak256("commitment"));
    }
}

contract GasRegister is FullSubnet {
    bytes internal sig;
    address internal hotkey;

    function setUp() public {
        _deployWithBank();
        NetworkStorage.Hyperparameters memory h = net.defaultHyperparameters();
        netuid = _subnet(owner, h);
        _register(netuid, "first", coldkey);
        sig = _sig(_pk("second"), netuid, coldkey);
        hotkey = _key("second");
    }

    function test_gas_register() public {
        vm.prank(coldkey);
        net.register(netuid, hotkey, 0, sig);
    }
}

/// The resumable epoch of a full 256 x 64 subnet, one step per test so every step starts cold.
contract GasEpochBegin256x64 is FullSubnet {
    function setUp() public {
        _steady(256, 64);
    }

    function test_gas_runEpoch_256x64_begin() public {
        views.beginEpoch(netuid);
    }
}

contract GasEpochChunk256x64 is FullSubnet {
    function setUp() public {
        _steady(256, 64);
        views.beginEpoch(netuid);
    }

    /// The first chunk of 64 columns.
    function test_gas_runEpoch_256x64_chunk64() public {
        views.epochColumns(netuid, 64);
    }
}

contract GasEpochLastChunk256x64 is FullSubnet {
    function setUp() public {
        _steady(256, 64);
        views.beginEpoch(netuid);
        views.epochColumns(netuid, 192);
    }

    /// The last chunk of 64 columns.
    function test_gas_runEpoch_256x64_chunk64_last() public {
        views.epochColumns(netuid, 64);
    }
}

contract GasEpochFinish256x64 is FullSubnet {
    function setUp() public {
        _steady(256, 64);
        views.beginEpoch(netuid);
        views.epochColumns(netuid, 256);
    }

    function test_gas_runEpoch_256x64_finish() public {
        views.finishEpoch(netuid);
    }
}

/// Yuma3 mode: the one-shot epoch and the resumable steps of a full 256 x 64 subnet.
contract GasEpoch256x64Yuma3 is FullSubnet {
    function setUp() public {
        _steadyYuma3(256, 64);
    }

    function test_gas_runEpoch_256x64_yuma3() public {
        net.runEpoch(netuid);
    }
}

contract GasEpochBegin256x64Yuma3 is FullSubnet {
    function setUp() public {
        _steadyYuma3(256, 64);
    }

    function test_gas_runEpoch_256x64_yuma3_begin() public {
        views.beginEpoch(netuid);
    }
}

contract GasEpochChunk256x64Yuma3 is FullSubnet {
    function setUp() public {
        _steadyYuma3(256, 64);
        views.beginEpoch(netuid);
    }

    function test_gas_runEpoch_256x64_yuma3_chunk64() public {
        views.epochColumns(netuid, 64);
    }
}

contract GasEpochLastChunk256x64Yuma3 is FullSubnet {
    function setUp() public {
        _steadyYuma3(256, 64);
        views.beginEpoch(netuid);
        views.epochColumns(netuid, 192);
    }

    function test_gas_runEpoch_256x64_yuma3_chunk64_last() public {
        views.epochColumns(netuid, 64);
    }
}

contract GasEpochFinish256x64Yuma3 is FullSubnet {
    function setUp() public {
        _steadyYuma3(256, 64);
        views.beginEpoch(netuid);
        views.epochColumns(netuid, 256);
    }

    function test_gas_runEpoch_256x64_yuma3_finish() public {
        views.finishEpoch(netuid);
    }
}
