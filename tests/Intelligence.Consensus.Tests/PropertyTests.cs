using FsCheck;
using FsCheck.Fluent;
using Intelligence.Consensus.Cases;

namespace Intelligence.Consensus.Tests;

/// <summary>FsCheck properties over random cases (every case is built deterministically from a generated seed).</summary>
public class PropertyTests
{
    // Each run draws a fresh FsCheck seed. A failure's message (what CI prints) starts "Falsifiable, after N tests
    // (k shrinks) (seed,gamma)" and shows the generated case seed; to rerun exactly that run, use
    // Quick.WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed, gamma), FSharpOption<int>.None))).
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(250);

    private static Arbitrary<int> Seeds => Gen.Choose(0, int.MaxValue - 1).ToArbitrary();

    private static UInt128 Sum(IEnumerable<UInt128> values) => values.Aggregate(UInt128.Zero, (a, b) => a + b);

    [Fact]
    public void Emissions_PlusOwnerEmission_EqualTheEpochEmissionExactly()
    {
        Check.One(Quick, Prop.ForAll(Seeds, seed =>
        {
            var input = TestCases.Random(seed);
            var result = YumaEpoch.Run(input);
            return Sum(result.Emission) + result.OwnerEmission == input.Emission;
        }));
    }

    [Fact]
    public void OptimisedEpoch_EqualsTheNaiveTranscriptionOfTheSpec()
    {
        Check.One(Quick, Prop.ForAll(Seeds, seed =>
        {
            var input = TestCases.Random(seed);
            return CaseWriter.WriteResult(YumaEpoch.Run(input)) == CaseWriter.WriteResult(SpecModel.Run(input));
        }));
    }

    [Fact]
    public void PermutingUids_PermutesTheResult()
    {
        var cases = from seed in Gen.Choose(0, int.MaxValue - 1)
                    from shuffleSeed in Gen.Choose(0, int.MaxValue - 1)
                    select (seed, shuffleSeed);
        Check.One(Quick, Prop.ForAll(cases.ToArbitrary(), c =>
        {
            // Distinct stakes: a permit tie at the top-k boundary is broken by UID, which a renaming may change.
            var input = TestCases.Random(c.seed, distinctStakes: true);
            int n = input.Neurons.Count;
            var map = Enumerable.Range(0, n).ToArray();
            new Random(c.shuffleSeed).Shuffle(map);
            var plain = YumaEpoch.Run(input);
            var renamed = YumaEpoch.Run(TestCases.Permute(input, map));
            for (int u = 0; u < n; u++)
            {
                int v = map[u];
                bool same = plain.Active[u] == renamed.Active[v] && plain.ValidatorPermit[u] == renamed.ValidatorPermit[v]
                    && plain.Stake[u] == renamed.Stake[v] && plain.ActiveStake[u] == renamed.ActiveStake[v]
                    && plain.Consensus[u] == renamed.Consensus[v] && plain.ValidatorTrust[u] == renamed.ValidatorTrust[v]
                    && plain.Rank[u] == renamed.Rank[v] && plain.Incentive[u] == renamed.Incentive[v]
                    && plain.Dividends[u] == renamed.Dividends[v] && plain.Emission[u] == renamed.Emission[v];
                if (!same)
                {
                    return false;
                }
                for (int j = 0; j < n; j++)
                {
                    if (plain.Bonds[u, j] != renamed.Bonds[v, map[j]])
                    {
                        return false;
                    }
                }
            }
            return plain.OwnerEmission == renamed.OwnerEmission && plain.Bonds.Count == renamed.Bonds.Count;
        }));
    }

    [Fact]
    public void SameInput_GivesTheSameOutput_AlsoThroughTheCaseFormat()
    {
        Check.One(Quick, Prop.ForAll(Seeds, seed =>
        {
            var input = TestCases.Random(seed);
            string first = CaseWriter.WriteResult(YumaEpoch.Run(input));
            string again = CaseWriter.WriteResult(YumaEpoch.Run(input));
            string viaJson = CaseWriter.WriteResult(YumaEpoch.Run(CaseReader.Parse(CaseWriter.WriteCase(input))));
            return first == again && first == viaJson;
        }));
    }

    [Fact]
    public void CabalBelowKappa_CannotLiftItsMinerAboveTheHonestMaximum()
    {
        Check.One(Quick, Prop.ForAll(Seeds, seed =>
        {
            var (input, honest, cabal, colluder) = CabalCase(seed);
            var result = YumaEpoch.Run(input);
            ulong total = result.ActiveStake.Aggregate(0UL, (a, b) => a + b);
            ulong cabalStake = cabal.Aggregate(0UL, (a, i) => a + result.ActiveStake[i]);
            // Precondition, checked on the exact fixed-point stakes the epoch used.
            bool belowKappa = (FixedPoint.Ppm * cabalStake) < (input.Hyperparameters.KappaPpm * total);
            ulong maxHonest = honest.Max(i => NormalizedWeight(input, i, colluder));
            ulong consensus = result.Consensus[colluder];
            // A cabal validator weights only the colluder, so its trust is its clipped weight on it.
            bool clippedWithin = cabal.All(i => result.ValidatorTrust[i] <= consensus);
            return belowKappa && consensus <= maxHonest && clippedWithin;
        }));
    }

    [Fact]
    public void ZeroWeights_FallBackToStake()
    {
        Check.One(Quick, Prop.ForAll(Seeds, seed =>
        {
            var random = TestCases.Random(seed);
            var input = new EpochInput
            {
                Hyperparameters = random.Hyperparameters,
                Block = random.Block,
                Emission = random.Emission,
                Neurons = random.Neurons,
                Weights = SparseU16Matrix.Empty(random.Neurons.Count),
                Bonds = random.Bonds,
            };
            var result = YumaEpoch.Run(input);
            var follow = result.ActiveStake.Any(a => a != 0) ? result.ActiveStake : result.Stake;
            ulong sum = follow.Aggregate(0UL, (a, b) => a + b);
            UInt128 rest = input.Emission - FixedPoint.FractionOf(input.Emission, input.Hyperparameters.OwnerCutPpm);
            bool followsStake = Enumerable.Range(0, follow.Length)
                .All(u => result.Emission[u] == (sum == 0 ? UInt128.Zero : rest * follow[u] / sum));
            return result.Incentive.All(i => i == 0) && followsStake && Sum(result.Emission) + result.OwnerEmission == input.Emission;
        }));
    }

    [Fact]
    public void WeightedMedian_EqualsTheDefinitionByBruteForce()
    {
        Check.One(Quick, Prop.ForAll(Seeds, seed =>
        {
            var rng = new Random(seed);
            int k = rng.Next(1, 300);
            // Few distinct weights (many ties), some zero weights and zero stakes, occasionally ONE.
            ulong[] palette = [0, 1, 7, 1UL << 31, FixedPoint.One, (ulong)rng.NextInt64(1, 1L << 32)];
            var column = Enumerable.Range(0, k).Select(_ => rng.Next(4) == 0 ? (ulong)rng.NextInt64(0, 1L << 32) : palette[rng.Next(palette.Length)]).ToArray();
            var stake = Enumerable.Range(0, k).Select(_ => rng.Next(5) == 0 ? 0UL : (ulong)rng.Next(1, 1 << 20)).ToArray();
            ulong total = stake.Aggregate(0UL, (a, b) => a + b);
            ulong kappa = (ulong)rng.Next(0, 1_000_001);
            ulong expected = Enumerable.Range(0, k).Where(i => stake[i] != 0).Select(i => column[i]).Append(0UL)
                .Where(v => FixedPoint.Ppm * Enumerable.Range(0, k).Where(i => stake[i] != 0 && column[i] >= v).Aggregate(0UL, (a, i) => a + stake[i]) >= kappa * total)
                .Max();
            return YumaEpoch.WeightedMedian(column, stake, kappa * total, new ulong[k]) == expected;
        }));
    }

    /// <summary>Honest validators weight every miner; a cabal under kappa puts all its weight on one colluding miner.</summary>
    private static (EpochInput Input, int[] Honest, int[] Cabal, int Colluder) CabalCase(int seed)
    {
        var rng = new Random(seed);
        int h = rng.Next(1, 6), c = rng.Next(1, 4), m = rng.Next(2, 7);
        int n = h + c + m;
        uint kappa = (uint)rng.Next(500_000, 900_001);
        var honestStake = Enumerable.Range(0, h).Select(_ => (UInt128)rng.Next(1, 1_000_000) * TestCases.Token).ToArray();
        UInt128 honestTotal = honestStake.Aggregate(UInt128.Zero, (a, b) => a + b);
        // Cabal share f of the total, at least two points under kappa: cabal = honest * f / (1 - f).
        uint f = (uint)rng.Next(0, (int)kappa - 20_000);
        UInt128 cabalTotal = honestTotal * f / (FixedPoint.Ppm - f);
        var neurons = new Neuron[n];
        for (int i = 0; i < n; i++)
        {
            UInt128 stake = i < h ? honestStake[i] : i < h + c ? cabalTotal / (uint)c : UInt128.Zero;
            neurons[i] = new Neuron(stake, 990, 10);
        }
        int colluder = h + c + rng.Next(m);
        var weights = new SparseU16Matrix.Builder(n);
        for (int i = 0; i < h; i++)
        {
            for (int j = h + c; j < n; j++)
            {
                weights.Set(i, j, (ushort)rng.Next(0, 65536));
            }
        }
        for (int i = h; i < h + c; i++)
        {
            weights.Set(i, colluder, (ushort)rng.Next(1, 65536));
        }
        var input = new EpochInput
        {
            Hyperparameters = new Hyperparameters { KappaPpm = kappa, MaxValidators = h + c, MaxUids = n },
            Block = 1000,
            Emission = 1000 * TestCases.Token,
            Neurons = neurons,
            Weights = weights.Build(),
            Bonds = SparseU16Matrix.Empty(n),
        };
        return (input, Enumerable.Range(0, h).ToArray(), Enumerable.Range(h, c).ToArray(), colluder);
    }

    /// <summary>Validator i's weight on j after row normalisation (no masks apply in the cabal cases).</summary>
    private static ulong NormalizedWeight(EpochInput input, int i, int j)
    {
        ulong rowSum = 0;
        foreach (ushort v in input.Weights.Values(i))
        {
            rowSum += v;
        }
        return rowSum == 0 ? 0 : ((ulong)input.Weights[i, j] << 32) / rowSum;
    }
}
