using Intelligence.Subnets.Diagnosis;
using Intelligence.Subnets.Digits;
using Intelligence.Subnets.Forecast;
using Xunit.Abstractions;

namespace Intelligence.Subnets.Tests;

/// <summary>
/// Each reference model is trained by the project tooling during the test, written as ONNX, run through the real
/// libonnxruntime, and scored on the validator's private split against the trivial baseline.
/// </summary>
public sealed class ReferenceModelTests(ITestOutputHelper output)
{
    [Fact]
    public void Digits_ReferenceMlp_BeatsMajorityClassOnValidatorSplit()
    {
        var subnet = new DigitsSubnet();
        using var model = SubnetModel.Load(subnet.TrainReferenceModel(seed: 1), subnet.Schema);
        var query = subnet.QueryFor();

        var s = subnet.Score(query, [new MinerResponse("reference", model.Answer(query.Inputs), Answers.Fast)])[0];

        output.WriteLine($"digits on {query.BatchSize} validator rows: accuracy {s.Metrics["accuracy"]:F4} vs majority {s.Metrics["majority_accuracy"]:F4}; " +
                         $"log-loss {s.Metrics["log_loss"]:F4} vs prior {s.Metrics["prior_log_loss"]:F4}; score {s.Score:F4} vs baseline 0");
        Assert.Equal(ScoreReason.Scored, s.Reason);
        // Margins: at least 0.75 accuracy above the majority class, and a score of at least 0.8 (baseline scores 0).
        Assert.True(s.Metrics["accuracy"] >= s.Metrics["majority_accuracy"] + 0.75);
        Assert.True(s.Score >= 0.8);
    }

    [Fact]
    public void Diagnosis_ReferenceLogisticRegression_BeatsPriorOnValidatorRecords()
    {
        var subnet = new DiagnosisSubnet();
        using var model = SubnetModel.Load(subnet.TrainReferenceModel(seed: 1), subnet.Schema);
        var query = subnet.QueryFor();

        var s = subnet.Score(query, [new MinerResponse("reference", model.Answer(query.Inputs), Answers.Fast)])[0];

        output.WriteLine($"diagnosis on {query.BatchSize} validator records: AUC {s.Metrics["auc"]:F4} vs 0.5; " +
                         $"log-loss {s.Metrics["log_loss"]:F4} vs prior {s.Metrics["prior_log_loss"]:F4}; score {s.Score:F4} vs baseline 0");
        Assert.Equal(ScoreReason.Scored, s.Reason);
        // Margins: AUC at least 0.45 above chance, log-loss at most half the prior's, score at least 0.75.
        Assert.True(s.Metrics["auc"] >= 0.95);
        Assert.True(s.Metrics["log_loss"] <= 0.5 * s.Metrics["prior_log_loss"]);
        Assert.True(s.Score >= 0.75);
    }

    [Fact]
    public void Diagnosis_ReferenceModel_OutscoresTheMemoriserOnValidatorRecords()
    {
        var subnet = new DiagnosisSubnet(new ClassificationSplitOptions { ValidatorSeed = 5 });
        using var model = SubnetModel.Load(subnet.TrainReferenceModel(seed: 1), subnet.Schema);
        var rng = new Random(13);
        double honest = 0, memoriser = 0;
        const int Rounds = 20;
        for (var i = 0; i < Rounds; i++)
        {
            var q = subnet.CreateQueryBatch(rng);
            var scores = subnet.Score(q,
            [
                new MinerResponse("honest", model.Answer(q.Inputs), Answers.Fast),
                Answers.Response("memoriser", DiagnosisSubnet.MalignancyOutput, [q.BatchSize, 1], DiagnosisTests.Memoriser(subnet, q)),
            ]);
            honest += scores[0].Score / Rounds;
            memoriser += scores[1].Score / Rounds;
        }

        output.WriteLine($"diagnosis, {Rounds} rounds of 32: honest reference {honest:F4}, public-split memoriser {memoriser:F4}");
        Assert.True(honest > memoriser + 0.5);
    }

    [Fact]
    public void Forecast_ReferenceAutoregression_BeatsSeasonalNaiveOverTheReplay()
    {
        var subnet = new ForecastSubnet();
        using var reference = SubnetModel.Load(subnet.TrainReferenceModel(seed: 1), subnet.Schema);
        using var naive = SubnetModel.Load(subnet.SeasonalNaiveModel(), subnet.Schema);
        var book = new CommitmentBook();
        var rng = new Random(3);
        var scored = new List<ScoredQuery>();
        for (var round = 0; round < 300; round++)
        {
            var q = subnet.CreateQueryBatch(rng);
            book.Commit(q, [new MinerResponse("reference", reference.Answer(q.Inputs), Answers.Fast)]);
            book.Commit(q, [new MinerResponse("naive", naive.Answer(q.Inputs), Answers.Fast)]);
            scored.AddRange(book.ScoreRevealed(subnet));
        }

        double Mean(string who, Func<MinerScore, double> f) => scored.Where(s => s.Responses[0].Hotkey == who).Average(s => f(s.Scores[0]));
        var refMase = Mean("reference", s => s.Metrics["mase"]);
        var naiveMase = Mean("naive", s => s.Metrics["mase"]);
        output.WriteLine($"forecast, {scored.Count / 2} revealed weeks: MASE reference {refMase:F4} vs seasonal naive {naiveMase:F4}; " +
                         $"score {Mean("reference", s => s.Score):F4} vs {Mean("naive", s => s.Score):F4}");
        // Margin: the reference's MASE is at most half the seasonal-naive MASE.
        Assert.True(refMase <= 0.5 * naiveMase);
        Assert.True(Mean("reference", s => s.Score) > Mean("naive", s => s.Score) + 0.3);
    }
}
