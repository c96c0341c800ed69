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

        // Rows of the working matrices are the permitted validators, by ascending UID.
        var rowUid = new int[n];
        int k = 0;
        UInt128 activeTotal = UInt128.Zero;
        for (int u = 0; u < n; u++)
        {
            if (permit[u])
            {
                rowUid[k++] = u;
                if (active[u])
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
            if (active[u])
            {
                activeQ[u] = rowStake[r] = FixedPoint.AmountToQ(stake[u], activeTotal);
            }
        }

        // Step 3: masked, row-normalised weights, column-major: W[j * k + r].
        // The k x n working matrices are pooled (they are most of an epoch's memory); all three go back at the end.
        ulong[] weightsBuffer = ArrayPool<ulong>.Shared.Rent(n * k);
        ushort[] oldBondsBuffer = ArrayPool<ushort>.Shared.Rent(n * k);
        ulong[] bondsBuffer = ArrayPool<ulong>.Shared.Rent(n * k);
        var weights = weightsBuffer.AsSpan(0, n * k);
        weights.Clear();
        for (int r = 0; r < k; r++)
        {
            int u = rowUid[r];
            ulong lastUpdate = neurons[u].LastUpdate;
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
                    weights[j * k + r] = ((ulong)vals[e] << FixedPoint.FractionBits) / rowSum;
                }
            }
        }

        // Old bonds, masked, column-major u16, with their column sums.
        var oldBonds = oldBondsBuffer.AsSpan(0, n * k);
        oldBonds.Clear();
        var oldColumnSum = new ulong[n];
        for (int r = 0; r < k; r++)
        {
            int u = rowUid[r];
            ulong lastUpdate = neurons[u].LastUpdate;
            var cols = input.Bonds.Columns(u);
            var vals = input.Bonds.Values(u);
            for (int e = 0; e < cols.Length; e++)
            {
                int j = cols[e];
                if (Kept(u, j, lastUpdate, registeredAt))
                {
                    oldBonds[j * k + r] = vals[e];
                    oldColumnSum[j] += vals[e];
                }
            }
        }

        // Steps 4-9, column by column: consensus, clipping, trust, rank, bond weights, bond delta, EMA, normalisation, dividends.
        ulong totalActive = FixedPoint.Sum(rowStake);
        ulong kappaTimesTotal = hp.KappaPpm * totalActive;
        ulong beta = hp.BondsPenaltyPpm;
        ulong alpha = FixedPoint.Ppm - hp.BondsMovingAveragePpm;
        var consensus = new ulong[n];
        var rank = new ulong[n];
        var rowTrust = new ulong[k];
        var rowDividend = new ulong[k];
        var bonds = bondsBuffer.AsSpan(0, n * k);
        var scratch = new ulong[k];
        for (int j = 0; j < n; j++)
        {
            var column = weights.Slice(j * k, k);
            var bondColumn = bonds.Slice(j * k, k);
            ulong c = totalActive == 0 ? 0 : WeightedMedian(column, rowStake, kappaTimesTotal, scratch);
            consensus[j] = c;

            ulong columnRank = 0;
            ulong deltaSum = 0;
            for (int r = 0; r < k; r++)
            {
                ulong w = column[r];
                ulong clipped = Math.Min(w, c);
                rowTrust[r] += clipped;
                ulong a = rowStake[r];
                if (a == 0)
                {
                    bondColumn[r] = 0;
                    continue;
                }
                columnRank += FixedPoint.MulQ(a, clipped);
                ulong bondWeight = beta == FixedPoint.Ppm ? clipped : (((FixedPoint.Ppm - beta) * w) + (beta * clipped)) / FixedPoint.Ppm;
                ulong p = FixedPoint.MulQ(a, bondWeight);
                bondColumn[r] = p;
                deltaSum += p;
            }
            rank[j] = columnRank;

            var oldColumn = oldBonds.Slice(j * k, k);
            ulong oldSum = oldColumnSum[j];
            ulong emaSum = 0;
            for (int r = 0; r < k; r++)
            {
                ulong delta = deltaSum == 0 ? 0 : FixedPoint.DivQ(bondColumn[r], deltaSum);
                ulong old = oldSum == 0 ? 0 : ((ulong)oldColumn[r] << FixedPoint.FractionBits) / oldSum;
                ulong ema = ((alpha * delta) + ((FixedPoint.Ppm - alpha) * old)) / FixedPoint.Ppm;
                bondColumn[r] = ema;
                emaSum += ema;
            }
            for (int r = 0; r < k; r++)
            {
                ulong bond = emaSum == 0 ? 0 : FixedPoint.DivQ(bondColumn[r], emaSum);
                bondColumn[r] = bond;
                // Step 9, column-local: dividends accumulate bond x rank (not incentive, which needs every column).
                rowDividend[r] += FixedPoint.MulQ(bond, columnRank);
            }
        }

        var incentive = (ulong[])rank.Clone();
        FixedPoint.NormalizeInPlace(incentive);

        FixedPoint.NormalizeInPlace(rowDividend);
        var dividends = new ulong[n];
        var trust = new ulong[n];
        for (int r = 0; r < k; r++)
        {
            dividends[rowUid[r]] = rowDividend[r];
            trust[rowUid[r]] = rowTrust[r];
        }

        // Step 10: money.
        var emission = SplitEmission(input.Emission, hp.OwnerCutPpm, incentive, dividends, activeQ, stakeQ, out var ownerEmission);

        // New u16 bonds, compressed rows by validator UID (quantised twice rather than stored: count, then fill).
        var bondRowStart = new int[n + 1];
        for (int r = 0; r < k; r++)
        {
            int count = 0;
            for (int j = 0; j < n; j++)
            {
                count += Quantise(bonds[(j * k) + r]) != 0 ? 1 : 0;
            }
            bondRowStart[rowUid[r] + 1] = count;
        }
        for (int u = 0; u < n; u++)
        {
            bondRowStart[u + 1] += bondRowStart[u];
        }
        var bondColumns = new int[bondRowStart[n]];
        var bondValues = new ushort[bondRowStart[n]];
        int at = 0;
        for (int r = 0; r < k; r++)
        {
            for (int j = 0; j < n; j++)
            {
                ushort q = Quantise(bonds[(j * k) + r]);
                if (q != 0)
                {
                    bondColumns[at] = j;
                    bondValues[at] = q;
                    at++;
                }
            }
        }

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
            Bonds = SparseU16Matrix.FromCompressedRows(n, bondRowStart, bondColumns, bondValues),
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

    /// <summary>A Q32 bond as the stored u16: <c>floor(b * 65535 / 2^32)</c>.</summary>
    private static ushort Quantise(ulong bond) => (ushort)((bond * FixedPoint.U16Max) >> FixedPoint.FractionBits);

    /// <summary>Whether validator <paramref name="u"/>'s entry on <paramref name="j"/> survives the self and outdated masks.</summary>
    private static bool Kept(int u, int j, ulong lastUpdate, ulong[] registeredAt) =>
        j != u && lastUpdate > registeredAt[j];
}
