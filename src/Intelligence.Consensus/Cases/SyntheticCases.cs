namespace Intelligence.Consensus.Cases;

/// <summary>Deterministic synthetic cases (by seed) for benchmarks, simulations and golden vectors.</summary>
public static class SyntheticCases
{
    private static readonly UInt128 Token = EmissionSchedule.Token;

    /// <summary>
    /// A dense case: UIDs <c>0..validators-1</c> are staked validators that weight every other UID and hold old bonds on
    /// them; the rest are unstaked miners, a few of them registered after the validators' last update (masked).
    /// </summary>
    public static EpochInput Dense(int neurons, int validators, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(neurons, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(neurons, Hyperparameters.MaxNeurons);
        ArgumentOutOfRangeException.ThrowIfLessThan(validators, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(validators, neurons);
        var rng = new Random(seed);
        const ulong block = 100_000;
        var list = new Neuron[neurons];
        for (int u = 0; u < neurons; u++)
        {
            bool validator = u < validators;
            UInt128 stake = validator ? ((UInt128)rng.Next(1_000, 1_000_000) * Token) + (ulong)rng.NextInt64() : UInt128.Zero;
            ulong registeredAt = !validator && rng.Next(32) == 0 ? block - 1 : (ulong)rng.Next(0, 50_000);
            list[u] = new Neuron(stake, block - 10 - (ulong)rng.Next(0, 100), registeredAt);
        }
        var weights = new SparseU16Matrix.Builder(neurons);
        var bonds = new SparseU16Matrix.Builder(neurons);
        for (int i = 0; i < validators; i++)
        {
            for (int j = 0; j < neurons; j++)
            {
                if (j != i)
                {
                    weights.Set(i, j, (ushort)rng.Next(1, 65536));
                    bonds.Set(i, j, (ushort)rng.Next(0, 65536));
                }
            }
        }
        return new EpochInput
        {
            Hyperparameters = new Hyperparameters { MaxUids = neurons, MaxValidators = validators },
            Block = block,
            Emission = 360 * Token,
            Neurons = list,
            Weights = weights.Build(),
            Bonds = bonds.Build(),
        };
    }
}
