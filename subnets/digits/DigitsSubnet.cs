using Intelligence.Inference.Training;

namespace Intelligence.Subnets.Digits;

/// <summary>
/// Subnet "digits": miners receive 8x8 pixel intensities and answer class probabilities for 0-9; validators score
/// log-loss and accuracy on their private split against the class-prior / majority-class baseline.
/// </summary>
public sealed class DigitsSubnet : ClassificationSubnet, IReferenceModelTrainer
{
    /// <summary>Name of the input tensor: float32 [N, 64], intensities 0-16, row-major 8x8.</summary>
    public const string PixelsInput = "pixels";

    /// <summary>Name of the output tensor: float32 [N, 10], class probabilities, rows sum to 1.</summary>
    public const string ProbabilitiesOutput = "probabilities";

    /// <summary>Pixels per image.</summary>
    public const int Pixels = 64;

    /// <summary>Digit classes.</summary>
    public const int Classes = 10;

    private static readonly TaskSchema TaskSchema = new(
        [new TensorSpec(PixelsInput, TensorElementType.Float32, [TensorSpec.Batch, Pixels])],
        [new TensorSpec(ProbabilitiesOutput, TensorElementType.Float32, [TensorSpec.Batch, Classes])]);

    /// <summary>Creates the subnet over the embedded dataset, split as <paramref name="split"/> says (batches of 64 by default).</summary>
    public DigitsSubnet(ClassificationSplitOptions? split = null, AntiGamingOptions? antiGaming = null)
        : base(LoadDataset(), split ?? new ClassificationSplitOptions { BatchSize = 64 }, antiGaming)
    {
    }

    /// <inheritdoc />
    public override string Name => "digits";

    /// <inheritdoc />
    public override TaskSchema Schema => TaskSchema;

    /// <inheritdoc />
    protected override string InputName => PixelsInput;

    /// <summary>The 1797 UCI digits embedded in this assembly.</summary>
    public static TabularDataset LoadDataset()
        => TabularDataset.FromCsv(DatasetFiles.ReadEmbeddedLines(typeof(DigitsSubnet).Assembly, "digits.csv.gz"), 0, Classes);

    /// <summary>Reference model: an MLP 64-32-10 (ReLU, softmax) trained by Adam on the public split, scaling folded in.</summary>
    public byte[] TrainReferenceModel(int seed)
    {
        var rows = Enumerable.Range(0, PublicSplit.Count).ToArray();
        var mlp = MlpTrainer.TrainClassifier(
            PublicSplit.Flatten(rows), rows.Length, Pixels, PublicSplit.Labels.ToArray(), Classes,
            new MlpTrainerOptions { HiddenLayers = [32], Epochs = 40, Seed = seed });
        return mlp.ToOnnx();
    }

    /// <inheritdoc />
    protected override bool ValuesAreValid(ClassificationQuery query, IReadOnlyList<SubnetTensor> outputs)
        => AreProbabilities(outputs[0], rowsSumToOne: true);

    /// <summary>
    /// Score = 0 if log-loss is not below the prior's or accuracy is not 3 standard deviations above the majority
    /// class's; else the mean of log-loss skill (1 - LL / LL_prior) and accuracy skill
    /// ((acc - acc_majority) / (1 - acc_majority)), each clamped to [0,1].
    /// </summary>
    protected override Evaluation Evaluate(ClassificationQuery query, IReadOnlyList<SubnetTensor> outputs)
        => EvaluateClassProbabilities(query, outputs[0]);
}
