using Intelligence.Subnets.Forecast;

namespace Intelligence.Subnets.Tests;

public sealed class ForecastTests
{
    private const string Out = ForecastSubnet.ForecastOutput;

    /// <summary>Seasonal naive plus the last year's drift: a plain C# forecaster that should clearly beat seasonal naive.</summary>
    internal static float[] SeasonalWithDrift(SubnetQuery query, int horizon)
    {
        var h = query.Inputs[0].ToFloats();
        var drift = h[^1] - h[^53];
        return [.. Enumerable.Range(1, horizon).Select(k => h[h.Length - 1 + k - 52] + drift)];
    }

    private static float[] Naive(SubnetQuery query, ForecastSubnet subnet)
        => [.. ForecastSubnet.SeasonalNaive(AntiGaming.AsDoubles(query.Inputs[0]), subnet.Options.Horizon, subnet.Options.Season).Select(v => (float)v)];

    private static MinerResponse Answer(string hotkey, float[] values, TimeSpan? latency = null)
        => Answers.Response(hotkey, Out, [1, values.Length], values, latency);

    [Fact]
    public void Score_BeforeTheHorizonHasPassed_ThrowsTruthNotRevealed()
    {
        var subnet = new ForecastSubnet();
        var query = (ForecastQuery)subnet.CreateQueryBatch(new Random(1));
        var responses = new[] { Answer("m", SeasonalWithDrift(query, 4)) };

        for (var i = 1; i < subnet.Options.Horizon; i++)
        {
            subnet.CreateQueryBatch(new Random(i));
            Assert.False(subnet.IsRevealed(query));
            Assert.Throws<TruthNotRevealedException>(() => subnet.Score(query, responses));
        }
        subnet.CreateQueryBatch(new Random(9));

        Assert.True(subnet.IsRevealed(query));
        Assert.Equal(ScoreReason.Scored, subnet.Score(query, responses)[0].Reason);
    }

    [Fact]
    public void CommitmentBook_KeepsSignedResponsesUntilTruthArrives()
    {
        var subnet = new ForecastSubnet();
        var book = new CommitmentBook();
        var rng = new Random(4);
        var first = subnet.CreateQueryBatch(rng);
        var signed = new byte[] { 0xde, 0xad, 0xbe, 0xef };
        book.Commit(first, [Answer("m", SeasonalWithDrift(first, 4)) with { SignedBytes = signed }]);

        var scoredEarly = new List<ScoredQuery>();
        for (var i = 0; i < subnet.Options.Horizon - 1; i++)
        {
            var q = subnet.CreateQueryBatch(rng);
            book.Commit(q, [Answer("m", SeasonalWithDrift(q, 4))]);
            scoredEarly.AddRange(book.ScoreRevealed(subnet));
        }
        Assert.Empty(scoredEarly);
        Assert.Equal(4, book.PendingCount);

        subnet.CreateQueryBatch(rng);
        var scored = book.ScoreRevealed(subnet);

        var only = Assert.Single(scored);
        Assert.Same(first, only.Query);
        Assert.Equal(signed, only.Responses[0].SignedBytes.ToArray());
        Assert.Equal(ScoreReason.Scored, only.Scores[0].Reason);
        Assert.Equal(3, book.PendingCount);
    }

    [Fact]
    public void DriftModel_BeatsSeasonalNaive_OverTheReplay()
    {
        var subnet = new ForecastSubnet();
        var book = new CommitmentBook();
        var rng = new Random(2);
        var scored = new List<ScoredQuery>();
        for (var round = 0; round < 200; round++)
        {
            var q = subnet.CreateQueryBatch(rng);
            // Separate commitments: with a zero drift both answers coincide, and the copy rule would zero them.
            book.Commit(q, [Answer("drift", SeasonalWithDrift(q, 4))]);
            book.Commit(q, [Answer("naive", Naive(q, subnet))]);
            scored.AddRange(book.ScoreRevealed(subnet));
        }

        var drift = scored.Where(s => s.Responses[0].Hotkey == "drift").Select(s => s.Scores[0]).ToArray();
        var naive = scored.Where(s => s.Responses[0].Hotkey == "naive").Select(s => s.Scores[0]).ToArray();
        Assert.True(drift.Length >= 190 && naive.Length == drift.Length);
        Assert.All(naive, s => Assert.NotEqual(ScoreReason.Constant, s.Reason));
        var naiveMase = naive.Average(s => s.Metrics["mase"]);
        // Seasonal naive sits near MASE 1 (its own in-sample error), so it earns little; the drift model must beat it by 0.3.
        Assert.True(naiveMase > 0.7, $"seasonal naive MASE {naiveMase}");
        Assert.True(drift.Average(s => s.Score) > naive.Average(s => s.Score) + 0.3, $"drift {drift.Average(s => s.Score)} vs seasonal naive {naive.Average(s => s.Score)}");
    }

    [Fact]
    public void MissingWeeks_HistoryIsFilledAndMissingTruthIsSkipped()
    {
        // Weeks 1357-1360 and 1427 of the series are missing.
        var subnet = new ForecastSubnet(new ForecastOptions { ReplayFrom = 19830101 });
        Assert.True(double.IsNaN(subnet.Series.Values[1358]));

        var atGap = subnet.QueryAt(1359);
        var history = atGap.Inputs[0].ToFloats();
        Assert.All(history, v => Assert.True(float.IsFinite(v)));
        Assert.Equal((float)subnet.Series.Values[1356], history[^1]); // trailing gap: last known value carried forward

        var inside = subnet.QueryAt(1430).Inputs[0].ToFloats();
        var expected = (subnet.Series.Values[1426] + subnet.Series.Values[1428]) / 2; // interior gap: interpolated
        Assert.Equal(expected, inside[^4], 3);

        var partial = subnet.QueryAt(1355); // truth weeks 1356..1359: only 1356 known
        Assert.Equal(3, partial.Truth.Count(double.IsNaN));
        var knownRight = new[] { (float)subnet.Series.Values[1356], 0f, 0f, 0f };
        subnet.Advance(subnet.Series.Count);
        var s = subnet.Score(partial, [Answer("m", knownRight)])[0];
        Assert.Equal(0.0, s.Metrics["mase"], 4);
        Assert.True(s.Score > 0.99);
    }

    [Fact]
    public void CreateQueryBatch_SkipsOriginsWithNoKnownTruth()
    {
        var subnet = Enumerable.Range(1, 200)
            .Select(seed => new ForecastSubnet(new ForecastOptions { ReplayFrom = 19830101, ValidatorSeed = seed }))
            .First(s => s.ClockStart <= 1355);
        subnet.Advance(1355 - subnet.Now); // the next round reveals week 1356

        var q = (ForecastQuery)subnet.CreateQueryBatch(new Random(1));

        Assert.Equal(1357, q.Origin); // origin 1356 has truth weeks 1357-1360, all missing
        Assert.Contains(q.Truth, v => !double.IsNaN(v));
    }

    [Fact]
    public void SameForecastForDifferentHistories_ScoresZeroAsConstant()
    {
        var subnet = new ForecastSubnet();
        var q1 = subnet.CreateQueryBatch(new Random(1));
        var q2 = subnet.CreateQueryBatch(new Random(1));
        subnet.Advance(10);
        var fixedAnswer = SeasonalWithDrift(q1, 4);

        var first = subnet.Score(q1, [Answer("lazy", fixedAnswer), Answer("honest", SeasonalWithDrift(q1, 4).Select(v => v + 0.01f).ToArray())]);
        var second = subnet.Score(q2, [Answer("lazy", fixedAnswer), Answer("honest", SeasonalWithDrift(q2, 4))]);

        Assert.Equal(ScoreReason.Scored, first[0].Reason);
        Assert.Equal(ScoreReason.Constant, second[0].Reason);
        Assert.Equal(0.0, second[0].Score);
        Assert.Equal(ScoreReason.Scored, second[1].Reason);
    }

    [Fact]
    public void NonFiniteLateDuplicateAndRandom_ScoreZero()
    {
        var subnet = new ForecastSubnet();
        var q = subnet.CreateQueryBatch(new Random(1));
        subnet.Advance(10);
        var good = SeasonalWithDrift(q, 4);
        var rng = new Random(3);

        var scores = subnet.Score(q,
        [
            Answer("honest", good),
            Answer("nan", [good[0], float.NaN, good[2], good[3]]),
            Answer("late", good.Select(v => v + 0.02f).ToArray(), q.Timeout + TimeSpan.FromSeconds(1)),
            Answer("copy-a", good.Select(v => v + 0.05f).ToArray()),
            Answer("copy-b", good.Select(v => v + 0.05f).ToArray()),
            Answer("random", [.. Enumerable.Range(0, 4).Select(_ => (float)(300 + (rng.NextDouble() * 100)))]),
            Answer("short", good[..3]),
        ]);

        Assert.Equal(
            [ScoreReason.Scored, ScoreReason.NonFinite, ScoreReason.Late, ScoreReason.Duplicate, ScoreReason.Duplicate, ScoreReason.NoSkill, ScoreReason.Malformed],
            scores.Select(s => s.Reason));
        Assert.All(scores.Skip(1), s => Assert.Equal(0.0, s.Score));
    }

    [Fact]
    public void ReplayClock_WrapsAtTheEndAndStillRevealsOldQueries()
    {
        var subnet = new ForecastSubnet();
        var rng = new Random(1);
        var last = (ForecastQuery)subnet.CreateQueryBatch(rng);
        while (subnet.Lap == 0)
        {
            last = (ForecastQuery)subnet.CreateQueryBatch(rng);
        }

        Assert.Equal(1, subnet.Lap);
        Assert.Equal(1, last.Lap);
        Assert.Equal(subnet.ClockStart, last.Origin);
        Assert.True(subnet.ClockStart >= subnet.ReplayStartIndex);
    }
}
