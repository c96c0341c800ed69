// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IYuma, YumaTypes} from "./IYuma.sol";

/// @title YumaMath
/// @notice Pieces of the epoch that the Network also needs (validator permits).
library YumaMath {
    /// @notice Q32 one.
    uint256 internal constant ONE = 1 << 32;
    /// @notice Parts per million.
    uint256 internal constant PPM = 1_000_000;

    /// @notice Validator permits (docs/consensus.md step 2.3): top `maxValidators` UIDs by stake
    ///         descending, ties by UID ascending; a zero stake never gets a permit.
    function permits(uint256[] memory st, uint256 maxValidators) internal pure returns (bool[] memory permit) {
        uint256 n = st.length;
        permit = new bool[](n);
        uint256[] memory keys = new uint256[](n);
        uint256 m;
        for (uint256 i = 0; i < n; ++i) {
            if (st[i] > 0) keys[m++] = (st[i] << 16) | (0xFFFF - i);
        }
        if (m <= maxValidators) {
            for (uint256 i = 0; i < n; ++i) {
                permit[i] = st[i] > 0;
            }
            return permit;
        }
        assembly {
            mstore(keys, m)
        }
        _sortDesc(keys, 0, m);
        for (uint256 r = 0; r < maxValidators; ++r) {
            permit[0xFFFF - (keys[r] & 0xFFFF)] = true;
        }
    }

    /// @dev In-place quicksort of a[lo..hi) in descending order.
    function _sortDesc(uint256[] memory a, uint256 lo, uint256 hi) internal pure {
        unchecked {
            while (hi - lo > 1) {
                uint256 pivot = a[lo + (hi - 1 - lo) / 2];
                uint256 i = lo;
                uint256 j = hi - 1;
                while (true) {
                    while (a[i] > pivot) ++i;
                    while (a[j] < pivot) --j;
                    if (i >= j) break;
                    (a[i], a[j]) = (a[j], a[i]);
                    ++i;
                    --j;
                }
                // a[lo..j] >= pivot >= a[j+1..hi)
                if (j + 1 - lo < hi - j - 1) {
                    _sortDesc(a, lo, j + 1);
                    lo = j + 1;
                } else {
                    _sortDesc(a, j + 1, hi);
                    hi = j + 1;
                }
            }
        }
    }
}

/// @title Yuma
/// @notice One Yuma epoch, bit for bit as docs/consensus.md specifies (Q32 fixed point, floor
///         division everywhere). Stateless: the Network passes stake, activity, registration blocks,
///         packed u16 weights and bonds, and stores what comes back. Only permitted validators have
///         non-zero rows in W, Wc and B, so the work is k x n (k <= maxValidators), streamed by column.
contract Yuma is IYuma {
    uint256 internal constant ONE = 1 << 32;
    uint256 internal constant PPM = 1_000_000;

    /// @dev Working state, kept in memory to stay within the stack.
    struct Ctx {
        uint256 n;
        uint256 k; // permitted rows
        uint256 words; // u16 words per packed row
        uint256 lanes; // 64-bit words per Q32 row
        uint256[] rowUid; // permitted UIDs, ascending
        uint256[] A; // active stake, Q32, per UID
        uint256 T; // sum of A
        uint256[] rowSum; // masked raw weight sum per permitted row
        uint256[] mw; // masked raw weights, k rows x words
        uint256[] mb; // masked raw old bonds, k rows x words
        uint256[] bq; // new Q32 bonds, k rows x lanes (64-bit lanes)
        uint256[] colW;
        uint256[] colP;
        uint256[] colOb;
        uint256[] colBe;
        uint256[] sel; // consensus selection buffer
        uint256 pSum; // column sum of P
        uint256 qSum; // column sum of masked old bonds
    }

    /// @inheritdoc IYuma
    function run(YumaTypes.Input calldata input) external pure returns (YumaTypes.Output memory out) {
        uint256 n = input.stake.length;
        out.emission = new uint256[](n);
        out.stake = new uint64[](n);
        out.activeStake = new uint64[](n);
        out.rank = new uint64[](n);
        out.consensus = new uint64[](n);
        out.validatorTrust = new uint64[](n);
        out.incentive = new uint64[](n);
        out.dividends = new uint64[](n);
        out.active = new bool[](n);

        Ctx memory c;
        c.n = n;
        c.words = (n + 15) >> 4;
        c.lanes = (n + 3) >> 2;
        _stakeAndPermits(input, out, c);
        _loadRows(input, c);
        _columns(input.params, c, out);
        _incentiveAndDividends(c, out);
        _money(input.emission, input.params.ownerCut, n, out);
    }

    // Steps 1 and 2: activity, stake threshold, S, permits, active stake A.
    function _stakeAndPermits(YumaTypes.Input calldata input, YumaTypes.Output memory out, Ctx memory c)
        internal
        pure
    {
        uint256 n = c.n;
        uint256[] memory st = new uint256[](n);
        uint256 sumSt;
        uint256 blockNumber = input.blockNumber;
        uint256 cutoff = input.params.activityCutoff;
        for (uint256 i = 0; i < n; ++i) {
            uint256 lu = input.lastUpdate[i];
            out.active[i] = lu >= blockNumber || blockNumber - lu <= cutoff;
            uint256 s = input.stake[i];
            if (s >= input.params.stakeThreshold) {
                st[i] = s;
                sumSt += s;
            }
        }
        bool[] memory permit = YumaMath.permits(st, input.params.maxValidators);
        out.validatorPermit = permit;
        uint256 sumA;
        uint256 k;
        for (uint256 i = 0; i < n; ++i) {
            if (sumSt > 0) out.stake[i] = uint64((st[i] * ONE) / sumSt);
            if (permit[i]) {
                ++k;
                if (out.active[i]) sumA += st[i];
            }
        }
        c.k = k;
        c.rowUid = new uint256[](k);
        c.A = new uint256[](n);
        uint256 r;
        uint256 T;
        for (uint256 i = 0; i < n; ++i) {
            if (!permit[i]) continue;
            c.rowUid[r++] = i;
            if (out.active[i] && sumA > 0) {
                uint256 a = (st[i] * ONE) / sumA;
                c.A[i] = a;
                out.activeStake[i] = uint64(a);
                T += a;
            }
        }
        c.T = T;
    }

    // Masked copies of the permitted rows' raw weights and old bonds (steps 3.2 and 8.2), row sums.
    function _loadRows(YumaTypes.Input calldata input, Ctx memory c) internal pure {
        uint256 n = c.n;
        uint256 k = c.k;
        uint256 words = c.words;
        c.mw = new uint256[](k * words);
        c.mb = new uint256[](k * words);
        c.rowSum = new uint256[](k);
        uint256[] memory maxReg = _maxRegPerWord(input.registeredAt, words);
        uint256[] memory wIdx = _rowIndex(input.weights.rowUids, n);
        uint256[] memory bIdx = _rowIndex(input.bonds.rowUids, n);
        for (uint256 r = 0; r < k; ++r) {
            uint256 i = c.rowUid[r];
            c.rowSum[r] = _loadRow(input, c, r, maxReg, wIdx[i], bIdx[i]);
        }
    }

    function _loadRow(
        YumaTypes.Input calldata input,
        Ctx memory c,
        uint256 r,
        uint256[] memory maxReg,
        uint256 wi,
        uint256 bi
    ) internal pure returns (uint256 sum) {
        uint256[] memory keep = _rowMask(input.registeredAt, input.lastUpdate[c.rowUid[r]], c.rowUid[r], maxReg, c.n);
        uint256 words = c.words;
        if (wi != 0) {
            uint256 src = (wi - 1) * words;
            for (uint256 w = 0; w < words; ++w) {
                uint256 word = input.weights.packed[src + w] & keep[w];
                c.mw[r * words + w] = word;
                sum += _laneSum16(word);
            }
        }
        if (bi != 0) {
            uint256 src = (bi - 1) * words;
            for (uint256 w = 0; w < words; ++w) {
                c.mb[r * words + w] = input.bonds.packed[src + w] & keep[w];
            }
        }
    }

    /// @dev Lane masks of row i: keep column j when j != i and lastUpdate[i] > registeredAt[j].
    function _rowMask(uint64[] calldata registeredAt, uint256 lu, uint256 i, uint256[] memory maxReg, uint256 n)
        internal
        pure
        returns (uint256[] memory keep)
    {
        uint256 words = maxReg.length;
        keep = new uint256[](words);
        for (uint256 w = 0; w < words; ++w) {
            keep[w] = lu > maxReg[w] ? _fullMask(i, w, n) : _keepMask(registeredAt, lu, i, w, n);
        }
    }

    /// @dev Bit mask over word `w` of row `i` keeping lanes j != i with lastUpdate[i] > registeredAt[j], j < n.
    function _keepMask(uint64[] calldata registeredAt, uint256 lu, uint256 i, uint256 w, uint256 n)
        internal
        pure
        returns (uint256 keep)
    {
        unchecked {
            uint256 base = w << 4;
            uint256 end = base + 16 < n ? base + 16 : n;
            for (uint256 j = base; j < end; ++j) {
                if (j != i && lu > registeredAt[j]) keep |= uint256(0xFFFF) << ((j - base) << 4);
            }
        }
    }

    /// @dev All lanes of word `w` below n, except row `i`'s own lane.
    function _fullMask(uint256 i, uint256 w, uint256 n) internal pure returns (uint256 keep) {
        unchecked {
            uint256 base = w << 4;
            uint256 count = n - base < 16 ? n - base : 16;
            keep = count == 16 ? type(uint256).max : (uint256(1) << (count << 4)) - 1;
            if (i >= base && i < base + 16) keep &= ~(uint256(0xFFFF) << ((i - base) << 4));
        }
    }

    function _maxRegPerWord(uint64[] calldata registeredAt, uint256 words) internal pure returns (uint256[] memory mx) {
        mx = new uint256[](words);
        uint256 n = registeredAt.length;
        for (uint256 j = 0; j < n; ++j) {
            uint256 reg = registeredAt[j];
            if (reg > mx[j >> 4]) mx[j >> 4] = reg;
        }
    }

    function _laneSum16(uint256 word) internal pure returns (uint256 s) {
        unchecked {
            while (word != 0) {
                s += word & 0xFFFF;
                word >>= 16;
            }
        }
    }

    function _rowIndex(uint16[] calldata rowUids, uint256 n) internal pure returns (uint256[] memory idx) {
        idx = new uint256[](n);
        for (uint256 r = 0; r < rowUids.length; ++r) {
            uint256 u = rowUids[r];
            if (u < n) idx[u] = r + 1;
        }
    }

    // Steps 3 to 8, one column at a time.
    function _columns(YumaTypes.Params calldata p, Ctx memory c, YumaTypes.Output memory out) internal pure {
        uint256 k = c.k;
        c.colW = new uint256[](k);
        c.colP = new uint256[](k);
        c.colOb = new uint256[](k);
        c.colBe = new uint256[](k);
        c.sel = new uint256[](k);
        c.bq = new uint256[](k * c.lanes);
        out.bonds.rowUids = new uint16[](k);
        out.bonds.packed = new uint256[](k * c.words);
        for (uint256 r = 0; r < k; ++r) {
            out.bonds.rowUids[r] = uint16(c.rowUid[r]);
        }
        uint256 need = uint256(p.kappa) * c.T;
        for (uint256 j = 0; j < c.n; ++j) {
            _column(p, c, out, j, need);
        }
    }

    function _column(
        YumaTypes.Params calldata p,
        Ctx memory c,
        YumaTypes.Output memory out,
        uint256 j,
        uint256 need
    ) internal pure {
        uint256 cons = _columnW(c, j, need);
        out.consensus[j] = uint64(cons);
        out.rank[j] = uint64(_columnClip(c, out.validatorTrust, j, cons, p.bondsPenalty));
        _columnBonds(c, out.bonds.packed, j, PPM - p.bondsMovingAverage);
    }

    /// @dev Step 3.3 for column j (W), then step 4 (consensus).
    function _columnW(Ctx memory c, uint256 j, uint256 need) internal pure returns (uint256) {
        unchecked {
            uint256 k = c.k;
            uint256 wordIdx = j >> 4;
            uint256 shift = (j & 15) << 4;
            uint256 words = c.words;
            uint256 m;
            for (uint256 r = 0; r < k; ++r) {
                uint256 raw = (c.mw[r * words + wordIdx] >> shift) & 0xFFFF;
                uint256 rs = c.rowSum[r];
                uint256 w = rs == 0 ? 0 : (raw * ONE) / rs;
                c.colW[r] = w;
                uint256 a = c.A[c.rowUid[r]];
                if (a > 0 && w > 0) c.sel[m++] = (w << 64) | a;
            }
            return c.T == 0 ? 0 : _consensus(c.sel, m, need);
        }
    }

    /// @dev Steps 5-7 and 8.1's P for column j; loads the masked old bonds. Returns the rank R[j].
    function _columnClip(Ctx memory c, uint64[] memory trust, uint256 j, uint256 cons, uint256 beta)
        internal
        pure
        returns (uint256 rank)
    {
        unchecked {
            uint256 shift = (j & 15) << 4;
            uint256 pSum;
            uint256 qSum;
            for (uint256 r = 0; r < c.k; ++r) {
                uint256 w = c.colW[r];
                uint256 wc = w < cons ? w : cons;
                uint256 a = c.rowUid[r];
                trust[a] += uint64(wc);
                a = c.A[a];
                rank += (a * wc) / ONE;
                w = (a * (((PPM - beta) * w + beta * wc) / PPM)) / ONE;
                c.colP[r] = w;
                pSum += w;
                w = (c.mb[r * c.words + (j >> 4)] >> shift) & 0xFFFF;
                c.colOb[r] = w;
                qSum += w;
            }
            c.pSum = pSum;
            c.qSum = qSum;
        }
    }

    /// @dev Steps 8.1-8.5 for column j: dB, B0, EMA, normalise; Q32 kept for dividends, u16 stored.
    function _columnBonds(Ctx memory c, uint256[] memory packedOut, uint256 j, uint256 alpha) internal pure {
        unchecked {
            uint256 k = c.k;
            uint256 pSum = c.pSum;
            uint256 qSum = c.qSum;
            uint256 eSum;
            for (uint256 r = 0; r < k; ++r) {
                uint256 db = pSum == 0 ? 0 : (c.colP[r] * ONE) / pSum;
                uint256 b0 = qSum == 0 ? 0 : (c.colOb[r] * ONE) / qSum;
                uint256 be = (alpha * db + (PPM - alpha) * b0) / PPM;
                c.colBe[r] = be;
                eSum += be;
            }
            if (eSum == 0) return;
            _storeBondColumn(c, packedOut, j, eSum);
        }
    }

    function _storeBondColumn(Ctx memory c, uint256[] memory packedOut, uint256 j, uint256 eSum) internal pure {
        unchecked {
            uint256 laneShift = (j & 3) << 6;
            uint256 shift = (j & 15) << 4;
            for (uint256 r = 0; r < c.k; ++r) {
                uint256 b = (c.colBe[r] * ONE) / eSum;
                if (b == 0) continue;
                c.bq[r * c.lanes + (j >> 2)] |= b << laneShift;
                packedOut[r * c.words + (j >> 4)] |= ((b * 65535) / ONE) << shift;
            }
        }
    }

    /// @dev Step 4: the largest v among the candidates' weights (or 0) with PPM * mass(W >= v) >= need.
    ///      Candidates are (W << 64 | A) in sel[0..m). Weighted quickselect, descending.
    function _consensus(uint256[] memory sel, uint256 m, uint256 need) internal pure returns (uint256) {
        unchecked {
            if (m == 0) return 0;
            if (need == 0) {
                uint256 best;
                for (uint256 t = 0; t < m; ++t) {
                    uint256 v = sel[t] >> 64;
                    if (v > best) best = v;
                }
                return best;
            }
            uint256 lo = 0;
            uint256 hi = m;
            uint256 mask = (uint256(1) << 64) - 1;
            while (lo < hi) {
                uint256 pivot = sel[lo + (hi - lo) / 2] >> 64;
                // Three-way partition: [lo, gt) > pivot, [gt, eq) == pivot, [eq, hi) < pivot.
                uint256 gt = lo;
                uint256 eq = lo;
                uint256 end = hi;
                uint256 gtMass;
                uint256 eqMass;
                while (eq < end) {
                    uint256 x = sel[eq];
                    uint256 v = x >> 64;
                    if (v > pivot) {
                        sel[eq] = sel[gt];
                        sel[gt] = x;
                        gtMass += x & mask;
                        ++gt;
                        ++eq;
                    } else if (v == pivot) {
                        eqMass += x & mask;
                        ++eq;
                    } else {
                        --end;
                        sel[eq] = sel[end];
                        sel[end] = x;
                    }
                }
                if (PPM * gtMass >= need) {
                    hi = gt;
                } else if (PPM * (gtMass + eqMass) >= need) {
                    return pivot;
                } else {
                    need -= PPM * (gtMass + eqMass);
                    lo = eq;
                }
            }
            return 0;
        }
    }

    // Steps 6 (incentive) and 9 (dividends).
    function _incentiveAndDividends(Ctx memory c, YumaTypes.Output memory out) internal pure {
        uint256 n = c.n;
        uint256 sumR;
        for (uint256 j = 0; j < n; ++j) {
            sumR += out.rank[j];
        }
        if (sumR > 0) {
            for (uint256 j = 0; j < n; ++j) {
                out.incentive[j] = uint64((uint256(out.rank[j]) * ONE) / sumR);
            }
        }
        uint256 k = c.k;
        uint256[] memory d = new uint256[](k);
        uint256 sumD;
        for (uint256 r = 0; r < k; ++r) {
            uint256 acc = _dividendRow(c, out.incentive, r);
            d[r] = acc;
            sumD += acc;
        }
        if (sumD > 0) {
            for (uint256 r = 0; r < k; ++r) {
                out.dividends[c.rowUid[r]] = uint64((d[r] * ONE) / sumD);
            }
        }
    }

    /// @dev d[i] = sum_j mulq(B[i][j], I[j]) over the Q32 bonds of permitted row r.
    function _dividendRow(Ctx memory c, uint64[] memory incentive, uint256 r) internal pure returns (uint256 acc) {
        unchecked {
            uint256 n = c.n;
            uint256 lanes = c.lanes;
            uint256 base = r * lanes;
            for (uint256 l = 0; l < lanes; ++l) {
                uint256 word = c.bq[base + l];
                uint256 j = l << 2;
                while (word != 0 && j < n) {
                    uint256 b = word & 0xFFFFFFFFFFFFFFFF;
                    if (b != 0) acc += (b * incentive[j]) / ONE;
                    word >>= 64;
                    ++j;
                }
            }
        }
    }

    // Step 10: the money split; the owner takes the cut and all rounding dust.
    function _money(uint256 e, uint256 ownerCut, uint256 n, YumaTypes.Output memory out) internal pure {
        uint256 rest = e - (e * ownerCut) / PPM;
        uint256 sumI;
        uint256 sumD;
        uint256 sumA;
        uint256 sumS;
        for (uint256 i = 0; i < n; ++i) {
            sumI += out.incentive[i];
            sumD += out.dividends[i];
            sumA += out.activeStake[i];
            sumS += out.stake[i];
        }
        uint256 pm;
        uint256 pv;
        uint64[] memory v;
        uint256 sumV;
        if (sumI > 0) {
            if (sumD > 0) {
                pm = rest / 2;
                pv = rest - pm;
                v = out.dividends;
                sumV = sumD;
            } else {
                pm = rest;
            }
        } else if (sumA > 0) {
            pv = rest;
            v = out.activeStake;
            sumV = sumA;
        } else if (sumS > 0) {
            pv = rest;
            v = out.stake;
            sumV = sumS;
        }
        uint256 paid;
        for (uint256 u = 0; u < n; ++u) {
            uint256 em;
            if (pm > 0) em = (pm * out.incentive[u]) / sumI;
            if (pv > 0) em += (pv * v[u]) / sumV;
            out.emission[u] = em;
            paid += em;
        }
        out.ownerEmission = e - paid;
    }
}
