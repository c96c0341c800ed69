
namespace Intelligence.Consensus.Tests;

/// <summary>
/// The golden vectors of tests/fixtures/consensus: each case is built here, written as NAME.json, and its result as
/// NAME.expected.json. <see cref="GoldenVectorTests"/> checks the files against this catalog and the epoch.
/// </summary>
internal static class FixtureCatalog
{
    public sealed record Fixture(string Name, string Description, Func<EpochInput> Build, bool Compact = false);

    private static readonly UInt128 Token = TestCases.Token;

    public static IReadOnlyList<Fixture> All { get; } =
    [
        new("issue-example", "The shape from issue 2: one validator, two miners, one old bond.", IssueExample),
        new("hand-two-validators", "Hand-checked (docs/consensus.md section 8): median, clipping, trust, rank, bonds, dividends, money.", TwoValidators),
        new("hand-cabal", "Hand-checked: a 40% cabal weights its own miner; consensus clips it to 0.", Cabal),
        new("fallback-active-stake", "No weights at all: the non-owner emission follows active stake (the inactive validator gets nothing).", FallbackActiveStake),
        new("fallback-stake-all-inactive", "Every validator is inactive: no consensus, emission follows plain stake.", FallbackAllInactive),
        new("no-stake", "Nobody has stake: the owner receives the whole emission.", NoStake),
        new("stake-threshold", "A validator below stakeThreshold counts as unstaked: no permit, no influence.", StakeThreshold),
        new("permits-top-k", "Five stakers, three permits, a stake tie at the boundary goes to the lower UID.", PermitsTopK),
        new("self-and-outdated", "Self-weights are dropped; weights and old bonds on a miner re-registered after the validator's update are dropped.", SelfAndOutdated),
        new("bonds-ema-penalty", "Old bonds with bondsMovingAverage 0.5 and bondsPenalty 0.5 (bond weights between raw and clipped).", BondsEmaPenalty),
        new("dividends-zero", "bondsMovingAverage 1 and no old bonds: no dividends, the miners' incentive takes all non-owner emission.", DividendsZero),
        new("median-ties", "kappa 0.6 with groups of equal weights: the median is decided after a whole group of ties.", MedianTies),
        new("median-kappa-one", "kappa 1: consensus is the smallest weight among staked validators (0 if one gives none).", MedianKappaOne),
        new("reregistered-uid", "UID 2 re-registered within the last tempo: the old occupant's backer keeps no bond on the new miner, even after updating its weights.", ReregisteredUid),
        new("permit-loss", "A validator that lost its permit keeps its old bonds for this epoch (they decay and earn dividends) but no bonds row afterwards.", PermitLoss),
        new("yuma3-bonds", "Yuma3: bonds are proportions moved per pair towards the bond weights; dividends weigh bonded incentive by active stake.", Yuma3Bonds),
        new("yuma3-reregistered-permit-loss", "Yuma3 with a re-registered UID and a validator that lost its permit.", Yuma3ReregisteredPermitLoss),
        new("random-a", "Random small case (seed 11): every mask, random hyperparameters.", () => TestCases.Random(11)),
        new("random-b", "Random small case (seed 12): every mask, random hyperparameters.", () => TestCases.Random(12)),
        new("random-c", "Random small case (seed 29): every mask, random hyperparameters.", () => TestCases.Random(29)),
        new("yuma3-random", "Random small case (seed 13) in Yuma3 mode.", () => TestCases.Random(13, yuma3: true)),
        new("dense-256x64", "Dense 256 UIDs x 64 validators with old bonds (the contract's default bound).", () => TestCases.Dense(256, 64, 1), Compact: true),
        new("yuma3-dense-256x64", "The dense 256 x 64 case in Yuma3 mode.", () => Yuma3Of(TestCases.Dense(256, 64, 1)), Compact: true),
    ];

    public static Fixture Get(string name) => All.Single(f => f.Name == name);

    private static EpochInput Case(ulong block, UInt128 emission, Neuron[] neurons, Action<SparseU16Matrix.Builder> weights,
        Action<SparseU16Matrix.Builder>? bonds = null, Hyperparameters? hp = null)
    {
        var w = new SparseU16Matrix.Builder(neurons.Length);
        weights(w);
        var b = new SparseU16Matrix.Builder(neurons.Length);
        bonds?.Invoke(b);
        return new EpochInput
        {
            Hyperparameters = hp ?? Hyperparameters.Default,
            Block = block,
            Emission = emission,
            Neurons = neurons,
            Weights = w.Build(),
            Bonds = b.Build(),
        };
    }

    private static Neuron N(ulong tokens, ulong lastUpdate = 990, ulong registeredAt = 10) => new(tokens * Token, lastUpdate, registeredAt);

    private static EpochInput IssueExample() => Case(10_000, 1000 * Token,
        [N(5000, 9990, 100), N(0, 9990, 100), N(0, 9990, 100)],
        w => w.Set(0, 1, 65535).Set(0, 2, 30000),
        b => b.Set(0, 1, 1234));

    private static EpochInput TwoValidators() => Case(1000, 1000 * Token,
        [N(300), N(100), N(0), N(0)],
        w => w.Set(0, 2, 65535).Set(0, 3, 65535).Set(1, 2, 65535));

    private static EpochInput Cabal() => Case(1000, 1000 * Token,
        [N(20), N(20), N(20), N(40), N(0), N(0)],
        w => w.Set(0, 4, 1).Set(1, 4, 1).Set(2, 4, 1).Set(3, 5, 1));

    private static EpochInput FallbackActiveStake() => Case(5500, 1000 * Token,
        [N(300, lastUpdate: 5490), N(100, lastUpdate: 100), N(0, lastUpdate: 5490)],
        _ => { });

    private static EpochInput FallbackAllInactive() => Case(10_000, 1000 * Token,
        [N(300, lastUpdate: 100), N(100, lastUpdate: 200), N(0)],
        w => w.Set(0, 2, 100).Set(1, 2, 100));

    private static EpochInput NoStake() => Case(1000, 1000 * Token,
        [N(0), N(0), N(0)],
        w => w.Set(0, 1, 100));

    private static EpochInput StakeThreshold() => Case(1000, 1000 * Token,
        [N(300), N(5), N(0), N(0)],
        w => w.Set(0, 2, 100).Set(1, 3, 100),
        hp: Hyperparameters.Default with { StakeThreshold = 10 * Token });

    private static EpochInput PermitsTopK() => Case(1000, 1000 * Token,
        [N(10), N(50), N(30), N(20), N(20), N(0), N(0)],
        w => w.Set(0, 5, 1).Set(1, 5, 3).Set(1, 6, 1).Set(2, 6, 1).Set(3, 5, 1).Set(4, 6, 1),
        hp: Hyperparameters.Default with { MaxValidators = 3 });

    private static EpochInput SelfAndOutdated() => Case(1000, 1000 * Token,
        [N(60, lastUpdate: 900), N(40, lastUpdate: 950), N(0, registeredAt: 920), N(0)],
        w => w.Set(0, 0, 65535).Set(0, 2, 40000).Set(0, 3, 20000).Set(1, 1, 5).Set(1, 2, 30000).Set(1, 3, 30000),
        b => b.Set(0, 2, 60000).Set(1, 2, 5000).Set(0, 3, 1000).Set(1, 3, 3000).Set(0, 0, 7000));

    private static EpochInput BondsEmaPenalty() => Case(1000, 777 * Token + 1,
        [N(50), N(30), N(20), N(0), N(0), N(0)],
        w => w.Set(0, 3, 60000).Set(0, 4, 5000).Set(1, 3, 10000).Set(1, 4, 50000).Set(1, 5, 5000).Set(2, 5, 65535),
        b => b.Set(0, 3, 40000).Set(1, 3, 20000).Set(2, 4, 65535).Set(0, 5, 100),
        hp: Hyperparameters.Default with { BondsMovingAveragePpm = 500_000, BondsPenaltyPpm = 500_000, OwnerCutPpm = 100_000 });

    private static EpochInput DividendsZero() => Case(1000, 1000 * Token,
        [N(30), N(10), N(0), N(0)],
        w => w.Set(0, 2, 3).Set(0, 3, 1).Set(1, 2, 1).Set(1, 3, 1),
        hp: Hyperparameters.Default with { BondsMovingAveragePpm = 1_000_000 });

    private static EpochInput MedianTies() => Case(1000, 1000 * Token,
        [N(25), N(25), N(25), N(25), N(0), N(0)],
        w => w.Set(0, 4, 3).Set(0, 5, 1).Set(1, 4, 3).Set(1, 5, 1).Set(2, 4, 1).Set(2, 5, 1).Set(3, 4, 1).Set(3, 5, 3),
        hp: Hyperparameters.Default with { KappaPpm = 600_000 });

    private static EpochInput MedianKappaOne() => Case(1000, 1000 * Token,
        [N(70), N(20), N(10), N(0), N(0)],
        w => w.Set(0, 3, 3).Set(0, 4, 1).Set(1, 3, 1).Set(1, 4, 1).Set(2, 3, 1),
        hp: Hyperparameters.Default with { KappaPpm = 1_000_000 });

    private static EpochInput ReregisteredUid() => Case(1000, 1000 * Token,
        [N(40, lastUpdate: 950), N(60, lastUpdate: 960), N(0, registeredAt: 900), N(0)],
        w => w.Set(0, 3, 65535).Set(1, 2, 65535).Set(1, 3, 65535),
        b => b.Set(0, 2, 65535).Set(0, 3, 30000).Set(1, 3, 65535));

    private static EpochInput PermitLoss() => Case(1000, 1000 * Token,
        [N(50), N(30), N(20), N(0), N(0)],
        w => w.Set(0, 3, 65535).Set(0, 4, 20000).Set(1, 3, 30000).Set(1, 4, 65535).Set(2, 4, 65535),
        b => b.Set(0, 3, 65535).Set(1, 4, 40000).Set(2, 3, 20000).Set(2, 4, 65535).Set(2, 2, 500),
        hp: Hyperparameters.Default with { MaxValidators = 2 });

    private static EpochInput Yuma3Bonds() => Case(1000, 777 * Token + 1,
        [N(50), N(30), N(20), N(0), N(0), N(0)],
        w => w.Set(0, 3, 60000).Set(0, 4, 5000).Set(1, 3, 10000).Set(1, 4, 50000).Set(1, 5, 5000).Set(2, 5, 65535),
        b => b.Set(0, 3, 40000).Set(1, 3, 20000).Set(2, 4, 65535).Set(0, 5, 100),
        hp: Hyperparameters.Default with { Yuma3 = true, BondsPenaltyPpm = 500_000 });

    private static EpochInput Yuma3ReregisteredPermitLoss() => Case(1000, 1000 * Token,
        [N(50, lastUpdate: 950), N(30, lastUpdate: 960), N(20), N(0, registeredAt: 900), N(0)],
        w => w.Set(0, 4, 65535).Set(1, 3, 65535).Set(1, 4, 30000).Set(2, 4, 65535),
        b => b.Set(0, 3, 65535).Set(0, 4, 50000).Set(1, 4, 65535).Set(2, 3, 20000).Set(2, 4, 65535),
        hp: Hyperparameters.Default with { Yuma3 = true, MaxValidators = 2 });

    private static EpochInput Yuma3Of(EpochInput x) => new()
    {
        Hyperparameters = x.Hyperparameters with { Yuma3 = true },
        Block = x.Block,
        Emission = x.Emission,
        Neurons = x.Neurons,
        Weights = x.Weights,
        Bonds = x.Bonds,
    };
}
