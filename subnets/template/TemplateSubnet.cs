using Intelligence.Inference.Training;

namespace Intelligence.Subnets.Template;

/// <summary>
/// Subnet "template": miners receive rows of 4 features and answer the probability of each of 2 classes.
/// Replace <see cref="LoadDataset"/> with your data and <see cref="Evaluate"/> with your metric; the split, query
/// batches and the anti-gaming rules come from <see cref="ClassificationSubnet"/> and <see cref="SubnetBase{TQuery}"/>.
/// </summary>
public sealed class TemplateSubnet : ClassificationSubnet, IReferenceModelTrainer
{
    /// <summary>Name of the input tensor: float32 [N, 4].</summary>
    public const string FeaturesInput = "features";

    /// <summary>Name of the output tensor: float32 [N, 2], class probabilities, rows sum to 1.</summary>
    public const string ProbabilitiesOutput = "probabilities";

    /// <summary>Features per row.</summary>
    public const int Features = 4;

    /// <summary>Classes.</summary>
    public const int Classes = 2;

    private static readonly TaskSchema TaskSchema = new(
        [new TensorSpec(FeaturesInput, TensorElementType.Float32, [TensorSpec.Batch, Features])],
        [new TensorSpec(ProbabilitiesOutput, TensorElementType.Float32, [TensorSpec.Batch, Classes])]);

    /// <summary>Creates the subnet over its dataset, split as <paramref name="split"/> says.</summary>
    public TemplateSubnet(ClassificationSplitOptions? split = null, AntiGamingOptions? antiGaming = null)
        : base(LoadDataset(), split, antiGaming)
    {
    }

    /// <inheritdoc />
    public override string Name => "template";

    /// <inheritdoc />
    public override TaskSchema Schema => TaskSchema;

    /// <inheritdoc />
    protected override string InputName => FeaturesInput;

    /// <summary>
    /// The dataset: 400 synthetic rows from two overlapping Gaussian clouds, fixed by seed. Replace with your
    /// own (embed a CSV as in subnets/digits and read it with <see cref="DatasetFiles"/>).
    /// </summary>
    public static TabularDataset LoadDataset()
    {
        var rng = new Random(42);
        var features = new List<float[]>();
        var labels = new List<int>();
        for (var i = 0; i < 400; i++)
        {
            var y = i % Classes;
            features.Add([.. Enumerable.Range(0, Features).Select(j => (float)(Gaussian(rng) + (y == 1 ? 2.0 - (0.4 * j) : 0)))]);
            labels.Add(y);
        }
        return new TabularDataset(features, labels, Classes);
    }

    /// <summary>Reference model: logistic regression trained on the public split.</summary>
    public byte[] TrainReferenceModel(int seed)
    {
        var rows = Enumerable.Range(0, PublicSplit.Count).ToArray();
        return MlpTrainer.TrainLogisticRegression(PublicSplit.Flatten(rows), rows.Length, Features, PublicSplit.Labels.ToArray(), Classes, seed: seed).ToOnnx();
    }

    /// <inheritdoc />
    protected override bool ValuesAreValid(ClassificationQuery query, IReadOnlyList<SubnetTensor> outputs)
        => AreProbabilities(outputs[0], rowsSumToOne: true);

    /// <summary>Score = 0 unless log-loss beats the prior's; else the mean of log-loss skill and accuracy skill over the majority class.</summary>
    protected override Evaluation Evaluate(ClassificationQuery query, IReadOnlyList<SubnetTensor> outputs)
        => EvaluateClassProbabilities(query, outputs[0]);

    private static double Gaussian(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
}
