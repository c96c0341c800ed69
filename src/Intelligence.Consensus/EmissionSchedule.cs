namespace Intelligence.Consensus;

/// <summary>
/// Token issuance (docs/consensus.md section 4): 1 token per block, halving each time issuance reaches
/// 10.5M, 15.75M, ... of the 21M cap, and the split of a block's reward between subnets.
/// </summary>
public static class EmissionSchedule
{
    /// <summary>Base units per token (18 decimals).</summary>
    public static readonly UInt128 Token = 1_000_000_000_000_000_000UL;

    /// <summary>The supply cap, 21M tokens in base units.</summary>
    public static readonly UInt128 Cap = 21_000_000 * Token;

    /// <summary>Issuance at which era <paramref name="era"/> ends: <c>Cap - (Cap &gt;&gt; (era + 1))</c>.</summary>
    public static UInt128 EraEnd(int era)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(era);
        return era >= 127 ? Cap : Cap - (Cap >> (era + 1));
    }

    /// <summary>The halving era for a given issuance: the smallest k with issuance below <see cref="EraEnd"/>(k); -1 at or past the cap.</summary>
    public static int Era(UInt128 issuance)
    {
        if (issuance >= Cap)
        {
            return -1;
        }
        int era = 0;
        while (issuance >= EraEnd(era))
        {
            era++;
        }
        return era;
    }

    /// <summary>The reward (base units) of the next block given the issuance so far; never crosses an era's end.</summary>
    public static UInt128 BlockReward(UInt128 issuance)
    {
        int era = Era(issuance);
        if (era < 0 || era >= 64)
        {
            return UInt128.Zero;
        }
        UInt128 reward = Token >> era;
        UInt128 room = EraEnd(era) - issuance;
        return reward < room ? reward : room;
    }

    /// <summary>
    /// Splits <paramref name="reward"/> between subnets proportionally to <paramref name="weights"/> (e.g. each
    /// subnet's total stake; all taken as 1 when they sum to zero). The integer remainder goes to the subnet with the
    /// largest weight, ties to the lowest index, so the shares sum to the reward exactly.
    /// </summary>
    public static UInt128[] SplitBetweenSubnets(UInt128 reward, ReadOnlySpan<UInt128> weights)
    {
        int m = weights.Length;
        var shares = new UInt128[m];
        if (m == 0)
        {
            return shares;
        }
        if (reward >= FixedPoint.AmountLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(reward), reward, "reward must be below 2^96");
        }
        UInt128 total = UInt128.Zero;
        foreach (var w in weights)
        {
            total += w;
            if (total >= FixedPoint.AmountLimit)
            {
                throw new ArgumentOutOfRangeException(nameof(weights), total, "the sum of subnet weights must be below 2^96");
            }
        }
        bool equal = total == UInt128.Zero;
        UInt128 divisor = equal ? (UInt128)m : total;
        UInt128 paid = UInt128.Zero;
        int largest = 0;
        for (int s = 0; s < m; s++)
        {
            UInt128 w = equal ? UInt128.One : weights[s];
            shares[s] = reward * w / divisor;
            paid += shares[s];
            if (!equal && weights[s] > weights[largest])
            {
                largest = s;
            }
        }
        shares[largest] += reward - paid;
        return shares;
    }
}
