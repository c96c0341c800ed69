namespace Intelligence.Consensus;

/// <summary>
/// The outcome of one epoch, per UID. Fractions are Q32 (<c>x / 2^32</c>); emissions are exact base units and,
/// with <see cref="OwnerEmission"/>, sum to the epoch's emission.
/// </summary>
public sealed class EpochResult
{
    /// <summary>Whether each UID updated within the activity cutoff.</summary>
    public required bool[] Active { get; init; }

    /// <summary>Whether each UID holds a validator permit (top-k stake).</summary>
    public required bool[] ValidatorPermit { get; init; }

    /// <summary>Normalised stake after the stake threshold (Q32).</summary>
    public required ulong[] Stake { get; init; }

    /// <summary>Normalised stake of active, permitted validators (Q32).</summary>
    public required ulong[] ActiveStake { get; init; }

    /// <summary>Stake-weighted sum of clipped weights per miner (Q32).</summary>
    public required ulong[] Rank { get; init; }

    /// <summary>Kappa-stake-weighted median weight per miner (Q32).</summary>
    public required ulong[] Consensus { get; init; }

    /// <summary>Sum of each validator's clipped weights (Q32).</summary>
    public required ulong[] ValidatorTrust { get; init; }

    /// <summary>Normalised rank (Q32).</summary>
    public required ulong[] Incentive { get; init; }

    /// <summary>Normalised bond-weighted incentive per validator (Q32).</summary>
    public required ulong[] Dividends { get; init; }

    /// <summary>Tokens (base units) each UID receives.</summary>
    public required UInt128[] Emission { get; init; }

    /// <summary>Tokens (base units) the subnet owner receives: the owner cut plus all rounding dust.</summary>
    public required UInt128 OwnerEmission { get; init; }

    /// <summary>The new u16 bonds, validator UID x miner UID.</summary>
    public required SparseU16Matrix Bonds { get; init; }
}
