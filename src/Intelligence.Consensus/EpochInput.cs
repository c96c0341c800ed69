namespace Intelligence.Consensus;

/// <summary>Everything one epoch of one subnet reads: hyperparameters, the block, the emission and the neurons' state.</summary>
public sealed class EpochInput
{
    /// <summary>The subnet's hyperparameters.</summary>
    public Hyperparameters Hyperparameters { get; init; } = Hyperparameters.Default;

    /// <summary>The block at which the epoch runs.</summary>
    public required ulong Block { get; init; }

    /// <summary>Tokens (base units) this epoch distributes.</summary>
    public required UInt128 Emission { get; init; }

    /// <summary>The neurons; the index is the UID.</summary>
    public required IReadOnlyList<Neuron> Neurons { get; init; }

    /// <summary>Raw u16 weights, validator UID x miner UID.</summary>
    public required SparseU16Matrix Weights { get; init; }

    /// <summary>Raw u16 bonds left by the previous epoch, validator UID x miner UID.</summary>
    public required SparseU16Matrix Bonds { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> when the input breaks a bound of docs/consensus.md.</summary>
    public void Validate()
    {
        Hyperparameters.Validate();
        int n = Neurons.Count;
        if (n > Hyperparameters.MaxUids)
        {
            throw new ArgumentException($"{n} neurons exceed maxUids ({Hyperparameters.MaxUids})", nameof(Neurons));
        }
        if (Weights.Size != n || Bonds.Size != n)
        {
            throw new ArgumentException($"weights ({Weights.Size}) and bonds ({Bonds.Size}) must be {n} x {n}", nameof(Weights));
        }
        if (Emission >= FixedPoint.AmountLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(Emission), Emission, "emission must be below 2^96");
        }
        UInt128 total = UInt128.Zero;
        foreach (var neuron in Neurons)
        {
            if (neuron.Stake >= FixedPoint.AmountLimit)
            {
                throw new ArgumentOutOfRangeException(nameof(Neurons), neuron.Stake, "a stake must be below 2^96");
            }
            total += neuron.Stake;
            if (total >= FixedPoint.AmountLimit)
            {
                throw new ArgumentOutOfRangeException(nameof(Neurons), total, "the sum of stakes must be below 2^96");
            }
        }
    }
}
