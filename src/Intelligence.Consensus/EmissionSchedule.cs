namespace Intelligence.Consensus;

/// <summary>
/// Token issuance (docs/consensus.md section 4.1): 1 token per block, halving each time issuance reaches
/// 10.5M, 15.75M, ... of the 21M cap.
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
    /// The total reward of <paramref name="blocks"/> consecutive blocks starting at <paramref name="issuance"/>:
    /// <see cref="BlockReward"/> applied block by block, computed era by era in closed form.
    /// </summary>
    public static UInt128 RewardOverBlocks(UInt128 issuance, ulong blocks)
    {
        UInt128 start = issuance;
        while (blocks > 0)
        {
            int era = Era(issuance);
            if (era < 0 || era >= 64)
            {
                break;
            }
            UInt128 reward = Token >> era;
            if (reward == UInt128.Zero)
            {
                break;
            }
            UInt128 room = EraEnd(era) - issuance;
            UInt128 full = room / reward;
            ulong taken = full < blocks ? (ulong)full : blocks;
            issuance += taken * reward;
            blocks -= taken;
            UInt128 tail = room % reward;
            if (blocks > 0 && tail != UInt128.Zero)
            {
                issuance += tail;
                blocks--;
            }
        }
        return issuance - start;
    }
}
