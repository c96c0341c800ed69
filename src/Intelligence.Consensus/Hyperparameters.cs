namespace Intelligence.Consensus;

/// <summary>
/// A subnet's consensus hyperparameters with the anchor's (subtensor) defaults. Fractions are parts per million
/// (<c>500_000</c> = 0.5) so that every implementation reads them identically.
/// </summary>
public sealed record Hyperparameters
{
    /// <summary>Largest subnet size the epoch supports (bounds the fixed-point intermediates).</summary>
    public const int MaxNeurons = 4096;

    /// <summary>The anchor's defaults.</summary>
    public static Hyperparameters Default { get; } = new();

    /// <summary>Blocks between epochs; the epoch resets old bonds on UIDs registered within the last tempo.</summary>
    public ushort Tempo { get; init; } = 360;

    /// <summary>Majority fraction for the stake-weighted median, in ppm.</summary>
    public uint KappaPpm { get; init; } = 500_000;

    /// <summary>How much of the old bonds an epoch keeps, in ppm (the EMA factor is <c>10^6 - this</c>).</summary>
    public uint BondsMovingAveragePpm { get; init; } = 900_000;

    /// <summary>Beta: how far bond weights move from the raw weights to the clipped weights, in ppm.</summary>
    public uint BondsPenaltyPpm { get; init; } = 1_000_000;

    /// <summary>Number of validator permits (top-k stake).</summary>
    public int MaxValidators { get; init; } = 64;

    /// <summary>Maximum number of neurons in the subnet.</summary>
    public int MaxUids { get; init; } = 256;

    /// <summary>Blocks without a weight update after which a neuron is inactive.</summary>
    public ulong ActivityCutoff { get; init; } = 5000;

    /// <summary>Subnet owner's share of each epoch's emission, in ppm.</summary>
    public uint OwnerCutPpm { get; init; } = 180_000;

    /// <summary>Stake (base units) below which a neuron's stake counts as zero.</summary>
    public UInt128 StakeThreshold { get; init; } = UInt128.Zero;

    /// <summary>Blocks a newly registered neuron is protected from pruning (not used by the epoch).</summary>
    public ulong ImmunityPeriod { get; init; } = 4096;

    /// <summary>Minimum blocks between two weight updates of a validator (not used by the epoch).</summary>
    public ulong WeightsRateLimit { get; init; } = 100;

    /// <summary>Whether weights are committed and later revealed (not used by the epoch).</summary>
    public bool CommitReveal { get; init; } = true;

    /// <summary>
    /// Yuma3 bonds (subtensor's <c>Yuma3On</c>): bonds are fixed proportions moved per pair towards the bond weights,
    /// and dividends weigh the bonded incentive by active stake. Off: subtensor's original Yuma bonds.
    /// </summary>
    public bool Yuma3 { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> (parameter name = the case-format field name) when a value is out of range.</summary>
    public void Validate()
    {
        RequirePpm(KappaPpm, "kappa");
        RequirePpm(BondsMovingAveragePpm, "bondsMovingAverage");
        RequirePpm(BondsPenaltyPpm, "bondsPenalty");
        RequirePpm(OwnerCutPpm, "ownerCut");
        if (Tempo == 0)
        {
            throw new ArgumentOutOfRangeException("tempo", Tempo, "tempo must be at least 1 block");
        }
        if (MaxUids is < 1 or > MaxNeurons)
        {
            throw new ArgumentOutOfRangeException("maxUids", MaxUids, $"maxUids must be in 1..{MaxNeurons}");
        }
        if (MaxValidators < 1 || MaxValidators > MaxUids)
        {
            throw new ArgumentOutOfRangeException("maxValidators", MaxValidators, $"maxValidators must be in 1..maxUids ({MaxUids})");
        }
        if (StakeThreshold >= FixedPoint.AmountLimit)
        {
            throw new ArgumentOutOfRangeException("stakeThreshold", StakeThreshold, "stakeThreshold must be below 2^96");
        }
    }

    private static void RequirePpm(uint value, string name)
    {
        if (value > FixedPoint.Ppm)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be a fraction in [0, 1] (0..{FixedPoint.Ppm} ppm)");
        }
    }
}
