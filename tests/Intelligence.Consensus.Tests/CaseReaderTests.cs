using Intelligence.Consensus.Cases;

namespace Intelligence.Consensus.Tests;

public class CaseReaderTests
{
    private const string Neurons = """
        [ { "uid": 0, "stake": "5000", "lastUpdate": 9990, "registeredAt": 100 },
          { "uid": 1, "stake": "0", "lastUpdate": 9990, "registeredAt": 100 } ]
        """;

    private static string Case(string hyperparameters = "{}", string block = "10000", string emission = "\"1000\"",
        string neurons = Neurons, string weights = """{ "0": { "1": 65535 } }""", string bonds = "{}") =>
        $$"""{ "hyperparameters": {{hyperparameters}}, "block": {{block}}, "emission": {{emission}}, "neurons": {{neurons}}, "weights": {{weights}}, "bonds": {{bonds}} }""";

    [Fact]
    public void Parse_IssueShape_ReadsEveryField()
    {
        var input = CaseReader.Parse(Case(
            hyperparameters: """{ "tempo": 99, "kappa": 0.5, "bondsMovingAverage": 0.9, "bondsPenalty": 1.0, "maxValidators": 2, "activityCutoff": 7, "ownerCut": 0.18, "stakeThreshold": "12" }""",
            bonds: """{ "0": { "1": 1234 } }"""));
        var hp = input.Hyperparameters;
        Assert.Equal((ushort)99, hp.Tempo);
        Assert.Equal(500_000u, hp.KappaPpm);
        Assert.Equal(900_000u, hp.BondsMovingAveragePpm);
        Assert.Equal(1_000_000u, hp.BondsPenaltyPpm);
        Assert.Equal(180_000u, hp.OwnerCutPpm);
        Assert.Equal(2, hp.MaxValidators);
        Assert.Equal(7UL, hp.ActivityCutoff);
        Assert.Equal((UInt128)12, hp.StakeThreshold);
        Assert.Equal(10000UL, input.Block);
        Assert.Equal((UInt128)1000, input.Emission);
        Assert.Equal(new Neuron(5000, 9990, 100), input.Neurons[0]);
        Assert.Equal(65535, input.Weights[0, 1]);
        Assert.Equal(1234, input.Bonds[0, 1]);
    }

    [Fact]
    public void Parse_MissingHyperparameters_TakeTheAnchorDefaults()
    {
        var input = CaseReader.Parse("""{ "block": 1, "emission": "0", "neurons": [] }""");
        Assert.Equal(Hyperparameters.Default, input.Hyperparameters);
        Assert.Equal(0, input.Weights.Count);
    }

    [Fact]
    public void WriteCase_ThenParse_RoundTrips()
    {
        var input = TestCases.Random(5);
        string text = CaseWriter.WriteCase(input);
        Assert.Equal(text, CaseWriter.WriteCase(CaseReader.Parse(text)));
    }

    [Theory]
    [InlineData("{", "$")]
    [InlineData("[]", "$")]
    [InlineData("""{ "emission": "1", "neurons": [] }""", "$.block")]
    [InlineData("""{ "block": 1, "emission": "1", "neurons": [], "block": 2 }""", "$['block']")]
    public void Parse_BrokenDocument_NamesThePath(string json, string path) => AssertError(json, path);

    [Theory]
    [InlineData("\"-5\"", "$.neurons[0].stake")]
    [InlineData("\"abc\"", "$.neurons[0].stake")]
    [InlineData("5000", "$.neurons[0].stake")]
    [InlineData("\"1.5\"", "$.neurons[0].stake")]
    [InlineData("\"79228162514264337593543950336\"", "$.neurons[0].stake")]
    public void Parse_BadStake_NamesThePath(string stake, string path) =>
        AssertError(Case(neurons: $$"""[ { "uid": 0, "stake": {{stake}}, "lastUpdate": 1, "registeredAt": 0 } ]""", weights: "{}"), path);

    [Theory]
    [InlineData("\"-1\"", "$.emission")]
    [InlineData("-1", "$.emission")]
    [InlineData("\"1e21\"", "$.emission")]
    [InlineData("\"\"", "$.emission")]
    public void Parse_BadEmission_NamesThePath(string emission, string path) => AssertError(Case(emission: emission), path);

    [Theory]
    [InlineData("""{ "0": { "1": 65536 } }""", "$.weights['0']['1']")]
    [InlineData("""{ "0": { "1": -1 } }""", "$.weights['0']['1']")]
    [InlineData("""{ "0": { "1": 1.5 } }""", "$.weights['0']['1']")]
    [InlineData("""{ "0": { "1": "7" } }""", "$.weights['0']['1']")]
    [InlineData("""{ "0": { "9": 1 } }""", "$.weights['0']['9']")]
    [InlineData("""{ "7": { "1": 1 } }""", "$.weights['7']")]
    [InlineData("""{ "01": { "1": 1 } }""", "$.weights['01']")]
    [InlineData("""{ "x": { "1": 1 } }""", "$.weights['x']")]
    [InlineData("""{ "0": { "1": 1, "1": 2 } }""", "$.weights['0']['1']")]
    [InlineData("""{ "0": [1] }""", "$.weights['0']")]
    public void Parse_BadWeights_NamesThePath(string weights, string path) => AssertError(Case(weights: weights), path);

    [Fact]
    public void Parse_BadBonds_NamesThePath() => AssertError(Case(bonds: """{ "0": { "5": 1 } }"""), "$.bonds['0']['5']");

    [Theory]
    [InlineData("""[ { "uid": 0, "stake": "1", "lastUpdate": 1, "registeredAt": 0 }, { "uid": 0, "stake": "1", "lastUpdate": 1, "registeredAt": 0 } ]""", "$.neurons[1].uid")]
    [InlineData("""[ { "uid": 0, "stake": "1", "lastUpdate": 1, "registeredAt": 0 }, { "uid": 2, "stake": "1", "lastUpdate": 1, "registeredAt": 0 } ]""", "$.neurons[1].uid")]
    [InlineData("""[ { "uid": -1, "stake": "1", "lastUpdate": 1, "registeredAt": 0 } ]""", "$.neurons[0].uid")]
    [InlineData("""[ { "uid": 0, "stake": "1", "lastUpdate": -3, "registeredAt": 0 } ]""", "$.neurons[0].lastUpdate")]
    [InlineData("""[ { "uid": 0, "stake": "1", "lastUpdate": 3 } ]""", "$.neurons[0].registeredAt")]
    [InlineData("""[ 5 ]""", "$.neurons[0]")]
    [InlineData("""{ }""", "$.neurons")]
    public void Parse_BadNeurons_NamesThePath(string neurons, string path) => AssertError(Case(neurons: neurons, weights: "{}"), path);

    [Theory]
    [InlineData("""{ "kappa": 1.5 }""", "$.hyperparameters.kappa")]
    [InlineData("""{ "kappa": -0.1 }""", "$.hyperparameters.kappa")]
    [InlineData("""{ "kappa": 0.1234567 }""", "$.hyperparameters.kappa")]
    [InlineData("""{ "kappa": "0.5" }""", "$.hyperparameters.kappa")]
    [InlineData("""{ "ownerCut": 2 }""", "$.hyperparameters.ownerCut")]
    [InlineData("""{ "tempo": 0 }""", "$.hyperparameters.tempo")]
    [InlineData("""{ "maxValidators": 300 }""", "$.hyperparameters.maxValidators")]
    [InlineData("""{ "maxUids": 5000 }""", "$.hyperparameters.maxUids")]
    [InlineData("""{ "kapa": 0.5 }""", "$.hyperparameters.kapa")]
    [InlineData("""{ "commitReveal": 1 }""", "$.hyperparameters.commitReveal")]
    public void Parse_BadHyperparameters_NamesThePath(string hyperparameters, string path) => AssertError(Case(hyperparameters: hyperparameters), path);

    [Fact]
    public void Parse_MoreNeuronsThanMaxUids_NamesNeurons() =>
        AssertError(Case(hyperparameters: """{ "maxUids": 1, "maxValidators": 1 }"""), "$.neurons");

    [Fact]
    public void Parse_ExponentFraction_IsExact()
    {
        var input = CaseReader.Parse(Case(hyperparameters: """{ "kappa": 5e-1, "ownerCut": 0.180000 }"""));
        Assert.Equal(500_000u, input.Hyperparameters.KappaPpm);
        Assert.Equal(180_000u, input.Hyperparameters.OwnerCutPpm);
    }

    [Fact]
    public void Parse_SumOfStakesReaching2To96_NamesTheStakeThatOverflows()
    {
        const string half = "39614081257132168796771975168"; // 2^95
        AssertError(Case(neurons: $$"""[ { "uid": 0, "stake": "{{half}}", "lastUpdate": 1, "registeredAt": 0 }, { "uid": 1, "stake": "{{half}}", "lastUpdate": 1, "registeredAt": 0 } ]""", weights: "{}"), "$.neurons[1].stake");
    }

    [Fact]
    public void Parse_IntegerWrittenWithPointZero_IsAccepted()
    {
        var input = CaseReader.Parse(Case(weights: """{ "0": { "1": 5.0 } }"""));
        Assert.Equal(5, input.Weights[0, 1]);
    }

    private static void AssertError(string json, string path)
    {
        var error = Assert.Throws<CaseFormatException>(() => CaseReader.Parse(json));
        Assert.Equal(path, error.Path);
        Assert.StartsWith(path + ": ", error.Message, StringComparison.Ordinal);
    }
}
