using Intelligence.Inference.Training;
using Intelligence.Subnets.Digits;

namespace Intelligence.Network.Tests;

/// <summary>Three digits models of known quality, trained with the project's own trainers on the public split.</summary>
internal static class Models
{
    private static readonly Lazy<DigitsSubnet> Subnet = new(() => new DigitsSubnet());

    /// <summary>The subnet's reference model (MLP 64-32-10, 40 epochs on the whole public split).</summary>
    public static byte[] Good() => Subnet.Value.TrainReferenceModel(seed: 1);

    /// <summary>A small MLP that saw 150 rows for 4 epochs: clearly better than chance, clearly worse than the reference.</summary>
    public static byte[] Weak()
    {
        var pub = Subnet.Value.PublicSplit;
        var rows = Enumerable.Range(0, 150).ToArray();
        return MlpTrainer.TrainClassifier(pub.Flatten(rows), rows.Length, DigitsSubnet.Pixels, [.. rows.Select(r => pub.Labels[r])], DigitsSubnet.Classes,
            new MlpTrainerOptions { HiddenLayers = [8], Epochs = 4, Seed = 7 }).ToOnnx();
    }

    /// <summary>A model trained on shuffled labels: it answers confidently and at random (no skill).</summary>
    public static byte[] Random()
    {
        var pub = Subnet.Value.PublicSplit;
        var rows = Enumerable.Range(0, pub.Count).ToArray();
        var labels = pub.Labels.ToArray();
        new Random(3).Shuffle(labels);
        return MlpTrainer.TrainClassifier(pub.Flatten(rows), rows.Length, DigitsSubnet.Pixels, labels, DigitsSubnet.Classes,
            new MlpTrainerOptions { HiddenLayers = [32], Epochs = 20, Seed = 5 }).ToOnnx();
    }
}
