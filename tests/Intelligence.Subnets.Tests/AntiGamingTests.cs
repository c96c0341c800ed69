using Intelligence.Subnets.Digits;

namespace Intelligence.Subnets.Tests;

/// <summary>One test per anti-gaming rule, on digits queries, each next to an honest miner that still scores.</summary>
public sealed class AntiGamingTests
{
    private const string Out = DigitsSubnet.ProbabilitiesOutput;
    private static readonly DigitsSubnet Subnet = new();
    private readonly SubnetQuery _query = Subnet.CreateQueryBatch(new Random(7));

    private long[] Shape => [_query.BatchSize, DigitsSubnet.Classes];

    private float[] Honest() => Answers.NearestCentroid(Subnet.PublicSplit, Answers.Features(_query), _query.BatchSize, 1.0);

    private MinerScore ScoreWithHonestPeer(MinerResponse suspect)
    {
        var scores = Subnet.Score(_query, [Answers.Response("honest", Out, Shape, Honest()), suspect]);
        Assert.Equal(ScoreReason.Scored, scores[0].Reason);
        Assert.True(scores[0].Score > 0.5, $"honest peer scored {scores[0].Score}");
        Assert.Equal(suspect.Hotkey, scores[1].Hotkey);
        return scores[1];
    }

    [Fact]
    public void Score_ConstantAnswerForEveryRow_ScoresZero()
    {
        var row = Subnet.Prior.Select(p => (float)p).ToArray();
        var constant = Enumerable.Range(0, _query.BatchSize).SelectMany(_ => row).ToArray();

        var s = ScoreWithHonestPeer(Answers.Response("constant", Out, Shape, constant));

        Assert.Equal(ScoreReason.Constant, s.Reason);
        Assert.Equal(0.0, s.Score);
    }

    [Fact]
    public void Score_RandomProbabilities_ScoresZero()
    {
        var s = ScoreWithHonestPeer(Answers.Response("random", Out, Shape, Answers.RandomProbabilities(_query.BatchSize, DigitsSubnet.Classes, 11)));

        Assert.Equal(ScoreReason.NoSkill, s.Reason);
        Assert.Equal(0.0, s.Score);
        Assert.True(s.Metrics["log_loss"] > s.Metrics["prior_log_loss"]);
    }

    [Fact]
    public void Score_RandomProbabilities_ScoreZeroOnEveryOneOf200Batches()
    {
        var rng = new Random(21);
        for (var seed = 0; seed < 200; seed++)
        {
            var q = Subnet.CreateQueryBatch(rng);
            var random = Answers.RandomProbabilities(q.BatchSize, DigitsSubnet.Classes, seed);

            var s = Subnet.Score(q, [Answers.Response("random", Out, [q.BatchSize, DigitsSubnet.Classes], random)])[0];

            Assert.Equal(0.0, s.Score);
        }
    }

    [Fact]
    public void Score_RandomConfidentLabels_ScoresZero()
    {
        var rng = new Random(5);
        var oneHot = new float[_query.BatchSize * DigitsSubnet.Classes];
        for (var r = 0; r < _query.BatchSize; r++)
        {
            oneHot[(r * DigitsSubnet.Classes) + rng.Next(DigitsSubnet.Classes)] = 1f;
        }

        var s = ScoreWithHonestPeer(Answers.Response("guesser", Out, Shape, oneHot));

        Assert.Equal(ScoreReason.NoSkill, s.Reason);
        Assert.Equal(0.0, s.Score);
    }

    [Fact]
    public void Score_IdenticalAnswersFromTwoHotkeys_BothScoreZeroOthersUnaffected()
    {
        var honest = Honest();
        var own = Answers.NearestCentroid(Subnet.PublicSplit, Answers.Features(_query), _query.BatchSize, 1.5);

        var scores = Subnet.Score(_query,
        [
            Answers.Response("original", Out, Shape, honest),
            Answers.Response("copier", Out, Shape, (float[])honest.Clone()),
            Answers.Response("independent", Out, Shape, own),
        ]);

        Assert.Equal([ScoreReason.Duplicate, ScoreReason.Duplicate, ScoreReason.Scored], scores.Select(s => s.Reason));
        Assert.Equal(0.0, scores[0].Score);
        Assert.Equal(0.0, scores[1].Score);
        Assert.True(scores[2].Score > 0.5);
    }

    public static TheoryData<string> MalformedCases => ["wrong-shape", "wrong-name", "wrong-type", "no-output", "null-tensor", "two-outputs-same-name"];

    [Theory]
    [MemberData(nameof(MalformedCases))]
    public void Score_MalformedTensor_ScoresZero(string kind)
    {
        var honest = Honest();
        IReadOnlyList<SubnetTensor> outputs = kind switch
        {
            "wrong-shape" => [SubnetTensor.FromFloats(Out, [_query.BatchSize - 1, DigitsSubnet.Classes], honest.AsSpan(DigitsSubnet.Classes))],
            "wrong-name" => [SubnetTensor.FromFloats("output", Shape, honest)],
            "wrong-type" => [SubnetTensor.FromInt64s(Out, Shape, honest.Select(v => (long)v).ToArray())],
            "no-output" => [],
            "null-tensor" => [null!],
            "two-outputs-same-name" => [SubnetTensor.FromFloats(Out, Shape, honest), SubnetTensor.FromFloats(Out, Shape, honest)],
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };

        var s = ScoreWithHonestPeer(new MinerResponse("malformed", outputs, Answers.Fast));

        Assert.Equal(ScoreReason.Malformed, s.Reason);
        Assert.Equal(0.0, s.Score);
    }

    [Fact]
    public void Score_UndecodableResponse_ScoresZeroAsMissing()
    {
        var s = ScoreWithHonestPeer(MinerResponse.Failed("broken", "tensor bytes do not fit the shape", Answers.Fast));

        Assert.Equal(ScoreReason.Missing, s.Reason);
        Assert.Equal(0.0, s.Score);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Score_NonFiniteValue_ScoresZero(float bad)
    {
        var answer = Honest();
        answer[17] = bad;

        var s = ScoreWithHonestPeer(Answers.Response("nonfinite", Out, Shape, answer));

        Assert.Equal(ScoreReason.NonFinite, s.Reason);
        Assert.Equal(0.0, s.Score);
    }

    [Fact]
    public void Score_LateAnswer_ScoresZeroEvenWhenCorrect()
    {
        var late = Answers.Response("late", Out, Shape, Answers.NearestCentroid(Subnet.PublicSplit, Answers.Features(_query), _query.BatchSize, 1.5), _query.Timeout + TimeSpan.FromMilliseconds(1));

        var s = ScoreWithHonestPeer(late);

        Assert.Equal(ScoreReason.Late, s.Reason);
        Assert.Equal(0.0, s.Score);
    }

    [Fact]
    public void Score_RowsThatAreNotProbabilities_ScoreZero()
    {
        var scaled = Honest().Select(v => v * 3f).ToArray();

        var s = ScoreWithHonestPeer(Answers.Response("logits", Out, Shape, scaled));

        Assert.Equal(ScoreReason.InvalidValues, s.Reason);
        Assert.Equal(0.0, s.Score);
    }

    [Fact]
    public void Score_SameHotkeyTwice_IsATypedError()
    {
        var r = Answers.Response("twice", Out, Shape, Honest());

        Assert.Throws<ArgumentException>(() => Subnet.Score(_query, [r, r with { }]));
    }

    [Fact]
    public void Score_IdenticalInputRows_SameAnswerIsNotConstant()
    {
        var row = Subnet.ValidatorSplit.Features[0];
        var inputs = SubnetTensor.FromFloats(DigitsSubnet.PixelsInput, [2, 64], [.. row, .. row]);

        Assert.False(AntiGaming.IsConstantAcrossRows([inputs], [SubnetTensor.FromFloats(Out, [2, 1], [0.3f, 0.3f])], 1e-6));
    }
}
