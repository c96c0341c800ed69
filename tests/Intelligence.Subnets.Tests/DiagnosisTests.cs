using Intelligence.Subnets.Diagnosis;

namespace Intelligence.Subnets.Tests;

public sealed class DiagnosisTests
{
    private const string Out = DiagnosisSubnet.MalignancyOutput;

    /// <summary>
    /// A miner that memorised the public split: a confident lookup of every public record, and the class prior
    /// for any record it has not seen (it learned nothing that generalises).
    /// </summary>
    internal static float[] Memoriser(DiagnosisSubnet subnet, SubnetQuery query)
    {
        var table = new Dictionary<string, int>();
        for (var i = 0; i < subnet.PublicSplit.Count; i++)
        {
            table[string.Join(',', subnet.PublicSplit.Features[i])] = subnet.PublicSplit.Labels[i];
        }
        var x = query.Inputs[0].ToFloats();
        return [.. Enumerable.Range(0, query.BatchSize).Select(r =>
            table.TryGetValue(string.Join(',', x.AsSpan(r * 30, 30).ToArray()), out var y)
                ? (y == DiagnosisSubnet.Malignant ? 0.999f : 0.001f)
                : (float)subnet.Prior[DiagnosisSubnet.Malignant])];
    }

    /// <summary>An honest plain C# model trained only on the public split: P(malignant) from nearest centroids.</summary>
    internal static float[] HonestCentroids(DiagnosisSubnet subnet, SubnetQuery query)
    {
        var probs = Answers.NearestCentroid(subnet.PublicSplit, Answers.Features(query), query.BatchSize, 1.0);
        return [.. Enumerable.Range(0, query.BatchSize).Select(r => probs[(r * 2) + DiagnosisSubnet.Malignant])];
    }

    private static double Score(DiagnosisSubnet subnet, SubnetQuery q, float[] p)
        => subnet.Score(q, [Answers.Response("m", Out, [q.BatchSize, 1], p)])[0].Score;

    [Fact]
    public void Memoriser_WinsOnPublicRecordsButLosesToAnHonestModelOnTheValidatorsRecords()
    {
        var subnet = new DiagnosisSubnet();
        // The public split used as if it were the clinic's records: the memoriser looks perfect there.
        var onPublic = new DiagnosisSubnet(new ClassificationSplitOptions { PrivateRecords = subnet.PublicSplit });
        var publicQuery = onPublic.QueryFor();
        var privateQuery = subnet.QueryFor();

        var memorisedPublic = Score(onPublic, publicQuery, Memoriser(subnet, publicQuery));
        var honestPublic = Score(onPublic, publicQuery, HonestCentroids(subnet, publicQuery));
        var memorisedPrivate = subnet.Score(privateQuery, [Answers.Response("memoriser", Out, [privateQuery.BatchSize, 1], Memoriser(subnet, privateQuery))])[0];
        var honestPrivate = Score(subnet, privateQuery, HonestCentroids(subnet, privateQuery));

        Assert.True(memorisedPublic > 0.95 && memorisedPublic > honestPublic, $"public: memoriser {memorisedPublic}, honest {honestPublic}");
        Assert.True(honestPrivate > 0.5, $"honest on private records {honestPrivate}");
        Assert.True(memorisedPrivate.Score < honestPrivate - 0.5, $"private: memoriser {memorisedPrivate.Score}, honest {honestPrivate}");
        Assert.Equal(ScoreReason.Constant, memorisedPrivate.Reason); // it answers the prior for every unseen record
    }

    [Fact]
    public void ValidatorRecords_NeverOverlapThePublicSplit()
    {
        var subnet = new DiagnosisSubnet(new ClassificationSplitOptions { ValidatorSeed = 77 });
        var pub = subnet.PublicSplit.Features.Select(r => string.Join(',', r)).ToHashSet();

        Assert.DoesNotContain(subnet.ValidatorSplit.Features, r => pub.Contains(string.Join(',', r)));
        Assert.Equal(569, DiagnosisSubnet.LoadDataset().Count);
        Assert.Equal(212, DiagnosisSubnet.LoadDataset().Labels.Count(y => y == DiagnosisSubnet.Malignant));
    }

    [Fact]
    public void QueryBatches_HoldBothClassesSoAucIsDefined()
    {
        var subnet = new DiagnosisSubnet();
        var rng = new Random(8);
        for (var i = 0; i < 20; i++)
        {
            var q = (ClassificationQuery)subnet.CreateQueryBatch(rng);
            Assert.Equal(32, q.BatchSize);
            Assert.Contains(DiagnosisSubnet.Malignant, q.Labels);
            Assert.Contains(1 - DiagnosisSubnet.Malignant, q.Labels);
        }
    }

    [Fact]
    public void RandomProbabilities_ScoreZeroOnEveryOneOf200Batches()
    {
        var subnet = new DiagnosisSubnet();
        var rng = new Random(31);
        var zero = 0;
        for (var i = 0; i < 200; i++)
        {
            var q = subnet.CreateQueryBatch(rng);
            var p = Enumerable.Range(0, q.BatchSize).Select(_ => (float)rng.NextDouble()).ToArray();
            var s = subnet.Score(q, [Answers.Response("random", Out, [q.BatchSize, 1], p)])[0];
            zero += s.Score == 0 ? 1 : 0;
        }

        // Random scores must not reach 3 standard deviations of AUC above chance while beating the prior's
        // log-loss (about 0.07 % of batches by simulation); these 200 fixed batches never do.
        Assert.Equal(200, zero);
    }

    [Fact]
    public void ProbabilityOutsideUnitInterval_ScoresZero()
    {
        var subnet = new DiagnosisSubnet();
        var q = subnet.CreateQueryBatch(new Random(1));
        var p = HonestCentroids(subnet, q);
        p[0] = 1.5f;

        var s = subnet.Score(q, [Answers.Response("m", Out, [q.BatchSize, 1], p)])[0];

        Assert.Equal(ScoreReason.InvalidValues, s.Reason);
    }

    [Fact]
    public void PrivateRecordsWithWrongWidth_AreATypedError()
    {
        var narrow = new TabularDataset([new float[29], new float[29]], [0, 1], 2);

        Assert.Throws<DatasetFormatException>(() => new DiagnosisSubnet(new ClassificationSplitOptions { PrivateRecords = narrow }));
    }
}
