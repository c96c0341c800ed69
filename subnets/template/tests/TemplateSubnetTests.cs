namespace Intelligence.Subnets.Template.Tests;

public sealed class TemplateSubnetTests
{
    private static readonly TemplateSubnet Subnet = new();

    [Fact]
    public void ReferenceModel_ThroughOnnxRuntime_BeatsTheMajorityClass()
    {
        using var model = SubnetModel.Load(Subnet.TrainReferenceModel(seed: 1), Subnet.Schema);
        var query = Subnet.QueryFor();

        var score = Subnet.Score(query, [new MinerResponse("reference", model.Answer(query.Inputs), TimeSpan.FromMilliseconds(5))])[0];

        Assert.Equal(ScoreReason.Scored, score.Reason);
        // Margin: at least 0.2 accuracy above the majority class (about 0.5 here).
        Assert.True(score.Metrics["accuracy"] >= 0.7, $"accuracy {score.Metrics["accuracy"]}");
        Assert.True(score.Score > 0.2, $"score {score.Score}");
    }

    [Fact]
    public void ConstantAnswer_ScoresZero()
    {
        var query = Subnet.CreateQueryBatch(new Random(1));
        var constant = Enumerable.Repeat(new[] { 0.5f, 0.5f }, query.BatchSize).SelectMany(r => r).ToArray();
        var response = new MinerResponse("constant", [SubnetTensor.FromFloats(TemplateSubnet.ProbabilitiesOutput, [query.BatchSize, 2], constant)], TimeSpan.Zero);

        var score = Subnet.Score(query, [response])[0];

        Assert.Equal(ScoreReason.Constant, score.Reason);
        Assert.Equal(0.0, score.Score);
    }

    [Fact]
    public void WrongShape_ScoresZero()
    {
        var query = Subnet.CreateQueryBatch(new Random(2));
        var response = new MinerResponse("short", [SubnetTensor.FromFloats(TemplateSubnet.ProbabilitiesOutput, [1, 2], [0.2f, 0.8f])], TimeSpan.Zero);

        Assert.Equal(ScoreReason.Malformed, Subnet.Score(query, [response])[0].Reason);
    }
}
