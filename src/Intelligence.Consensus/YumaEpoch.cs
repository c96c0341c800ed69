using System.Buffers;

namespace Intelligence.Consensus;

/// <summary>
/// One Yuma epoch of one subnet (subtensor's default mode), in the exact fixed-point arithmetic of docs/consensus.md.
/// Pure and deterministic: the same input always gives the same result, bit for bit.
/// </summary>
public static class YumaEpoch
{
    /// <summary>Runs the epoch. Throws <see cref="ArgumentException"/> when the input breaks a documented bound.</summary>
    public static EpochResult Run(EpochInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        input.Validate();
        var hp = input.Hyperparameters;
        var neurons = input.Neurons;
        int n = neurons.Count;

        var registeredAt = new ulong[n];
        for (int u = 0; u < n; u++)
        {
            registeredAt[u] = neurons[u].RegisteredAt;
        }

        // Step 1: activity.
        var active = new bool[n];
        for (int u = 0; u < n; u++)
        {
            ulong lastUpdate = neurons[u].LastUpdate;
            active[u] = lastUpdate >= input.Block || input.Block - lastUpdate <= hp.ActivityCutoff;
        }

        // Step 2: stake after the threshold, normalised stake, permits, active stake.
        var stake = new UInt128[n];
        UInt128 totalStake = UInt128.Zero;
        for (int u = 0; u < n; u++)
        {
            stake[u] = neurons[u].Stake >= hp.StakeThreshold ? neurons[u].Stake : UInt128.Zero;
            totalStake += stake[u];
        }
        var stakeQ = new ulong[n];
        for (int u = 0; u < n; u++)
        {
            stakeQ[u] = FixedPoint.AmountToQ(stake[u], totalStake);
        }
        var permit = TopKPermits(stake, hp.MaxValidators);

        // Rows of the working matrices: the permitted validators and every UID that holds old bonds (a validator
        // that lost its permit keeps its old bonds for this epoch: they decay and still earn dividends), by UID.
        var rowUid = new int[n];
        int k = 0;
        UInt128 activeTotal = UInt128.Zero;
        for (int u = 0; u < n; u++)
        {
            if (permit[u] || HasBonds(input.Bonds, u))
            {
                rowUid[k++] = u;
                if (permit[u] && active[u])
                {
                    activeTotal += stake[u];
                }
            }
        }
        var activeQ = new ulong[n];
        var rowStake = new ulong[k];
        for (int r = 0; r < k; r++)
        {
            int u = rowUid[r];
            if (permit[u] && active[u])
            {
                activeQ[u] = rowStake[r] = FixedPoint.AmountToQ(stake[u], activeTotal);
            }
        }

        // Step 8.2's column mask: UIDs registered since the last tempo (block - tempo <= registeredAt, saturating).
        var recent = new bool[n];
        for (int u = 0; u < n; u++)
        {
            recent[u] = input.Block <= hp.Tempo || input.Block - hp.Tempo <= registeredAt[u];
        }

        // Step 3: masked, row-normalised weights, column-major: W[j * k + r].
        // The k x n working matrices are pooled (they are most of an epoch's memory); all three go back at the end.
        ulong[] weightsBuffer = ArrayPool<ulong>.Shared.Rent(n * k);
        ushort[] oldBondsBuffer = ArrayPool<ushort>.Shared.Rent(n * k);
        ulong[] bondsBuffer = ArrayPool<ulong>.Shared.Rent(n * k);
        var weights = weightsBuffer.AsSpan(0, n * k);
        MaskedNormalizedWeights(input, rowUid.AsSpan(0, k), permit, registeredAt, weights);

        // Old bonds without the recently registered columns, column-major u16, with their column sums.
        var oldBonds = oldBondsBuffer.AsSpan(0, n * k);
        var oldColumnSum = new ulong[n];
        MaskedOldBonds(input, rowUid.AsSpan(0, k), recent, oldBonds, oldColumnSum);

        // Steps 4-9, column by column: consensus, clipping, trust, rank, bond weights, bond delta, EMA, normalisation, dividends.
        ulong totalActive = FixedPoint.Sum(rowStake);
        ulong kappaTimesTotal = hp.KappaPpm * totalActive;
        ulong beta = hp.BondsPenaltyPpm;
        ulong alpha = FixedPoint.Ppm - hp.BondsMovingAveragePpm;
        bool yuma3 = hp.Yuma3;
        var consensus = new ulong[n];
        var rank = new ulong[n];
        var wideRank = new UInt128[n];
        var wideDelta = new UInt128[k];
        var rowTrust = new ulong[k];
        var rowDividend = new UInt128[k];
        var bonds = bondsBuffer.AsSpan(0, n * k);
        var scratch = new ulong[k];
        for (int j = 0; j < n; j++)
        {
            var column = weights.Slice(j * k, k);
            var bondColumn = bonds.Slice(j * k, k);
            ulong c = totalActive == 0 ? 0 : WeightedMedian(column, rowStake, kappaTimesTotal, scratch);
            consensus[j] = c;

            UInt128 columnRankWide = UInt128.Zero;
            UInt128 deltaSum = UInt128.Zero;
            for (int r = 0; r < k; r++)
            {
                ulong w = column[r];
                ulong clipped = Math.Min(w, c);
                rowTrust[r] += clipped;
                ulong a = rowStake[r];
                ulong bondWeight = beta == FixedPoint.Ppm ? clipped : (((FixedPoint.Ppm - beta) * w) + (beta * clipped)) / FixedPoint.Ppm;
                columnRankWide += (UInt128)a * clipped;
                if (yuma3)
                {
                    // Yuma3 (step 8Y.1): the EMA is taken against the bond weights themselves.
                    bondColumn[r] = bondWeight;
                    continue;
                }
                UInt128 p = (UInt128)a * bondWeight;
                wideDelta[r] = p;
                deltaSum += p;
            }
            rank[j] = (ulong)(columnRankWide >> FixedPoint.FractionBits);
            wideRank[j] = columnRankWide;

            var oldColumn = oldBonds.Slice(j * k, k);
            ulong oldSum = oldColumnSum[j];
            ulong emaSum = 0;
            ulong emaMax = 0;
            for (int r = 0; r < k; r++)
            {
                ulong ema;
                if (yuma3)
                {
                    ulong old = ((ulong)oldColumn[r] << FixedPoint.FractionBits) / FixedPoint.U16Max;
                    ema = ((alpha * bondColumn[r]) + ((FixedPoint.Ppm - alpha) * old)) / FixedPoint.Ppm;
                }
                else
                {
                    ulong delta = deltaSum == UInt128.Zero ? 0 : WideDivQ(wideDelta[r], deltaSum);
                    ulong old = oldSum == 0 ? 0 : ((ulong)oldColumn[r] << FixedPoint.FractionBits) / oldSum;
                    ema = ((alpha * delta) + ((FixedPoint.Ppm - alpha) * old)) / FixedPoint.Ppm;
                }
                bondColumn[r] = ema;
                emaSum += ema;
                emaMax = Math.Max(emaMax, ema);
            }
            for (int r = 0; r < k; r++)
            {
                ulong ema = bondColumn[r];
                // Yuma3's column sums exceed ONE (each bond is a proportion of its own), hence the wide division there.
                ulong bond = emaSum == 0 ? 0 : yuma3 ? (ulong)(((UInt128)ema << FixedPoint.FractionBits) / emaSum) : FixedPoint.DivQ(ema, emaSum);
                // Step 9, column-local: dividends accumulate bond x rank exactly (rank, not incentive, which needs every column).
                rowDividend[r] += bond * columnRankWide;
                // Step 8.5 / 8Y.3: the stored u16, max-upscaled per column (original) or the EMA as a proportion (Yuma3);
                // only validators holding a permit keep a bonds row.
                bondColumn[r] = !permit[rowUid[r]] ? 0
                    : yuma3 ? (ema * FixedPoint.U16Max) >> FixedPoint.FractionBits
                    : emaMax == 0 ? 0 : (ema * FixedPoint.U16Max) / emaMax;
            }
        }

        if (yuma3)
        {
            // Step 9Y: the validator's bonded share of the incentive, times its active stake.
            for (int r = 0; r < k; r++)
            {
                rowDividend[r] = rowStake[r] == FixedPoint.One ? rowDividend[r] : (rowDividend[r] * rowStake[r]) >> FixedPoint.FractionBits;
            }
        }

        // Step 6's normalisation on the exact ranks (their total is at most 2^64).
        UInt128 rankSum = UInt128.Zero;
        foreach (var r in wideRank)
        {
            rankSum += r;
        }
        var incentive = new ulong[n];
        for (int j = 0; j < n; j++)
        {
            incentive[j] = rankSum == UInt128.Zero ? 0 : WideDivQ(wideRank[j], rankSum);
        }

        // Step 9's normalisation on the exact sums (their total is at most 2^96, see docs/consensus.md).
        UInt128 dividendSum = UInt128.Zero;
        foreach (var d in rowDividend)
        {
            dividendSum += d;
        }
        var dividends = new ulong[n];
        var trust = new ulong[n];
        for (int r = 0; r < k; r++)
        {
            dividends[rowUid[r]] = dividendSum == UInt128.Zero ? 0 : WideDivQ(rowDividend[r], dividendSum);
            trust[rowUid[r]] = rowTrust[r];
        }

        // Step 10: money.
        var emission = SplitEmission(input.Emission, hp.OwnerCutPpm, incentive, dividends, activeQ, stakeQ, out var ownerEmission);

        var newBonds = CompressBonds(bonds, rowUid.AsSpan(0, k), n);

        ArrayPool<ulong>.Shared.Return(weightsBuffer);
        ArrayPool<ushort>.Shared.Return(oldBondsBuffer);
        ArrayPool<ulong>.Shared.Return(bondsBuffer);

        return new EpochResult
        {
            Active = active,
            ValidatorPermit = permit,
            Stake = stakeQ,
            ActiveStake = activeQ,
            Rank = rank,
            Consensus = consensus,
            ValidatorTrust = trust,
            Incentive = incentive,
            Dividends = dividends,
            Emission = emission,
            OwnerEmission = ownerEmission,
            Bonds = newBonds,
        };
    }

    /// <summary>
    /// The kappa-stake-weighted median of one column (docs/consensus.md step 4): the largest weight v such that the
    /// validators weighting the column at least v hold at least kappa of the active stake; 0 when none does.
    /// </summary>
    /// <param name="column">Q32 weights of the column, by row (at most 4096 rows).</param>
    /// <param name="stake">Q32 active stake, by row.</param>
    /// <param name="kappaTimesTotal"><c>kappa (ppm) * sum(stake)</c>.</param>
    /// <param name="scratch">Scratch space of at least the column's length.</param>
    internal static ulong WeightedMedian(ReadOnlySpan<ulong> column, ReadOnlySpan<ulong> stake, ulong kappaTimesTotal, Span<ulong> scratch)
    {
        // Entries (weight, row) packed in one integer: weight <= 2^32 in the high bits, row < 4096 in the low 12 bits.
        int m = 0;
        for (int r = 0; r < column.Length; r++)
        {
            if (column[r] != 0 && stake[r] != 0)
            {
                scratch[m++] = (column[r] << RowBits) | (uint)r;
            }
        }

        // Weighted quickselect, O(k) expected: three-way partition [lo, hi) around a pivot weight into
        // greater | equal | smaller, keeping `above` = stake of entries already known to be greater than the range.
        int lo = 0, hi = m;
        ulong above = 0;
        while (lo < hi)
        {
            ulong pivot = scratch[lo + ((hi - lo) / 2)] >> RowBits;
            int greaterEnd = lo, i = lo, smallerStart = hi;
            ulong greater = 0, equal = 0;
            while (i < smallerStart)
            {
                ulong entry = scratch[i];
                ulong weight = entry >> RowBits;
                if (weight > pivot)
                {
                    scratch[i] = scratch[greaterEnd];
                    scratch[greaterEnd++] = entry;
                    greater += stake[(int)(entry & RowMask)];
                    i++;
                }
                else if (weight < pivot)
                {
                    scratch[i] = scratch[--smallerStart];
                    scratch[smallerStart] = entry;
                }
                else
                {
                    equal += stake[(int)(entry & RowMask)];
                    i++;
                }
            }
            if (greaterEnd > lo && FixedPoint.Ppm * (above + greater) >= kappaTimesTotal)
            {
                // Even the smallest greater weight has enough stake at or above it: the answer is among them.
                hi = greaterEnd;
            }
            else if (FixedPoint.Ppm * (above + greater + equal) >= kappaTimesTotal)
            {
                return pivot;
            }
            else
            {
                above += greater + equal;
                lo = smallerStart;
            }
        }
        return 0;
    }

    private const int RowBits = 12;
    private const ulong RowMask = (1UL << RowBits) - 1;

    /// <summary>Permits for the <paramref name="maxValidators"/> largest non-zero stakes, ties to the lower UID.</summary>
    internal static bool[] TopKPermits(ReadOnlySpan<UInt128> stake, int maxValidators)
    {
        int n = stake.Length;
        var order = new int[n];
        int candidates = 0;
        for (int u = 0; u < n; u++)
        {
            if (stake[u] != UInt128.Zero)
            {
                order[candidates++] = u;
            }
        }
        var ranked = order.AsSpan(0, candidates);
        var stakeCopy = stake.ToArray();
        ranked.Sort((a, b) => stakeCopy[a] != stakeCopy[b] ? stakeCopy[b].CompareTo(stakeCopy[a]) : a.CompareTo(b));
        var permit = new bool[n];
        for (int i = 0; i < Math.Min(maxValidators, candidates); i++)
        {
            permit[ranked[i]] = true;
        }
        return permit;
    }

    /// <summary>Step 10 of docs/consensus.md: owner cut, miner and validator pools, fallback, dust to the owner.</summary>
    internal static UInt128[] SplitEmission(
        UInt128 total, uint ownerCutPpm, ulong[] incentive, ulong[] dividends, ulong[] activeStake, ulong[] stake, out UInt128 ownerEmission)
    {
        int n = incentive.Length;
        UInt128 rest = total - FixedPoint.FractionOf(total, ownerCutPpm);
        ulong sumIncentive = FixedPoint.Sum(incentive);
        ulong sumDividends = FixedPoint.Sum(dividends);
        UInt128 minerPool = UInt128.Zero;
        UInt128 validatorPool = UInt128.Zero;
        ulong[] validatorShares = dividends;
        if (sumIncentive != 0)
        {
            minerPool = sumDividends != 0 ? rest / 2 : rest;
            validatorPool = rest - minerPool;
        }
        else
        {
            validatorShares = FixedPoint.Sum(activeStake) != 0 ? activeStake : stake;
            validatorPool = FixedPoint.Sum(validatorShares) != 0 ? rest : UInt128.Zero;
        }
        ulong sumValidatorShares = FixedPoint.Sum(validatorShares);

        var emission = new UInt128[n];
        UInt128 paid = UInt128.Zero;
        for (int u = 0; u < n; u++)
        {
            UInt128 e = UInt128.Zero;
            if (minerPool != UInt128.Zero && incentive[u] != 0)
            {
                e += minerPool * incentive[u] / sumIncentive;
            }
            if (validatorPool != UInt128.Zero && validatorShares[u] != 0)
            {
                e += validatorPool * validatorShares[u] / sumValidatorShares;
            }
            emission[u] = e;
            paid += e;
        }
        ownerEmission = total - paid;
        return emission;
    }

    /// <summary>Step 3: permitted rows' raw weights without self and outdated entries, row-normalised, column-major.</summary>
    private static void MaskedNormalizedWeights(EpochInput input, ReadOnlySpan<int> rowUid, bool[] permit, ulong[] registeredAt, Span<ulong> weights)
    {
        int k = rowUid.Length;
        weights.Clear();
        for (int r = 0; r < k; r++)
        {
            int u = rowUid[r];
            if (!permit[u])
            {
                continue;
            }
            ulong lastUpdate = input.Neurons[u].LastUpdate;
            var cols = input.Weights.Columns(u);
            var vals = input.Weights.Values(u);
            ulong rowSum = 0;
            for (int e = 0; e < cols.Length; e++)
            {
                if (Kept(u, cols[e], lastUpdate, registeredAt))
                {
                    rowSum += vals[e];
                }
            }
            if (rowSum == 0)
            {
                continue;
            }
            for (int e = 0; e < cols.Length; e++)
            {
                int j = cols[e];
                if (Kept(u, j, lastUpdate, registeredAt))
                {
                    weights[(j * k) + r] = ((ulong)vals[e] << FixedPoint.FractionBits) / rowSum;
                }
            }
        }
    }

    /// <summary>Step 8.2: the rows' old u16 bonds without the recently registered columns, column-major, with column sums.</summary>
    private static void MaskedOldBonds(EpochInput input, ReadOnlySpan<int> rowUid, bool[] recent, Span<ushort> oldBonds, Span<ulong> columnSum)
    {
        int k = rowUid.Length;
        oldBonds.Clear();
        for (int r = 0; r < k; r++)
        {
            int u = rowUid[r];
            var cols = input.Bonds.Columns(u);
            var vals = input.Bonds.Values(u);
            for (int e = 0; e < cols.Length; e++)
            {
                int j = cols[e];
                if (!recent[j])
                {
                    oldBonds[(j * k) + r] = vals[e];
                    columnSum[j] += vals[e];
                }
            }
        }
    }

    /// <summary><c>floor(x * 2^32 / sum)</c> for <c>0 &lt; sum &lt; 2^128</c>, <c>x &lt;= sum</c>, <c>x &lt; 2^96</c> unless <c>x == sum</c>.</summary>
    private static ulong WideDivQ(UInt128 x, UInt128 sum) => x >= sum ? FixedPoint.One : (ulong)((x << FixedPoint.FractionBits) / sum);

    private static bool HasBonds(SparseU16Matrix bonds, int u)
    {
        foreach (ushort v in bonds.Values(u))
        {
            if (v != 0)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Step 8.5: the new u16 bonds (already quantised, column-major) as compressed rows by validator UID.</summary>
    private static SparseU16Matrix CompressBonds(ReadOnlySpan<ulong> bonds, ReadOnlySpan<int> rowUid, int n)
    {
        int k = rowUid.Length;
        var rowStart = new int[n + 1];
        for (int r = 0; r < k; r++)
        {
            int count = 0;
            for (int j = 0; j < n; j++)
            {
                count += bonds[(j * k) + r] != 0 ? 1 : 0;
            }
            rowStart[rowUid[r] + 1] = count;
        }
        for (int u = 0; u < n; u++)
        {
            rowStart[u + 1] += rowStart[u];
        }
        var columns = new int[rowStart[n]];
        var values = new ushort[rowStart[n]];
        int at = 0;
        for (int r = 0; r < k; r++)
        {
            for (int j = 0; j < n; j++)
            {
                ushort q = (ushort)bonds[(j * k) + r];
                if (q != 0)
                {
                    columns[at] = j;
                    values[at] = q;
                    at++;
                }
            }
        }
        return SparseU16Matrix.FromCompressedRows(n, rowStart, columns, values);
    }

    /// <summary>Whether validator <paramref name="u"/>'s entry on <paramref name="j"/> survives the self and outdated masks.</summary>
    private static bool Kept(int u, int j, ulong lastUpdate, ulong[] registeredAt) =>
        j != u && lastUpdate > registeredAt[j];
}
