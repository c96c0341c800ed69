using Intelligence.Inference.Training;

namespace Intelligence.Subnets.Diagnosis;

/// <summary>
/// Subnet "diagnosis": a clinic (validator) measures model providers (miners) on patient records they never see.
/// Miners receive 30 features and answer the probability that the mass is malignant; validators score log-loss
/// and AUC against the class-prior baseline.
/// </summary>
public sealed class DiagnosisSubnet : ClassificationSubnet, IReferenceModelTrainer
{
    /// <summary>Name of the input tensor: float32 [N, 30], the UCI feature order.</summary>
    public const string FeaturesInput = "features";

    /// <summary>Name of the output tensor: float32 [N, 1], probability of malignant in [0,1].</summary>
    public const string MalignancyOutput = "malignancy";

    /// <summary>Features per record.</summary>
    public const int Features = 30;

    /// <summary>Label of a malignant record after loading (the file's 0 = malignant is flipped so 1 = malignant).</summary>
    public const int Malignant = 1;

    private static readonly TaskSchema TaskSchema = new(
        [new TensorSpec(FeaturesInput, TensorElementType.Float32, [TensorSpec.Batch, Features])],
        [new TensorSpec(MalignancyOutput, TensorElementType.Float32, [TensorSpec.Batch, 1])]);

    /// <summary>Creates the subnet over the embedded dataset (or the clinic's own records, see <see cref="ClassificationSplitOptions.PrivateRecords"/>).</summary>
    public DiagnosisSubnet(ClassificationSplitOptions? split = null, AntiGamingOptions? antiGaming = null)
        : base(LoadDataset(), split, antiGaming)
    {
    }

    /// <inheritdoc />
    public override string Name => "diagnosis";

    /// <inheritdoc />
    public override TaskSchema Schema => TaskSchema;

    /// <inheritdoc />
    protected override string InputName => FeaturesInput;

    /// <summary>The 569 UCI Wisconsin records embedded in this assembly, labelled 1 = malignant, 0 = benign.</summary>
    public static TabularDataset LoadDataset() => ParseCsv(DatasetFiles.ReadEmbeddedLines(typeof(DiagnosisSubnet).Assembly, "breast_cancer.csv"));

    /// <summary>Parses records in the UCI file layout (one header line, 30 features, class 0 = malignant / 1 = benign).</summary>
    public static TabularDataset ParseCsv(IReadOnlyList<string> lines)
    {
        var raw = TabularDataset.FromCsv(lines, 1, 2);
        if (raw.FeatureCount != Features)
        {
            throw new DatasetFormatException($"expected {Features} features, found {raw.FeatureCount}");
        }
        return new TabularDataset(raw.Features, [.. raw.Labels.Select(y => 1 - y)], 2);
    }

    /// <summary>Reference model: logistic regression (sigmoid of a linear score) trained on the public split, scaling folded in.</summary>
    public byte[] TrainReferenceModel(int seed)
    {
        var rows = Enumerable.Range(0, PublicSplit.Count).ToArray();
        var model = MlpTrainer.TrainLogisticRegression(
            PublicSplit.Flatten(rows), rows.Length, Features, PublicSplit.Labels.ToArray(), 2, binary: true, epochs: 100, seed: seed);
        return model.ToOnnx();
    }

    /// <inheritdoc />
    protected override bool ValuesAreValid(ClassificationQuery query, IReadOnlyList<SubnetTensor> outputs)
        => AreProbabilities(outputs[0], rowsSumToOne: false);

    /// <summary>
    /// Score = 0 if log-loss is not below the prior's or AUC is not significantly above 0.5
    /// (<see cref="ClassificationSubnet.AucIsSignificant"/>); else the mean of log-loss skill (1 - LL / LL_prior)
    /// and ranking skill (2 AUC - 1), each clamped to [0,1].
    /// </summary>
    protected override Evaluation Evaluate(ClassificationQuery query, IReadOnlyList<SubnetTensor> outputs)
    {
        var p = AntiGaming.AsDoubles(outputs[0]);
        var labels = query.Labels.ToArray();
        var logLoss = Metrics.BinaryLogLoss(p, labels);
        var auc = Metrics.Auc(p, labels);
        var priorLogLoss = Metrics.PriorLogLoss(Prior.ToArray(), labels);
        var positives = labels.Count(y => y == Malignant);
        var significant = AucIsSignificant(auc, positives, labels.Length - positives);
        var score = significant ? CombineSkills(1 - (logLoss / priorLogLoss), (2 * auc) - 1) : 0;
        return new Evaluation(score, new Dictionary<string, double>
        {
            ["auc"] = auc,
            ["log_loss"] = logLoss,
            ["prior_log_loss"] = priorLogLoss,
        });
    }
}
