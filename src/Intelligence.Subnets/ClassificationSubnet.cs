namespace Intelligence.Subnets;

/// <summary>A batch of the validator's private records: features go to miners, labels stay here.</summary>
public sealed class ClassificationQuery : SubnetQuery
{
    /// <summary>Creates the query; <paramref name="labels"/> are the true classes of the rows, in order.</summary>
    public ClassificationQuery(string subnet, SubnetTensor features, IReadOnlyList<int> labels, TimeSpan timeout)
        : base(subnet, [features], timeout)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Count != BatchSize)
        {
            throw new ArgumentException($"{labels.Count} labels for a batch of {BatchSize}", nameof(labels));
        }
        Labels = labels;
    }

    /// <summary>True classes (validator-side only, never sent).</summary>
    public IReadOnlyList<int> Labels { get; }
}

/// <summary>Where a classification subnet's data comes from and how it is split.</summary>
public sealed record ClassificationSplitOptions
{
    /// <summary>Share of the dataset published for miners to train on (the rest is the validators' pool).</summary>
    public double PublicFraction { get; init; } = 0.6;

    /// <summary>Published seed of the public/pool split: the same for everyone.</summary>
    public int PublicSeed { get; init; } = 2026;

    /// <summary>Share of the pool a validator keeps as its private split, chosen by its own seed.</summary>
    public double ValidatorFraction { get; init; } = 0.75;

    /// <summary>The validator's own seed (kept private).</summary>
    public int ValidatorSeed { get; init; } = 1;

    /// <summary>Records the validator owns (e.g. a clinic's patients); when set they replace the seeded pool subset.</summary>
    public TabularDataset? PrivateRecords { get; init; }

    /// <summary>Rows per query batch.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Answers slower than this score 0.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(12);
}

/// <summary>
/// Shared machinery of classification subnets: the published public split, the validator's private split by its
/// own seed, stratified query batches, the class-prior baseline, and probability checks.
/// </summary>
public abstract class ClassificationSubnet : SubnetBase<ClassificationQuery>
{
    /// <summary>Splits <paramref name="all"/> as <paramref name="split"/> says.</summary>
    protected ClassificationSubnet(TabularDataset all, ClassificationSplitOptions? split, AntiGamingOptions? antiGaming)
        : base(antiGaming)
    {
        ArgumentNullException.ThrowIfNull(all);
        Split = split ?? new ClassificationSplitOptions();
        var (pub, pool) = Splits.Stratified(all.Labels, Split.PublicFraction, Split.PublicSeed);
        PublicSplit = all.Subset(pub);
        if (Split.PrivateRecords is { } own)
        {
            if (own.FeatureCount != all.FeatureCount || own.Classes != all.Classes)
            {
                throw new DatasetFormatException($"private records have {own.FeatureCount} features / {own.Classes} classes, expected {all.FeatureCount} / {all.Classes}");
            }
            ValidatorSplit = own;
        }
        else
        {
            var poolSet = all.Subset(pool);
            var (mine, _) = Splits.Stratified(poolSet.Labels, Split.ValidatorFraction, Split.ValidatorSeed);
            ValidatorSplit = poolSet.Subset(mine);
        }
        var prior = PublicSplit.ClassFrequencies();
        Prior = prior;
        MajorityClass = Array.IndexOf(prior, prior.Max());
    }

    /// <summary>Split settings.</summary>
    public ClassificationSplitOptions Split { get; }

    /// <summary>Rows published for miners (and the reference model) to train on.</summary>
    public TabularDataset PublicSplit { get; }

    /// <summary>The validator's private held-out rows; queries are drawn only from here.</summary>
    public TabularDataset ValidatorSplit { get; }

    /// <summary>Class frequencies of the public split: the uninformed baseline's answer.</summary>
    public IReadOnlyList<double> Prior { get; }

    /// <summary>Most frequent class of the public split: the majority baseline's answer.</summary>
    public int MajorityClass { get; }

    /// <summary>Name of the single input tensor.</summary>
    protected abstract string InputName { get; }

    /// <inheritdoc />
    public override SubnetQuery CreateQueryBatch(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var n = Math.Min(Split.BatchSize, ValidatorSplit.Count);
        var groups = Enumerable.Range(0, ValidatorSplit.Count).GroupBy(i => ValidatorSplit.Labels[i]).Select(g => g.ToArray()).ToArray();
        // Stratified quotas (largest remainder), at least one row of every class when the batch allows it.
        var exact = groups.Select(g => (double)n * g.Length / ValidatorSplit.Count).ToArray();
        var quota = exact.Select((e, i) => Math.Min(groups[i].Length, Math.Max(n >= groups.Length ? 1 : 0, (int)e))).ToArray();
        foreach (var i in Enumerable.Range(0, groups.Length).OrderByDescending(i => exact[i] - Math.Floor(exact[i])).ThenBy(i => i).ToArray())
        {
            if (quota.Sum() < n && quota[i] < groups[i].Length)
            {
                quota[i]++;
            }
        }
        while (quota.Sum() > n)
        {
            quota[Array.IndexOf(quota, quota.Max())]--;
        }
        var rows = new List<int>(n);
        for (var i = 0; i < groups.Length; i++)
        {
            rows.AddRange(Splits.Sample(groups[i], quota[i], rng));
        }
        rng.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(rows));
        return QueryFor(rows);
    }

    /// <summary>A query over the given rows of the validator split (the whole split when null), e.g. for evaluation.</summary>
    public ClassificationQuery QueryFor(IReadOnlyList<int>? rows = null)
    {
        rows ??= [.. Enumerable.Range(0, ValidatorSplit.Count)];
        var tensor = SubnetTensor.FromFloats(InputName, [rows.Count, ValidatorSplit.FeatureCount], ValidatorSplit.Flatten(rows));
        return new ClassificationQuery(Name, tensor, [.. rows.Select(r => ValidatorSplit.Labels[r])], Split.Timeout);
    }

    /// <summary>Every value is a probability in [0,1]; with <paramref name="rowsSumToOne"/>, each row also sums to 1 (±1e-3).</summary>
    protected static bool AreProbabilities(SubnetTensor tensor, bool rowsSumToOne)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var v = AntiGaming.AsDoubles(tensor);
        if (v.Any(p => p < -1e-6 || p > 1 + 1e-6))
        {
            return false;
        }
        if (!rowsSumToOne)
        {
            return true;
        }
        var width = (int)(tensor.ElementCount / tensor.Shape[0]);
        for (var r = 0; r < tensor.Shape[0]; r++)
        {
            if (Math.Abs(v.AsSpan(r * width, width).ToArray().Sum() - 1.0) > 1e-3)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>How many standard deviations above chance an answer must be to score above 0 (the random-answer rule).</summary>
    public const double SignificanceZ = 3.0;

    /// <summary>
    /// True when <paramref name="accuracy"/> over <paramref name="rows"/> rows is at least <see cref="SignificanceZ"/>
    /// binomial standard deviations above <paramref name="chance"/> (what always answering the majority class gets).
    /// </summary>
    public static bool AccuracyIsSignificant(double accuracy, double chance, int rows)
        => chance is > 0 and < 1 && rows > 0 && (accuracy - chance) / Math.Sqrt(chance * (1 - chance) / rows) >= SignificanceZ;

    /// <summary>
    /// True when <paramref name="auc"/> is at least <see cref="SignificanceZ"/> standard deviations above 0.5, using
    /// the AUC's spread under random scores, sqrt((n1 + n2 + 1) / (12 n1 n2)).
    /// </summary>
    public static bool AucIsSignificant(double auc, int positives, int negatives)
        => positives > 0 && negatives > 0 && auc >= 0.5 + (SignificanceZ * Math.Sqrt((positives + negatives + 1) / (12.0 * positives * negatives)));

    /// <summary>
    /// The score of a class-probability answer (<c>[N, Classes]</c>): 0 if log-loss is not below the prior's or the
    /// accuracy is not significantly above the majority class's (<see cref="AccuracyIsSignificant"/>); else
    /// the mean of log-loss skill (1 - LL / LL_prior) and accuracy skill ((acc - acc_majority) / (1 - acc_majority)).
    /// </summary>
    protected Evaluation EvaluateClassProbabilities(ClassificationQuery query, SubnetTensor probabilities)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(probabilities);
        var probs = AntiGaming.AsDoubles(probabilities);
        var labels = query.Labels.ToArray();
        var classes = ValidatorSplit.Classes;
        var logLoss = Metrics.MulticlassLogLoss(probs, labels, classes);
        var accuracy = Metrics.Accuracy(probs, labels, classes);
        var priorLogLoss = Metrics.PriorLogLoss(Prior.ToArray(), labels);
        var majority = (double)labels.Count(y => y == MajorityClass) / labels.Length;
        var significant = AccuracyIsSignificant(accuracy, majority, labels.Length);
        var score = significant ? CombineSkills(1 - (logLoss / priorLogLoss), (accuracy - majority) / (1 - majority)) : 0;
        return new Evaluation(score, new Dictionary<string, double>
        {
            ["accuracy"] = accuracy,
            ["log_loss"] = logLoss,
            ["prior_log_loss"] = priorLogLoss,
            ["majority_accuracy"] = majority,
        });
    }

    /// <summary>
    /// Combines two skills into a score: 0 when the log-loss skill is not positive (no better than the prior, which
    /// covers random and uninformed answers), else the mean of both skills clamped to [0,1].
    /// </summary>
    public static double CombineSkills(double logLossSkill, double rankingSkill)
        => logLossSkill <= 0 ? 0 : (0.5 * Math.Clamp(logLossSkill, 0, 1)) + (0.5 * Math.Clamp(rankingSkill, 0, 1));
}
