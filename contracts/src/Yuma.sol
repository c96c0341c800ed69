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
///         packed u16 weights and bonds, and stores what comes back. The working rows are the permitted
///         validators plus the UIDs that hold old bonds (a validator that lost its permit keeps its old
///         bonds for this epoch); only permitted rows have weights and keep new bonds, so the work is
///         k x n (k <= maxValidators plus the previous epoch's validators), streamed by column.
contract Yuma is IYuma {
    uint256 internal constant ONE = 1 << 32;
    uint256 internal constant PPM = 1_000_000;

    /// @dev Working state, kept in memory to stay within the stack.
    struct Ctx {
        uint256 n;
        uint256 k; // working rows
        uint256 words; // u16 words per packed row
        uint256 lanes; // 64-bit words per Q32 row
        uint256[] rowUid; // working rows' UIDs, ascending
        uint256[] A; // active stake, Q32, per UID
        uint256 T; // sum of A
        uint256[] rowSum; // masked raw weight sum per row (0 without a permit)
        uint256[] mw; // masked raw weights, k rows x words
        uint256[] mb; // old bonds without the recently registered columns, k rows x words
        uint256[] bq; // new Q32 bonds, k rows x lanes (64-bit lanes)
        uint256[] colW;
        uint256[] colP;
        uint256[] colOb;
        uint256[] colBe;
        uint256[] sel; // consensus selection buffer
        uint256 pSum; // column sum of P
        uint256 qSum; // column sum of masked old bonds
        uint256[] aRow; // A per row
        uint256[] trustRow; // validator trust per row
        bool[] rowPermit; // whether the row's UID holds a permit
        uint256[] permRow; // the same as 0/1 words (scratch, right after trustRow)
        uint256 eMax; // column maximum of the EMA bonds
        uint256[] rank64; // exact rank sum_i A * Wc per column (Q64; R = rank64 >> 32)
    }

    /// @inheritdoc IYuma
    function run(YumaTypes.Input calldata input) external pure returns (YumaTypes.Output memory out) {
        uint256 n = input.stake.length;
        out = _alloc(n);
        Ctx memory c;
        c.n = n;
        c.words = (n + 15) >> 4;
        c.lanes = (n + 3) >> 2;
        _stakeAndPermits(input, out, c);
        _rows(c, out.validatorPermit, input.bonds.rowUids);
        _loadRows(input, c);
        _columns(input.params, c, out);
        _incentiveAndDividends(c, out, input.params.yuma3);
        _money(input.emission, input.params.ownerCut, n, out);
    }

    /// @inheritdoc IYuma
    function begin(YumaTypes.Input calldata input) external pure returns (YumaTypes.Begin memory b) {
        uint256 n = input.stake.length;
        YumaTypes.Output memory out = _alloc(n);
        Ctx memory c;
        c.n = n;
        c.words = (n + 15) >> 4;
        _stakeAndPermits(input, out, c);
        _rows(c, out.validatorPermit, input.bonds.rowUids);
        _loadWeightRows(input, c);
        uint256 k = c.k;
        b.rowUids = new uint16[](k);
        b.aRow = new uint256[](k);
        b.rowPermit = c.rowPermit;
        for (uint256 r = 0; r < k; ++r) {
            b.rowUids[r] = uint16(c.rowUid[r]);
            b.aRow[r] = c.A[c.rowUid[r]];
        }
        b.rowSum = c.rowSum;
        b.T = c.T;
    }

    /// @inheritdoc IYuma
    /// @dev The chunk is a sub-epoch over its own columns (local column index, local packed words and
    ///      Q32 lanes), so the column loops of `run` serve it unchanged; rows keep their global UIDs.
    function columns(YumaTypes.ChunkInput calldata ci) external pure returns (YumaTypes.Chunk memory ch) {
        uint256 k = ci.rowUids.length;
        Ctx memory c;
        c.n = ci.cols;
        c.k = k;
        c.words = (ci.cols + 15) >> 4;
        c.lanes = (ci.cols + 3) >> 2;
        c.T = ci.T;
        c.rowUid = new uint256[](k);
        c.A = new uint256[](ci.n);
        c.rowSum = ci.rowSum;
        c.rowPermit = ci.rowPermit;
        for (uint256 r = 0; r < k; ++r) {
            c.rowUid[r] = ci.rowUids[r];
            c.A[ci.rowUids[r]] = ci.aRow[r];
        }
        _loadChunkRows(ci, c);
        YumaTypes.Output memory out;
        out.consensus = new uint64[](ci.cols);
        out.rank = new uint64[](ci.cols);
        out.validatorTrust = new uint64[](ci.n);
        _columns(ci.params, c, out);
        ch.consensus = out.consensus;
        ch.rank = c.rank64;
        ch.bonds = out.bonds.packed;
        ch.trust = new uint256[](k);
        ch.dividend = new uint256[](k);
        for (uint256 r = 0; r < k; ++r) {
            ch.trust[r] = out.validatorTrust[c.rowUid[r]];
            ch.dividend[r] = _dividendRow(c, c.rank64, r);
        }
    }

    /// @inheritdoc IYuma
    function settle(YumaTypes.Input calldata input, YumaTypes.Columns calldata cols)
        external
        pure
        returns (YumaTypes.Output memory out)
    {
        uint256 n = input.stake.length;
        out = _alloc(n);
        Ctx memory c;
        c.n = n;
        _stakeAndPermits(input, out, c);
        for (uint256 j = 0; j < n; ++j) {
            out.rank[j] = uint64(cols.rank[j] >> 32);
        }
        out.consensus = cols.consensus;
        out.validatorTrust = cols.validatorTrust;
        _incentive(out, cols.rank, n);
        uint256[] memory d = cols.dividend;
        if (input.params.yuma3) {
            for (uint256 u = 0; u < n; ++u) {
                d[u] = (d[u] * out.activeStake[u]) >> 32;
            }
        }
        uint256 sumD;
        for (uint256 u = 0; u < n; ++u) {
            sumD += d[u];
        }
        if (sumD > 0) {
            for (uint256 u = 0; u < n; ++u) {
                out.dividends[u] = uint64((d[u] * ONE) / sumD);
            }
        }
        _money(input.emission, input.params.ownerCut, n, out);
    }

    function _alloc(uint256 n) internal pure returns (YumaTypes.Output memory out) {
        out.emission = new uint256[](n);
        out.stake = new uint64[](n);
        out.activeStake = new uint64[](n);
        out.rank = new uint64[](n);
        out.consensus = new uint64[](n);
        out.validatorTrust = new uint64[](n);
        out.incentive = new uint64[](n);
        out.dividends = new uint64[](n);
        out.active = new bool[](n);
    }

    /// @dev Masked chunk rows: weights (step 3.2) keep column j when the row holds a permit, j != row UID
    ///      and lastUpdate[row] > registeredAt[j]; old bonds (step 8.2) keep the columns not registered
    ///      within the last tempo.
    function _loadChunkRows(YumaTypes.ChunkInput calldata ci, Ctx memory c) internal pure {
        uint256 k = c.k;
        uint256 words = c.words;
        c.mw = new uint256[](k * words);
        c.mb = new uint256[](k * words);
        uint256[] memory bKeep = _bondKeep(ci.registeredAt, ci.blockNumber, ci.params.tempo, words);
        for (uint256 r = 0; r < k; ++r) {
            _loadChunkRow(ci, c, r, bKeep);
        }
    }

    function _loadChunkRow(YumaTypes.ChunkInput calldata ci, Ctx memory c, uint256 r, uint256[] memory bKeep)
        internal
        pure
    {
        uint256 words = c.words;
        bool permitted = ci.rowPermit[r];
        for (uint256 w = 0; w < words; ++w) {
            uint256 at = r * words + w;
            uint256 ww = permitted ? ci.weights[at] : 0;
            c.mb[at] = ci.bonds[at] & bKeep[w];
            if (ww == 0) continue;
            c.mw[at] = ww & _chunkMask(ci, r, w);
        }
    }

    /// @dev Lane masks keeping the columns j < registeredAt.length not registered within the last tempo:
    ///      blockNumber > tempo and blockNumber - tempo > registeredAt[j] (docs/consensus.md step 8.2).
    function _bondKeep(uint64[] calldata registeredAt, uint256 blockNumber, uint256 tempo, uint256 words)
        internal
        pure
        returns (uint256[] memory keep)
    {
        keep = new uint256[](words);
        if (blockNumber <= tempo) return keep;
        uint256 lastTempo = blockNumber - tempo;
        uint256 n = registeredAt.length;
        for (uint256 j = 0; j < n; ++j) {
            if (registeredAt[j] < lastTempo) keep[j >> 4] |= uint256(0xFFFF) << ((j & 15) << 4);
        }
    }

    function _chunkMask(YumaTypes.ChunkInput calldata ci, uint256 r, uint256 w) internal pure returns (uint256 keep) {
        uint256 i = ci.rowUids[r];
        uint256 lu = ci.rowLastUpdate[r];
        uint64[] calldata registeredAt = ci.registeredAt;
        uint256 col0 = ci.col0;
        unchecked {
            uint256 base = w << 4;
            uint256 end = base + 16 < ci.cols ? base + 16 : ci.cols;
            for (uint256 j = base; j < end; ++j) {
                if (col0 + j != i && lu > registeredAt[j]) keep |= uint256(0xFFFF) << ((j - base) << 4);
            }
        }
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
        for (uint256 i = 0; i < n; ++i) {
            if (sumSt > 0) out.stake[i] = uint64((st[i] * ONE) / sumSt);
            if (permit[i] && out.active[i]) sumA += st[i];
        }
        c.A = new uint256[](n);
        uint256 T;
        if (sumA > 0) {
            for (uint256 i = 0; i < n; ++i) {
                if (!permit[i] || !out.active[i]) continue;
                uint256 a = (st[i] * ONE) / sumA;
                c.A[i] = a;
                out.activeStake[i] = uint64(a);
                T += a;
            }
        }
        c.T = T;
    }

    /// @dev The working rows: permitted UIDs and UIDs with an old bonds row, ascending.
    function _rows(Ctx memory c, bool[] memory permit, uint16[] calldata bondRows) internal pure {
        uint256 n = c.n;
        bool[] memory isRow = new bool[](n);
        uint256 k;
        for (uint256 i = 0; i < n; ++i) {
            if (permit[i]) {
                isRow[i] = true;
                ++k;
            }
        }
        for (uint256 r = 0; r < bondRows.length; ++r) {
            uint256 u = bondRows[r];
            if (u < n && !isRow[u]) {
                isRow[u] = true;
                ++k;
            }
        }
        c.k = k;
        c.rowUid = new uint256[](k);
        c.rowPermit = new bool[](k);
        uint256 at;
        for (uint256 i = 0; i < n; ++i) {
            if (!isRow[i]) continue;
            c.rowUid[at] = i;
            c.rowPermit[at++] = permit[i];
        }
    }

    // Masked copies of the rows' raw weights (step 3.2, permitted rows only) and old bonds (step 8.2),
    // weight row sums.
    function _loadRows(YumaTypes.Input calldata input, Ctx memory c) internal pure {
        _loadWeightRows(input, c);
        uint256 n = c.n;
        uint256 k = c.k;
        uint256 words = c.words;
        c.mb = new uint256[](k * words);
        uint256[] memory bKeep = _bondKeep(input.registeredAt, input.blockNumber, input.params.tempo, words);
        uint256[] memory bIdx = _rowIndex(input.bonds.rowUids, n);
        for (uint256 r = 0; r < k; ++r) {
            uint256 bi = bIdx[c.rowUid[r]];
            if (bi == 0) continue;
            uint256 src = (bi - 1) * words;
            for (uint256 w = 0; w < words; ++w) {
                c.mb[r * words + w] = input.bonds.packed[src + w] & bKeep[w];
            }
        }
    }

    function _loadWeightRows(YumaTypes.Input calldata input, Ctx memory c) internal pure {
        uint256 n = c.n;
        uint256 k = c.k;
        uint256 words = c.words;
        c.mw = new uint256[](k * words);
        c.rowSum = new uint256[](k);
        uint256[] memory maxReg = _maxRegPerWord(input.registeredAt, words);
        uint256[] memory wIdx = _rowIndex(input.weights.rowUids, n);
        for (uint256 r = 0; r < k; ++r) {
            uint256 wi = wIdx[c.rowUid[r]];
            if (wi != 0 && c.rowPermit[r]) c.rowSum[r] = _loadRow(input, c, r, maxReg, wi);
        }
    }

    function _loadRow(YumaTypes.Input calldata input, Ctx memory c, uint256 r, uint256[] memory maxReg, uint256 wi)
        internal
        pure
        returns (uint256 sum)
    {
        uint256[] memory keep = _rowMask(input.registeredAt, input.lastUpdate[c.rowUid[r]], c.rowUid[r], maxReg, c.n);
        uint256 words = c.words;
        uint256 src = (wi - 1) * words;
        for (uint256 w = 0; w < words; ++w) {
            uint256 word = input.weights.packed[src + w] & keep[w];
            c.mw[r * words + w] = word;
            sum += _laneSum16(word);
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
        // Pairwise folding of the sixteen 16-bit lanes (the total < 2^20 never overflows a lane).
        assembly {
            let m16 := 0x0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff0000ffff
            let m32 := 0x00000000ffffffff00000000ffffffff00000000ffffffff00000000ffffffff
            let m64 := 0x0000000000000000ffffffffffffffff0000000000000000ffffffffffffffff
            s := add(and(word, m16), and(shr(16, word), m16))
            s := add(and(s, m32), and(shr(32, s), m32))
            s := add(and(s, m64), and(shr(64, s), m64))
            s := add(and(s, sub(shl(128, 1), 1)), shr(128, s))
        }
    }

    function _rowIndex(uint16[] calldata rowUids, uint256 n) internal pure returns (uint256[] memory idx) {
        idx = new uint256[](n);
        for (uint256 r = 0; r < rowUids.length; ++r) {
            uint256 u = rowUids[r];
            if (u < n) idx[u] = r + 1;
        }
    }

    // Steps 3 to 8, one column at a time. The per-column loops are written in assembly over raw
    // memory pointers (the arithmetic is exactly the Solidity-level formulas in the comments;
    // EVM `div` by zero yields 0, which is the spec's answer for every zero divisor here).
    function _columns(YumaTypes.Params calldata p, Ctx memory c, YumaTypes.Output memory out) internal pure {
        uint256 k = c.k;
        // Allocated back to back: _columnClip addresses them from colW with a fixed gap.
        c.colW = new uint256[](k);
        c.colP = new uint256[](k);
        c.colOb = new uint256[](k);
        c.colBe = new uint256[](k);
        c.sel = new uint256[](k);
        c.aRow = new uint256[](k);
        c.trustRow = new uint256[](k);
        c.permRow = new uint256[](k);
        {
            uint256[] memory first = c.colW;
            uint256[] memory last = c.permRow;
            uint256 span;
            assembly {
                span := sub(last, first)
            }
            require(span == 7 * ((k + 1) << 5));
        }
        c.bq = new uint256[](k * c.lanes);
        out.bonds.rowUids = new uint16[](k);
        out.bonds.packed = new uint256[](k * c.words);
        for (uint256 r = 0; r < k; ++r) {
            out.bonds.rowUids[r] = uint16(c.rowUid[r]);
            c.aRow[r] = c.A[c.rowUid[r]];
            if (c.rowPermit[r]) c.permRow[r] = 1;
        }
        uint256 need = uint256(p.kappa) * c.T;
        uint256 beta = p.bondsPenalty;
        uint256 alpha = PPM - p.bondsMovingAverage;
        bool y3 = p.yuma3;
        c.rank64 = new uint256[](c.n);
        for (uint256 j = 0; j < c.n; ++j) {
            // W is needed even without active stake: Yuma3 bonds move towards it regardless.
            uint256 m = _columnW(c, j);
            uint256 cons = c.T == 0 ? 0 : _consensus(c.sel, m, need);
            out.consensus[j] = uint64(cons);
            uint256 r64 = _columnClip(c, j, cons, beta, y3);
            c.rank64[j] = r64;
            out.rank[j] = uint64(r64 >> 32);
            _columnBonds(c, out.bonds.packed, j, alpha, y3);
        }
        for (uint256 r = 0; r < k; ++r) {
            out.validatorTrust[c.rowUid[r]] = uint64(c.trustRow[r]);
        }
    }

    /// @dev Step 3.3 for column j: W[r] = raw * ONE / rowSum[r]; fills the consensus candidates
    ///      (W << 64 | A) of rows with A > 0 and W > 0 and returns their count.
    function _columnW(Ctx memory c, uint256 j) internal pure returns (uint256 m) {
        uint256 src;
        uint256 end;
        uint256 sp;
        {
            uint256[] memory mw = c.mw;
            uint256[] memory colW = c.colW;
            uint256[] memory sel = c.sel;
            uint256 k = c.k;
            assembly {
                src := add(add(mw, 0x20), shl(5, shr(4, j)))
                end := add(add(colW, 0x20), shl(5, k))
                sp := add(sel, 0x20)
            }
        }
        uint256[] memory rowSum = c.rowSum;
        uint256[] memory aRow = c.aRow;
        uint256 wp;
        {
            uint256[] memory colW = c.colW;
            assembly {
                wp := add(colW, 0x20)
            }
        }
        uint256 stride = c.words << 5;
        assembly {
            let shift := shl(4, and(j, 15))
            let rs := add(rowSum, 0x20)
            let ap := add(aRow, 0x20)
            for {} lt(wp, end) { wp := add(wp, 0x20) } {
                let w := div(shl(32, and(shr(shift, mload(src)), 0xffff)), mload(rs))
                mstore(wp, w)
                let a := mload(ap)
                if and(gt(a, 0), gt(w, 0)) {
                    mstore(add(sp, shl(5, m)), or(shl(64, w), a))
                    m := add(m, 1)
                }
                src := add(src, stride)
                rs := add(rs, 0x20)
                ap := add(ap, 0x20)
            }
        }
    }

    /// @dev The per-row scratch arrays are allocated back to back in _columns (colW, colP, colOb,
    ///      colBe, sel, aRow, trustRow, permRow), each (k + 1) words: base = colW, gap = (k + 1) * 32.
    function _scratch(Ctx memory c) internal pure returns (uint256 base, uint256 gap) {
        uint256[] memory colW = c.colW;
        assembly {
            base := colW
        }
        gap = (c.k + 1) << 5;
    }

    /// @dev Steps 5-7 and 8.1's P for column j, plus the masked old bonds; returns the exact rank
    ///      sum_i A * Wc (R[j] is it >> 32). Wc = min(W, C); trust += Wc;
    ///      Wb = ((PPM - beta) * W + beta * Wc) / PPM; P = A * Wb, unrounded (Yuma3: P = Wb, the EMA's target).
    function _columnClip(Ctx memory c, uint256 j, uint256 cons, uint256 beta, bool y3)
        internal
        pure
        returns (uint256 rank)
    {
        (uint256 base, uint256 gap) = _scratch(c);
        assembly {
            let end := add(base, gap)
            let pSum := 0
            for { let p := add(base, 0x20) } lt(p, end) { p := add(p, 0x20) } {
                let w := mload(p)
                let wc := w
                if gt(w, cons) { wc := cons }
                let a := mload(add(p, mul(gap, 5)))
                let tp := add(p, mul(gap, 6))
                mstore(tp, add(mload(tp), wc))
                rank := add(rank, mul(a, wc))
                let pv := div(add(mul(sub(1000000, beta), w), mul(beta, wc)), 1000000)
                if iszero(y3) { pv := mul(a, pv) }
                mstore(add(p, gap), pv)
                pSum := add(pSum, pv)
            }
            mstore(add(c, 0x200), pSum) // c.pSum
        }
        uint256 src;
        uint256 stride = c.words << 5;
        {
            uint256[] memory mb = c.mb;
            assembly {
                src := add(add(mb, 0x20), shl(5, shr(4, j)))
            }
        }
        assembly {
            let shift := shl(4, and(j, 15))
            let end := add(base, gap)
            let qSum := 0
            for { let p := add(base, 0x20) } lt(p, end) { p := add(p, 0x20) } {
                let ob := and(shr(shift, mload(src)), 0xffff)
                mstore(add(p, shl(1, gap)), ob)
                qSum := add(qSum, ob)
                src := add(src, stride)
            }
            mstore(add(c, 0x220), qSum) // c.qSum
        }
    }

    /// @dev Steps 8.1-8.4 for column j: dB = P * ONE / pSum; B0 = ob * ONE / qSum;
    ///      Be = (alpha * dB + (PPM - alpha) * B0) / PPM (Yuma3, 8Y: B0 = ob * ONE / 65535 and
    ///      Be = (alpha * Wb + (PPM - alpha) * B0) / PPM); then the column's stored u16 and Q32 B.
    function _columnBonds(Ctx memory c, uint256[] memory packedOut, uint256 j, uint256 alpha, bool y3)
        internal
        pure
    {
        (uint256 base, uint256 gap) = _scratch(c);
        uint256 eSum;
        uint256 eMax;
        {
            uint256 pSum = c.pSum;
            uint256 qSum = c.qSum;
            assembly {
                let end := add(base, gap)
                for { let p := add(base, 0x20) } lt(p, end) { p := add(p, 0x20) } {
                    let db := mload(add(p, gap))
                    let b0 := mload(add(p, shl(1, gap)))
                    switch y3
                    case 0 {
                        db := div(shl(32, db), pSum)
                        b0 := div(shl(32, b0), qSum)
                    }
                    default { b0 := div(shl(32, b0), 65535) }
                    let be := div(add(mul(alpha, db), mul(sub(1000000, alpha), b0)), 1000000)
                    mstore(add(p, mul(gap, 3)), be)
                    eSum := add(eSum, be)
                    if gt(be, eMax) { eMax := be }
                }
            }
        }
        if (eSum == 0) return;
        c.eMax = y3 ? 0 : eMax;
        _storeBondColumn(c, packedOut, j, eSum, base, gap);
    }

    /// @dev B = Be * ONE / eSum into the Q32 lanes (for dividends); the stored u16 of permitted rows:
    ///      Be * 65535 / max(Be) (step 8.5, column max-upscaled) or, in Yuma3, Be * 65535 / ONE (8Y.3).
    function _storeBondColumn(
        Ctx memory c,
        uint256[] memory packedOut,
        uint256 j,
        uint256 eSum,
        uint256 base,
        uint256 gap
    ) internal pure {
        uint256 eMax = c.eMax;
        uint256 bp;
        uint256 pp;
        {
            uint256[] memory bq = c.bq;
            assembly {
                bp := add(add(bq, 0x20), shl(5, shr(2, j)))
                pp := add(add(packedOut, 0x20), shl(5, shr(4, j)))
            }
        }
        uint256 laneStride = c.lanes << 5;
        uint256 wordStride = c.words << 5;
        assembly {
            let end := add(base, gap)
            let laneShift := shl(6, and(j, 3))
            let shift := shl(4, and(j, 15))
            for { let p := add(base, 0x20) } lt(p, end) { p := add(p, 0x20) } {
                let be := mload(add(p, mul(gap, 3)))
                let b := div(shl(32, be), eSum)
                if b { mstore(bp, or(mload(bp), shl(laneShift, b))) }
                if mload(add(p, mul(gap, 7))) {
                    let u := shr(32, mul(be, 65535))
                    if eMax { u := div(mul(be, 65535), eMax) }
                    mstore(pp, or(mload(pp), shl(shift, u)))
                }
                bp := add(bp, laneStride)
                pp := add(pp, wordStride)
            }
        }
    }

    /// @dev Step 4: the largest v among the candidates' weights (or 0) with PPM * mass(W >= v) >= need.
    ///      Candidates are (W << 64 | A) in sel[0..m). Weighted quickselect, descending.
    function _consensus(uint256[] memory sel, uint256 m, uint256 need) internal pure returns (uint256 result) {
        if (m == 0) return 0;
        if (need == 0) {
            // Every v qualifies: the largest candidate weight.
            assembly {
                for { let p := add(sel, 0x20) } lt(p, add(add(sel, 0x20), shl(5, m))) { p := add(p, 0x20) } {
                    let v := shr(64, mload(p))
                    if gt(v, result) { result := v }
                }
            }
            return result;
        }
        assembly {
            let lo := add(sel, 0x20)
            let hi := add(lo, shl(5, m))
            for {} lt(lo, hi) {} {
                let pivot := shr(64, mload(add(lo, shl(5, shr(1, shr(5, sub(hi, lo)))))))
                // Three-way partition: [lo, g) > pivot, [g, e) == pivot, [e, hi) < pivot.
                let g := lo
                let e := lo
                let end := hi
                let gtMass := 0
                let eqMass := 0
                for {} lt(e, end) {} {
                    let x := mload(e)
                    switch gt(shr(64, x), pivot)
                    case 1 {
                        mstore(e, mload(g))
                        mstore(g, x)
                        gtMass := add(gtMass, and(x, 0xffffffffffffffff))
                        g := add(g, 0x20)
                        e := add(e, 0x20)
                    }
                    default {
                        switch eq(shr(64, x), pivot)
                        case 1 {
                            eqMass := add(eqMass, and(x, 0xffffffffffffffff))
                            e := add(e, 0x20)
                        }
                        default {
                            end := sub(end, 0x20)
                            mstore(e, mload(end))
                            mstore(end, x)
                        }
                    }
                }
                switch lt(mul(1000000, gtMass), need)
                case 0 { hi := g }
                default {
                    eqMass := mul(1000000, add(gtMass, eqMass))
                    switch lt(eqMass, need)
                    case 0 {
                        result := pivot
                        hi := lo
                    }
                    default {
                        need := sub(need, eqMass)
                        lo := e
                    }
                }
            }
        }
    }

    // Steps 6 (incentive) and 9 (dividends; Yuma3 9Y: times the row's active stake).
    function _incentiveAndDividends(Ctx memory c, YumaTypes.Output memory out, bool y3) internal pure {
        _incentive(out, c.rank64, c.n);
        uint256 k = c.k;
        uint256[] memory d = new uint256[](k);
        uint256 sumD;
        for (uint256 r = 0; r < k; ++r) {
            uint256 acc = _dividendRow(c, c.rank64, r);
            if (y3) acc = (acc * c.aRow[r]) >> 32;
            d[r] = acc;
            sumD += acc;
        }
        if (sumD > 0) {
            for (uint256 r = 0; r < k; ++r) {
                out.dividends[c.rowUid[r]] = uint64((d[r] * ONE) / sumD);
            }
        }
    }

    /// @dev Step 6: I = normalize(exact ranks).
    function _incentive(YumaTypes.Output memory out, uint256[] memory rank64, uint256 n) internal pure {
        uint256 sumR;
        for (uint256 j = 0; j < n; ++j) {
            sumR += rank64[j];
        }
        if (sumR > 0) {
            for (uint256 j = 0; j < n; ++j) {
                out.incentive[j] = uint64((rank64[j] * ONE) / sumR);
            }
        }
    }

    /// @dev d[i] = sum_j B[i][j] * rank64[j], exact, over the Q32 bonds of row r (rank, not incentive:
    ///      docs/consensus.md step 9).
    function _dividendRow(Ctx memory c, uint256[] memory rank, uint256 r) internal pure returns (uint256 acc) {
        uint256 n = c.n;
        uint256 lp;
        {
            uint256[] memory bq = c.bq;
            uint256 lanes = c.lanes;
            assembly {
                lp := add(add(bq, 0x20), shl(5, mul(r, lanes)))
            }
        }
        assembly {
            let ip := add(rank, 0x20)
            let mask := sub(shl(64, 1), 1)
            for { let j := 0 } lt(j, n) { j := add(j, 4) } {
                let word := mload(lp)
                if word {
                    for { let t := 0 } and(lt(t, 4), lt(add(j, t), n)) { t := add(t, 1) } {
                        let b := and(shr(shl(6, t), word), mask)
                        if b { acc := add(acc, mul(b, mload(add(ip, shl(5, add(j, t)))))) }
                    }
                }
                lp := add(lp, 0x20)
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
