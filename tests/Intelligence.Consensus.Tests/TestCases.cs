using Intelligence.Consensus.Cases;

namespace Intelligence.Consensus.Tests;

/// <summary>Deterministic case generators (by seed) for property tests, golden vectors and benchmarks-sized inputs.</summary>
internal static class TestCases
{
    public static readonly UInt128 Token = 1_000_000_000_000_000_000UL;

    /// <summary>A small random case exercising every mask: inactive, below threshold, no permit, self, outdated, recently registered, old bonds; the bonds mode is drawn from the seed unless <paramref name="yuma3"/> is given.</summary>
    public static EpochInput Random(int seed, bool distinctStakes = false, int maxNeurons = 16, bool? yuma3 = null)
    {
        var rng = new Random(seed);
        int n = rng.Next(1, maxNeurons + 1);
        ulong block = (ulong)rng.Next(500, 2000);
        var hp = new Hyperparameters
        {
            KappaPpm = Pick(rng, 500_000u, (uint)rng.Next(0, 1_000_001), 0u, 1_000_000u),
            BondsMovingAveragePpm = Pick(rng, 900_000u, (uint)rng.Next(0, 1_000_001), 1_000_000u, 0u),
            BondsPenaltyPpm = Pick(rng, 1_000_000u, (uint)rng.Next(0, 1_000_001), 0u),
            MaxValidators = rng.Next(1, n + 1),
            MaxUids = n + rng.Next(0, 3),
            ActivityCutoff = (ulong)rng.Next(0, 300),
            OwnerCutPpm = Pick(rng, 180_000u, (uint)rng.Next(0, 1_000_001), 0u, 1_000_000u),
            StakeThreshold = rng.Next(4) == 0 ? RandomAmount(rng, 70) : UInt128.Zero,
        };
        hp = hp with { Tempo = Pick(rng, (ushort)360, (ushort)rng.Next(1, 600), (ushort)1) };
        hp = hp with { Yuma3 = yuma3 ?? rng.Next(2) == 0 };
        var neurons = new Neuron[n];
        for (int u = 0; u < n; u++)
        {
            UInt128 stake = rng.Next(10) < 3 ? UInt128.Zero : RandomAmount(rng, 90);
            if (distinctStakes && stake != UInt128.Zero)
            {
                stake = (stake << 5) + (UInt128)(u + 1);
            }
            ulong lastUpdate = block - (ulong)rng.Next(0, 400);
            ulong registeredAt = rng.Next(5) == 0 ? block - (ulong)rng.Next(0, 200) : (ulong)rng.Next(0, 400);
            neurons[u] = new Neuron(stake, lastUpdate, registeredAt);
        }
        return new EpochInput
        {
            Hyperparameters = hp,
            Block = block,
            Emission = rng.Next(8) == 0 ? UInt128.Zero : RandomAmount(rng, 95),
            Neurons = neurons,
            Weights = RandomMatrix(rng, n, 0.75, 0.6),
            Bonds = rng.Next(2) == 0 ? SparseU16Matrix.Empty(n) : RandomMatrix(rng, n, 0.5, 0.5),
        };
    }

    /// <summary>A dense case (the library's synthetic generator, shared with the benchmarks).</summary>
    public static EpochInput Dense(int n, int validators, int seed) => SyntheticCases.Dense(n, validators, seed);

    /// <summary>The same case with UID u renamed to map[u].</summary>
    public static EpochInput Permute(EpochInput input, int[] map)
    {
        var neurons = new Neuron[input.Neurons.Count];
        for (int u = 0; u < neurons.Length; u++)
        {
            neurons[map[u]] = input.Neurons[u];
        }
        return new EpochInput
        {
            Hyperparameters = input.Hyperparameters,
            Block = input.Block,
            Emission = input.Emission,
            Neurons = neurons,
            Weights = input.Weights.Permute(map),
            Bonds = input.Bonds.Permute(map),
        };
    }

    public static UInt128 RandomAmount(Random rng, int maxBits)
    {
        int bits = rng.Next(0, maxBits + 1);
        UInt128 value = new((ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 40), (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 33));
        return bits == 0 ? UInt128.Zero : value >> (128 - bits);
    }

    private static SparseU16Matrix RandomMatrix(Random rng, int n, double rowChance, double cellChance)
    {
        var builder = new SparseU16Matrix.Builder(n);
        ushort[] common = [1, 100, 30_000, 65_535];
        for (int i = 0; i < n; i++)
        {
            if (rng.NextDouble() >= rowChance)
            {
                continue;
            }
            for (int j = 0; j < n; j++)
            {
                if (rng.NextDouble() < cellChance)
                {
                    // Common values make ties in the median likely.
                    builder.Set(i, j, rng.Next(3) == 0 ? common[rng.Next(common.Length)] : (ushort)rng.Next(0, 65536));
                }
            }
        }
        return builder.Build();
    }

    private static T Pick<T>(Random rng, params T[] options) => options[rng.Next(options.Length)];
}
