namespace Intelligence.Consensus.Tests;

/// <summary>Small epochs whose every number is worked out by hand in the comments (ONE = 2^32, PPM = 10^6).</summary>
public class HandCheckedEpochTests
{
    private static readonly UInt128 Token = TestCases.Token;

    [Fact]
    public void TwoValidators_EveryStepMatchesTheHandArithmetic()
    {
        // UID 0 stakes 300, UID 1 stakes 100, UIDs 2 and 3 are miners. All active, both validators permitted.
        // Weights: 0 -> {2: 65535, 3: 65535}, 1 -> {2: 65535}.
        var result = YumaEpoch.Run(FixtureCatalog.Get("hand-two-validators").Build());

        // Active stake A = (3/4, 1/4) = (3221225472, 1073741824); T = 2^32.
        Assert.Equal([3221225472UL, 1073741824UL, 0UL, 0UL], result.ActiveStake);
        // W02 = W03 = 2^31, W12 = 2^32. Column 2 sorted down: 2^32 (acc 2^30 < T/2), 2^31 (acc 2^32 >= T/2) -> C2 = 2^31.
        // Column 3: 2^31 with 3/4 of the stake -> C3 = 2^31.
        Assert.Equal([0UL, 0UL, 2147483648UL, 2147483648UL], result.Consensus);
        // Clipped: Wc12 = min(2^32, 2^31). Trust: VT0 = 2^31 + 2^31 = ONE, VT1 = 2^31.
        Assert.Equal([4294967296UL, 2147483648UL, 0UL, 0UL], result.ValidatorTrust);
        // R2 = mulq(3*2^30, 2^31) + mulq(2^30, 2^31) = 3*2^29 + 2^29 = 2^31; R3 = 3*2^29; sum 7*2^29.
        Assert.Equal([0UL, 0UL, 2147483648UL, 1610612736UL], result.Rank);
        // I2 = 2^31 * 2^32 / (7*2^29) = 2^34/7 = 2454267026.29 -> 2454267026; I3 = 3*2^32/7 = 1840700269.71 -> 1840700269.
        Assert.Equal([0UL, 0UL, 2454267026UL, 1840700269UL], result.Incentive);
        // Bonds (beta = 1, so Wb = Wc): P02 = 3*2^29, P12 = 2^29, P03 = 3*2^29.
        // dB02 = 3*2^30, dB12 = 2^30, dB03 = ONE. No old bonds; alpha = 0.1:
        // Be02 = floor(3*2^30/10) = 322122547, Be12 = floor(2^30/10) = 107374182, Be03 = floor(2^32/10) = 429496729.
        // Column 2 sum 429496729: B02 = floor(322122547*2^32/429496729) = 3221225474, B12 = 1073741821; B03 = ONE.
        // Stored u16, max-upscaled per column from Be: 65535, floor(107374182*65535/322122547) = 21844; column 3: 65535.
        Assert.Equal(65535, result.Bonds[0, 2]);
        Assert.Equal(21844, result.Bonds[1, 2]);
        Assert.Equal(65535, result.Bonds[0, 3]);
        Assert.Equal(3, result.Bonds.Count);
        // Dividends from the exact ranks (rank64 = R * 2^32 here): d0 = 3221225474 * 2^63 + 2^32 * 3*2^61
        // = 59421121904144997268867514368, d1 = 1073741821 * 2^63 = 9903520286612926088628666368;
        // D0 = floor(d0 * 2^32 / (d0 + d1)) = 3681400541, D1 = 613566754.
        Assert.Equal([3681400541UL, 613566754UL, 0UL, 0UL], result.Dividends);
        // Money: E = 1000 tokens, owner 18% = 180 tokens, rest 820: miners 410 by I, validators 410 by D.
        UInt128 half = 410 * Token;
        Assert.Equal(half * 2454267026UL / 4294967295UL, result.Emission[2]);
        Assert.Equal(half * 1840700269UL / 4294967295UL, result.Emission[3]);
        Assert.Equal(half * 3681400541UL / 4294967295UL, result.Emission[0]);
        Assert.Equal(half * 613566754UL / 4294967295UL, result.Emission[1]);
        // Dust: 1000 tokens - sum(emission) = 180 tokens + 2 base units of rounding remainders.
        Assert.Equal((180 * Token) + 2, result.OwnerEmission);
    }

    [Fact]
    public void Cabal_BelowKappa_GetsItsMinerNothing()
    {
        // Honest validators 0..2 stake 20 each and weight miner 4; the cabal (UID 3, stake 40 = 40% < kappa 50%)
        // puts everything on miner 5. A = (858993459 x3, 1717986918), T = 4294967295.
        var result = YumaEpoch.Run(FixtureCatalog.Get("hand-cabal").Build());
        // Column 5: only the cabal, 10^6 * 1717986918 < 500000 * 4294967295 -> C5 = 0.
        // Column 4: honest ONE with 2576980377 of stake >= T/2 -> C4 = ONE.
        Assert.Equal(0UL, result.Consensus[5]);
        Assert.Equal(FixedPoint.One, result.Consensus[4]);
        // The cabal's clipped weight is min(ONE, 0) = 0, so its trust and its dividends are 0.
        Assert.Equal(0UL, result.ValidatorTrust[3]);
        Assert.Equal(0UL, result.Dividends[3]);
        Assert.Equal(UInt128.Zero, result.Emission[5]);
        // Miner 4 takes the whole miner half: 410 tokens.
        Assert.Equal(410 * Token, result.Emission[4]);
        // Each honest validator holds a third of miner 4's bonds: dividends 1431655765 each, 410/3 tokens floored.
        Assert.Equal(1431655765UL, result.Dividends[0]);
        Assert.Equal(410 * Token * 1431655765UL / (3 * 1431655765UL), result.Emission[0]);
    }

    [Fact]
    public void NoWeights_EmissionFollowsActiveStake_InactiveValidatorGetsNothing()
    {
        // Block 5500, cutoff 5000: UID 0 (lastUpdate 5490) is active, UID 1 (lastUpdate 100, 5400 blocks ago) is not.
        // No weights -> no incentive -> fallback: the 820 non-owner tokens follow active stake, which is all UID 0's.
        var result = YumaEpoch.Run(FixtureCatalog.Get("fallback-active-stake").Build());
        Assert.Equal([true, false, true], result.Active);
        Assert.All(result.Incentive, i => Assert.Equal(0UL, i));
        Assert.Equal(820 * Token, result.Emission[0]);
        Assert.Equal(UInt128.Zero, result.Emission[1]);
        Assert.Equal(180 * Token, result.OwnerEmission);
    }

    [Fact]
    public void NoWeights_BothActive_EmissionSplitsByActiveStake()
    {
        // Same case at block 5000: UID 1 is 4900 blocks old, still active. A = (3/4, 1/4): 615 and 205 tokens.
        var input = FixtureCatalog.Get("fallback-active-stake").Build();
        input = new EpochInput { Hyperparameters = input.Hyperparameters, Block = 5000, Emission = input.Emission, Neurons = input.Neurons, Weights = input.Weights, Bonds = input.Bonds };
        var result = YumaEpoch.Run(input);
        Assert.Equal(615 * Token, result.Emission[0]);
        Assert.Equal(205 * Token, result.Emission[1]);
        Assert.Equal(180 * Token, result.OwnerEmission);
    }

    [Fact]
    public void AllValidatorsInactive_EmissionFollowsPlainStake()
    {
        // Both validators are past the cutoff: active stake is all zero, so consensus is 0 and the fallback uses S.
        var result = YumaEpoch.Run(FixtureCatalog.Get("fallback-stake-all-inactive").Build());
        Assert.All(result.ActiveStake, a => Assert.Equal(0UL, a));
        Assert.All(result.Consensus, c => Assert.Equal(0UL, c));
        Assert.Equal(615 * Token, result.Emission[0]);
        Assert.Equal(205 * Token, result.Emission[1]);
    }

    [Fact]
    public void NobodyStaked_OwnerReceivesEverything()
    {
        var result = YumaEpoch.Run(FixtureCatalog.Get("no-stake").Build());
        Assert.All(result.Emission, e => Assert.Equal(UInt128.Zero, e));
        Assert.Equal(1000 * Token, result.OwnerEmission);
        Assert.All(result.ValidatorPermit, p => Assert.False(p));
    }

    [Fact]
    public void Permits_TopKByStake_TieGoesToLowerUid()
    {
        // Stakes 10, 50, 30, 20, 20 with 3 permits: 50 (UID 1), 30 (UID 2), then 20 twice -> UID 3 beats UID 4.
        var result = YumaEpoch.Run(FixtureCatalog.Get("permits-top-k").Build());
        Assert.Equal([false, true, true, true, false, false, false], result.ValidatorPermit);
        // Non-permitted rows are dropped: UID 0's and UID 4's weights do not count, and they earn no dividends.
        Assert.Equal(0UL, result.Dividends[0]);
        Assert.Equal(0UL, result.Dividends[4]);
    }

    [Fact]
    public void StakeThreshold_ZeroesSmallStake()
    {
        // UID 1 stakes 5 tokens < threshold 10: counted as 0, so no permit, and UID 0 holds all stake.
        var result = YumaEpoch.Run(FixtureCatalog.Get("stake-threshold").Build());
        Assert.Equal([FixedPoint.One, 0UL, 0UL, 0UL], result.Stake);
        Assert.False(result.ValidatorPermit[1]);
        // Only UID 0's weight on miner 2 counts; miner 3 (weighted by UID 1 only) gets nothing.
        Assert.Equal(FixedPoint.One, result.Incentive[2]);
        Assert.Equal(0UL, result.Incentive[3]);
    }

    [Fact]
    public void SelfAndOutdatedWeights_AreMasked()
    {
        // UID 0 (lastUpdate 900) weights itself and miners 2, 3; miner 2 re-registered at 920 > 900, so UID 0's weight
        // on 2 is dropped, and its self-weight too: its row becomes {3: ONE}. Miner 2 registered within the last tempo
        // (1000 - 360 <= 920), so every old bond on it is reset; the old self-bond of UID 0 is kept (subtensor masks
        // neither the diagonal nor permits in old bonds) and, alone in its column, is upscaled to 65535.
        // UID 1 (lastUpdate 950 > 920) keeps its weight on 2: {2: 30000, 3: 30000} -> 2^31 each (self-weight dropped).
        var result = YumaEpoch.Run(FixtureCatalog.Get("self-and-outdated").Build());
        Assert.Equal(FixedPoint.One, result.ValidatorTrust[0]);
        // Column 2: only UID 1 (40% < 50%) -> C2 = 0. Column 3: both, weights ONE (60%) and 2^31 -> C3 = ONE? The
        // largest v with >= 50% of stake at or above it: v = ONE has 60% -> C3 = ONE.
        Assert.Equal(0UL, result.Consensus[2]);
        Assert.Equal(FixedPoint.One, result.Consensus[3]);
        Assert.Equal(0, result.Bonds[0, 2]);
        Assert.Equal(65535, result.Bonds[0, 0]);
    }

    [Fact]
    public void ReregisteredUid_OldOccupantsBackerEarnsNothingOnTheNewMiner()
    {
        // UID 0 built a full bond on the previous occupant of UID 2; UID 2 re-registered at 900 (within the last tempo),
        // and UID 0 updated its weights afterwards (950) without backing the new miner. Its old bond must not survive:
        // the epoch must give exactly what it gives when that bond never existed.
        var input = FixtureCatalog.Get("reregistered-uid").Build();
        var result = YumaEpoch.Run(input);
        Assert.Equal(0, result.Bonds[0, 2]);
        var bonds = new SparseU16Matrix.Builder(input.Neurons.Count).Set(0, 3, 30000).Set(1, 3, 65535).Build();
        var clean = YumaEpoch.Run(new EpochInput
        {
            Hyperparameters = input.Hyperparameters,
            Block = input.Block,
            Emission = input.Emission,
            Neurons = input.Neurons,
            Weights = input.Weights,
            Bonds = bonds,
        });
        Assert.Equal(clean.Dividends, result.Dividends);
        Assert.Equal(clean.Emission, result.Emission);
    }

    [Fact]
    public void PermitLoss_OldBondsDecayAndEarnThisEpoch_NoRowAfterwards()
    {
        // maxValidators 2: UID 2 (stake 20) has no permit but holds old bonds from when it had one.
        var input = FixtureCatalog.Get("permit-loss").Build();
        var result = YumaEpoch.Run(input);
        Assert.False(result.ValidatorPermit[2]);
        Assert.Equal(0UL, result.ActiveStake[2]);
        Assert.True(result.Dividends[2] > 0, "the old bonds of a validator without permit still earn this epoch");
        Assert.True(result.Emission[2] > UInt128.Zero);
        Assert.Equal(0, result.Bonds.Columns(2).Length);
        // Its share of column 4 decays by the EMA: without it, UID 1 would hold more of the column.
        var withoutOld = YumaEpoch.Run(new EpochInput
        {
            Hyperparameters = input.Hyperparameters,
            Block = input.Block,
            Emission = input.Emission,
            Neurons = input.Neurons,
            Weights = input.Weights,
            Bonds = new SparseU16Matrix.Builder(input.Neurons.Count).Set(0, 3, 65535).Set(1, 4, 40000).Build(),
        });
        Assert.True(withoutOld.Dividends[1] > result.Dividends[1]);
    }

    [Fact]
    public void MedianTies_DecidedAfterTheWholeGroup()
    {
        // Four validators of 25% each, kappa 0.6. Column 4 weights: 3/4, 3/4, 1/2, 1/4 (rows {4:3,5:1}, {4:3,5:1},
        // {4:1,5:1}, {4:1,5:3}). Walking down: 3/4 group = 50% < 60%; 1/2 -> 75% >= 60% -> C4 = 1/2.
        // Column 5: 1/4, 1/4, 1/2, 3/4: 3/4 -> 25%, 1/2 -> 50%, then the 1/4 group -> 100% -> C5 = 1/4.
        var result = YumaEpoch.Run(FixtureCatalog.Get("median-ties").Build());
        Assert.Equal(2147483648UL, result.Consensus[4]);
        Assert.Equal(1073741824UL, result.Consensus[5]);
    }

    [Fact]
    public void KappaOne_ConsensusIsTheSmallestStakedWeight()
    {
        // kappa 1: column 3 weights 3/4 (70%), 1/2 (20%), ONE (10%) -> min 1/2. Column 4: UID 2 gives 0 -> C4 = 0.
        var result = YumaEpoch.Run(FixtureCatalog.Get("median-kappa-one").Build());
        Assert.Equal(2147483648UL, result.Consensus[3]);
        Assert.Equal(0UL, result.Consensus[4]);
    }

    [Fact]
    public void DividendsZero_MinersTakeAllOfTheRest()
    {
        // bondsMovingAverage 1 -> alpha 0 and no old bonds -> every bond is 0 -> D = 0 -> miners get 820 tokens by I.
        var result = YumaEpoch.Run(FixtureCatalog.Get("dividends-zero").Build());
        Assert.All(result.Dividends, d => Assert.Equal(0UL, d));
        Assert.Equal(0, result.Bonds.Count);
        Assert.Equal(820 * Token, result.Emission[2] + result.Emission[3] + (result.OwnerEmission - (180 * Token)));
        Assert.Equal(UInt128.Zero, result.Emission[0]);
    }

    [Fact]
    public void WeightedMedian_EmptyColumnIsZero()
    {
        var scratch = new ulong[2];
        Assert.Equal(0UL, YumaEpoch.WeightedMedian([0, 0], [5, 5], 500_000UL * 10, scratch));
        // kappa 0: any value qualifies, the largest weight wins.
        Assert.Equal(7UL, YumaEpoch.WeightedMedian([7, 3], [1, 9], 0, scratch));
        // A ONE weight (2^32) survives the packing with the row index.
        Assert.Equal(FixedPoint.One, YumaEpoch.WeightedMedian([FixedPoint.One, 3], [9, 1], 500_000UL * 10, scratch));
    }
}
