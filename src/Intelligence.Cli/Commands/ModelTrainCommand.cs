using System.CommandLine;
using Intelligence.Subnets;
using Intelligence.Subnets.Catalog;

namespace Intelligence.Cli.Commands;

/// <summary><c>intelligence model train</c>: fits a subnet's reference model on its public split and writes ONNX.</summary>
internal static class ModelTrainCommand
{
    public static Command Create()
    {
        var subnet = new Option<string>("--subnet", "-s") { Description = "Subnet whose reference model to train", Required = true };
        subnet.AcceptOnlyFromAmong([.. SubnetCatalog.Names]);
        var outFile = new Option<FileInfo>("--out", "-o") { Description = "Where to write the ONNX model", Required = true };
        var seed = new Option<int>("--seed") { Description = "Training seed (same seed, same model)", DefaultValueFactory = _ => 1 };
        var command = new Command("train", "Train the subnet's reference model on its public split and write it as ONNX") { subnet, outFile, seed };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var name = parseResult.GetRequiredValue(subnet);
            var file = parseResult.GetRequiredValue(outFile);
            if (SubnetCatalog.Create(name) is not IReferenceModelTrainer trainer)
            {
                error.WriteLine($"error: subnet '{name}' has no reference model trainer");
                return 1;
            }
            try
            {
                var bytes = trainer.TrainReferenceModel(parseResult.GetValue(seed));
                file.Directory?.Create();
                File.WriteAllBytes(file.FullName, bytes);
                output.WriteLine($"wrote {name} reference model ({bytes.Length} bytes) to {file.FullName}");
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
}
