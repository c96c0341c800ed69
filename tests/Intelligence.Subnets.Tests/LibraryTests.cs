using Intelligence.Subnets.Digits;

namespace Intelligence.Subnets.Tests;

public sealed class LibraryTests
{
    [Fact]
    public void SubnetTensor_BytesThatDoNotFitTheShape_ThrowsMalformed()
    {
        Assert.Throws<MalformedTensorException>(() => new SubnetTensor("x", TensorElementType.Float32, [2, 3], new byte[23]));
        Assert.Throws<MalformedTensorException>(() => new SubnetTensor("x", TensorElementType.Float32, [-1, 3], Array.Empty<byte>()));
        Assert.Throws<MalformedTensorException>(() => new SubnetTensor("x", (TensorElementType)99, [1], new byte[4]));
    }

    [Fact]
    public void SubnetTensor_FloatsRoundTrip()
    {
        var t = SubnetTensor.FromFloats("x", [2, 2], [1f, -2.5f, float.Epsilon, 3e8f]);

        Assert.Equal([1f, -2.5f, float.Epsilon, 3e8f], t.ToFloats());
        Assert.Equal(16, t.Data.Length);
        Assert.Throws<MalformedTensorException>(() => SubnetTensor.FromInt64s("y", [1], [1L]).ToFloats());
    }

    [Fact]
    public void Auc_MatchesPairCounting()
    {
        double[] p = [0.1, 0.4, 0.35, 0.8, 0.4];
        int[] y = [0, 0, 1, 1, 1];
        // Pairs (pos, neg): (0.35,0.1)=1 (0.35,0.4)=0 (0.8,*)=2 (0.4,0.1)=1 (0.4,0.4)=0.5 -> 4.5 of 6.
        Assert.Equal(4.5 / 6, Metrics.Auc(p, y), 12);
        Assert.Equal(0.5, Metrics.Auc([0.2, 0.3], [1, 1]));
    }

    [Fact]
    public void Mase_SkipsMissingTruthAndScalesBySeasonalNaive()
    {
        double[] series = [1, 2, double.NaN, 4, 6];
        Assert.Equal(2.0, Metrics.SeasonalNaiveScale(series, 2)); // only |4-2| has both sides known
        Assert.Equal(2.0 / 2, Metrics.Mase([1, 10, 3], [2, double.NaN, 4], 1.0));
        Assert.True(double.IsNaN(Metrics.Mase([1], [double.NaN], 1.0)));
    }

    [Fact]
    public void LogLoss_ClipsConfidentMistakes()
    {
        Assert.Equal(-Math.Log(Metrics.Epsilon), Metrics.BinaryLogLoss([0.0], [1]), 9);
        Assert.Equal(-Math.Log(0.5), Metrics.MulticlassLogLoss([0.5, 0.5], [1], 2), 12);
    }

    [Fact]
    public void ValidatorSplit_IsDisjointFromPublicAndDependsOnTheValidatorSeed()
    {
        var a = new DigitsSubnet(new ClassificationSplitOptions { ValidatorSeed = 1 });
        var b = new DigitsSubnet(new ClassificationSplitOptions { ValidatorSeed = 2 });
        var again = new DigitsSubnet(new ClassificationSplitOptions { ValidatorSeed = 1 });

        var publicRows = a.PublicSplit.Features.Select(Key).ToHashSet();
        Assert.DoesNotContain(a.ValidatorSplit.Features, r => publicRows.Contains(Key(r)));
        Assert.Equal(a.ValidatorSplit.Features.Select(Key), again.ValidatorSplit.Features.Select(Key));
        Assert.NotEqual(a.ValidatorSplit.Features.Select(Key), b.ValidatorSplit.Features.Select(Key));
        Assert.Equal(a.PublicSplit.Features.Select(Key), b.PublicSplit.Features.Select(Key));
        Assert.Equal(1797, DigitsSubnet.LoadDataset().Count);
    }

    [Fact]
    public void CreateQueryBatch_DrawsOnlyValidatorRowsWithTheirLabels()
    {
        var subnet = new DigitsSubnet();
        var query = (ClassificationQuery)subnet.CreateQueryBatch(new Random(3));
        var byRow = Enumerable.Range(0, subnet.ValidatorSplit.Count).ToLookup(i => Key(subnet.ValidatorSplit.Features[i]), i => subnet.ValidatorSplit.Labels[i]);

        var features = query.Inputs[0].ToFloats();
        Assert.Equal(64, query.BatchSize);
        for (var r = 0; r < query.BatchSize; r++)
        {
            Assert.Contains(query.Labels[r], byRow[Key(features.AsSpan(r * 64, 64).ToArray())]);
        }
    }

    [Fact]
    public void CommitmentBook_RejectsATwiceAnsweringHotkeyAndAFullBook()
    {
        var subnet = new DigitsSubnet();
        var q = subnet.CreateQueryBatch(new Random(1));
        var r = MinerResponse.Failed("hk", "timeout", TimeSpan.Zero);
        var book = new CommitmentBook(capacity: 1);

        Assert.Throws<ArgumentException>(() => book.Commit(q, [r, r with { Hotkey = "HK" }]));
        book.Commit(q, [r]);
        Assert.Throws<InvalidOperationException>(() => book.Commit(q, [r]));
        var scored = Assert.Single(book.ScoreRevealed(subnet));
        Assert.Equal(ScoreReason.Missing, scored.Scores[0].Reason);
        Assert.Equal(0, book.PendingCount);
    }

    [Fact]
    public void TabularDataset_BadCsv_ThrowsDatasetFormat()
    {
        Assert.Throws<DatasetFormatException>(() => TabularDataset.FromCsv(["1,2,x"], 0, 2));
        Assert.Throws<DatasetFormatException>(() => TabularDataset.FromCsv(["1,2,5"], 0, 2));
        Assert.Throws<DatasetFormatException>(() => TabularDataset.FromCsv(["1,2,1", "1,1"], 0, 2));
    }

    private static string Key(float[] row) => string.Join(',', row);
}
