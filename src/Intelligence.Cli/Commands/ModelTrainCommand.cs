using System.CommandLine;
using System.Globalization;
using Intelligence.Subnets;
using Intelligence.Subnets.Catalog;

namespace Intelligence.Cli.Commands;

/// <summary><c>intelligence model train</c>: fits a subnet's reference model on its public split and writes ONNX.</summary>
internal static class ModelTrainCommand
{
    /// <summary>Where models go by default, and where the operator docs point the miner: ~/.intelligence/models/&lt;subnet&gt;.onnx.</summary>
    public static string DefaultModelPath(string subnet) =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".intelligence", "models", subnet + ".onnx");

    public static Command Create()
    {
        var subnet = new Option<string>("--subnet", "-s") { Description = "Subnet whose reference model to train", Required = true };
        subnet.AcceptOnlyFromAmong([.. KnownSubnets.Names]);
        var outFile = new Option<FileInfo?>("--out", "-o") { Description = "Where to write the ONNX model (default: ~/.intelligence/models/<subnet>.onnx, what the miner docs use)" };
        var seed = new Option<int>("--seed") { Description = "Training seed (same seed, same model)", DefaultValueFactory = _ => 1 };
        var command = new Command("train", "Train the subnet's reference model on its public split, write it as ONNX and report its score on a validator batch") { subnet, outFile, seed };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var name = parseResult.GetRequiredValue(subnet);
            var file = parseResult.GetValue(outFile) ?? new FileInfo(DefaultModelPath(name));
            var instance = KnownSubnets.Create(name);
            if (instance is not IReferenceModelTrainer trainer)
            {
                error.WriteLine($"error: subnet '{name}' has no reference model trainer");
                return 1;
            }
            if (Directory.Exists(file.FullName))
            {
                error.WriteLine($"error: {file.FullName} is a folder; --out names the model file to write, e.g. {Path.Combine(file.FullName, name + ".onnx")}");
                return 1;
            }
            try
            {
                var bytes = trainer.TrainReferenceModel(parseResult.GetValue(seed));
                file.Directory?.Create();
                File.WriteAllBytes(file.FullName, bytes);
                output.WriteLine($"wrote {name} reference model ({bytes.Length.ToString("N0", CultureInfo.InvariantCulture)} bytes) to {file.FullName}");
                output.WriteLine(Validation(instance!, bytes, parseResult.GetValue(seed)));
                output.WriteLine($"next: intelligence-miner --Subnet:Name {name} --Subnet:Netuid <netuid> --Miner:Model {file.FullName} (docs/operators/miner.md)");
                return 0;
            }
            catch (IOException e)
            {
                error.WriteLine($"error: cannot write {file.FullName}: {e.Message}");
                return 1;
            }
            catch (UnauthorizedAccessException e)
            {
                error.WriteLine($"error: cannot write {file.FullName}: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>Scores the model the way a validator would, on one batch of the validator split (it was not trained on).</summary>
    private static string Validation(ISubnet subnet, byte[] model, int seed)
    {
        using var loaded = SubnetModel.Load(model, subnet.Schema);
        var query = subnet.CreateQueryBatch(new Random(seed));
        if (!subnet.IsRevealed(query))
        {
            return $"validation: {subnet.Name} is scored when the truth arrives; validators score it live";
        }
        var score = subnet.Score(query, [new MinerResponse("reference", loaded.Answer(query.Inputs), TimeSpan.Zero)])[0];
        var metrics = string.Join(", ", score.Metrics.OrderBy(m => m.Key, StringComparer.Ordinal).Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Key} {m.Value:0.0000}")));
        return string.Create(CultureInfo.InvariantCulture, $"validation on {query.BatchSize} held-out validator rows: score {score.Score:0.0000} ({score.Reason}); {metrics}");
    }
}

/// <summary>
/// The subnet catalog as the CLI uses it (one place, so the catalog can move to its own library without touching the
/// commands): names, and an instance by name.
/// </summary>
internal static class KnownSubnets
{
    public static IReadOnlyList<string> Names => SubnetCatalog.Names;

    public static ISubnet? Create(string name) => SubnetCatalog.Create(name);
}
