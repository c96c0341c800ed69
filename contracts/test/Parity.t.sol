// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "./utils/Vm.sol";
import {Yuma} from "../src/Yuma.sol";
import {YumaTypes} from "../src/IYuma.sol";

/// @notice Runs consensus cases through the Solidity epoch and demands bit-identical results to the
///         C# twin: golden vectors from tests/fixtures/consensus and seeded random cases that
///         test/parity/cases.mjs runs through `intelligence epoch simulate` (both via vm.ffi).
contract ParityTest is TestBase {
    Yuma internal yuma;

    error Mismatch(string source, uint256 caseIndex, string field, uint256 uid, uint256 got, uint256 want);

    function setUp() public {
        yuma = new Yuma();
    }

    function test_parity_goldenVectors() public {
        string memory index = vm.readFile("../tests/fixtures/consensus/index.json");
        uint256 count;
        while (vm.keyExistsJson(index, string.concat("$.fixtures[", vm.toString(count), "].name"))) ++count;
        assertGe(count, 10, "golden vector count");
        for (uint256 f = 0; f < count; ++f) {
            string memory name = vm.parseJsonString(index, string.concat("$.fixtures[", vm.toString(f), "].name"));
            _runBundle(name, _ffi("golden", name, ""));
        }
    }

    function test_parity_random_000_050() public {
        _runBundle("random 0..49", _ffi("random", "0", "50"));
    }

    function test_parity_random_050_100() public {
        _runBundle("random 50..99", _ffi("random", "50", "50"));
    }

    function test_parity_random_100_150() public {
        _runBundle("random 100..149", _ffi("random", "100", "50"));
    }

    function test_parity_random_150_200() public {
        _runBundle("random 150..199", _ffi("random", "150", "50"));
    }

    function test_parity_yuma3_random_000_050() public {
        _runBundle("yuma3 random 0..49", _ffiYuma3("0", "50"));
    }

    function test_parity_yuma3_random_050_100() public {
        _runBundle("yuma3 random 50..99", _ffiYuma3("50", "50"));
    }

    function test_parity_yuma3_random_100_150() public {
        _runBundle("yuma3 random 100..149", _ffiYuma3("100", "50"));
    }

    function test_parity_yuma3_random_150_200() public {
        _runBundle("yuma3 random 150..199", _ffiYuma3("150", "50"));
    }

    function _ffi(string memory mode, string memory a, string memory b) internal returns (uint256[] memory) {
        string[] memory cmd = new string[](bytes(b).length > 0 ? 5 : 4);
        cmd[0] = "node";
        cmd[1] = "test/parity/cases.mjs";
        cmd[2] = mode;
        cmd[3] = a;
        if (bytes(b).length > 0) cmd[4] = b;
        return abi.decode(vm.ffi(cmd), (uint256[]));
    }

    function _ffiYuma3(string memory a, string memory b) internal returns (uint256[] memory) {
        string[] memory cmd = new string[](6);
        cmd[0] = "node";
        cmd[1] = "test/parity/cases.mjs";
        cmd[2] = "random";
        cmd[3] = a;
        cmd[4] = b;
        cmd[5] = "yuma3";
        return abi.decode(vm.ffi(cmd), (uint256[]));
    }

    function _runBundle(string memory source, uint256[] memory w) internal view {
        uint256 cases = w[0];
        assertGe(cases, 1, "cases in bundle");
        uint256 p = 1;
        for (uint256 c = 0; c < cases; ++c) {
            uint256 len = w[p++];
            uint256 end = p + len;
            YumaTypes.Input memory input;
            (input, p) = _decodeInput(w, p);
            YumaTypes.Output memory out = yuma.run(input);
            p = _check(source, c, w, p, input.stake.length, out);
            assertEq(p, end, "bundle layout");
        }
        assertEq(p, w.length, "bundle consumed");
    }

    function _decodeInput(uint256[] memory w, uint256 p) internal pure returns (YumaTypes.Input memory input, uint256) {
        uint256 n = w[p];
        input.blockNumber = uint64(w[p + 1]);
        input.emission = w[p + 2];
        input.params = YumaTypes.Params({
            kappa: uint32(w[p + 3]),
            bondsMovingAverage: uint32(w[p + 4]),
            bondsPenalty: uint32(w[p + 5]),
            ownerCut: uint32(w[p + 6]),
            maxValidators: uint16(w[p + 7]),
            activityCutoff: uint64(w[p + 8]),
            stakeThreshold: w[p + 9],
            tempo: uint32(w[p + 10]),
            yuma3: w[p + 11] != 0
        });
        p += 12;
        input.stake = new uint256[](n);
        input.lastUpdate = new uint64[](n);
        input.registeredAt = new uint64[](n);
        for (uint256 i = 0; i < n; ++i) {
            input.stake[i] = w[p + i];
            input.lastUpdate[i] = uint64(w[p + n + i]);
            input.registeredAt[i] = uint64(w[p + 2 * n + i]);
        }
        p += 3 * n;
        (input.weights, p) = _decodeMatrix(w, p, n);
        (input.bonds, p) = _decodeMatrix(w, p, n);
        return (input, p);
    }

    function _decodeMatrix(uint256[] memory w, uint256 p, uint256 n)
        internal
        pure
        returns (YumaTypes.Matrix memory m, uint256)
    {
        uint256 rows = w[p++];
        uint256 words = (n + 15) / 16;
        m.rowUids = new uint16[](rows);
        m.packed = new uint256[](rows * words);
        for (uint256 r = 0; r < rows; ++r) {
            m.rowUids[r] = uint16(w[p++]);
            for (uint256 k = 0; k < words; ++k) {
                m.packed[r * words + k] = w[p++];
            }
        }
        return (m, p);
    }

    function _check(
        string memory source,
        uint256 c,
        uint256[] memory w,
        uint256 p,
        uint256 n,
        YumaTypes.Output memory out
    ) internal pure returns (uint256) {
        _eq(source, c, "ownerEmission", 0, out.ownerEmission, w[p++]);
        for (uint256 u = 0; u < n; ++u) {
            _eq(source, c, "active", u, out.active[u] ? 1 : 0, w[p]);
            _eq(source, c, "validatorPermit", u, out.validatorPermit[u] ? 1 : 0, w[p + 1]);
            _eq(source, c, "stake", u, out.stake[u], w[p + 2]);
            _eq(source, c, "activeStake", u, out.activeStake[u], w[p + 3]);
            _eq(source, c, "rank", u, out.rank[u], w[p + 4]);
            _eq(source, c, "consensus", u, out.consensus[u], w[p + 5]);
            _eq(source, c, "validatorTrust", u, out.validatorTrust[u], w[p + 6]);
            _eq(source, c, "incentive", u, out.incentive[u], w[p + 7]);
            _eq(source, c, "dividends", u, out.dividends[u], w[p + 8]);
            _eq(source, c, "emission", u, out.emission[u], w[p + 9]);
            p += 10;
        }
        // Bonds: expected dense rows for every UID; ours lists the permitted rows only.
        uint256 words = (n + 15) / 16;
        uint256[] memory ours = new uint256[](n * words);
        for (uint256 r = 0; r < out.bonds.rowUids.length; ++r) {
            uint256 uid = out.bonds.rowUids[r];
            for (uint256 k = 0; k < words; ++k) {
                ours[uid * words + k] = out.bonds.packed[r * words + k];
            }
        }
        for (uint256 i = 0; i < n * words; ++i) {
            if (ours[i] != w[p + i]) {
                uint256 col = (i % words) * 16;
                uint256 x = ours[i];
                uint256 y = w[p + i];
                while ((x & 0xFFFF) == (y & 0xFFFF)) {
                    x >>= 16;
                    y >>= 16;
                    ++col;
                }
                revert Mismatch(source, c, string.concat("bonds row ", vm.toString(i / words)), col, x & 0xFFFF, y & 0xFFFF);
            }
        }
        return p + n * words;
    }

    function _eq(string memory source, uint256 c, string memory field, uint256 uid, uint256 got, uint256 want)
        internal
        pure
    {
        if (got != want) revert Mismatch(source, c, field, uid, got, want);
    }
}
