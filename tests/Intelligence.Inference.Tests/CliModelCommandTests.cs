using System.CommandLine;
using Intelligence.Inference.Onnx;

namespace Intelligence.Inference.Tests;

/// <summary>The <c>intelligence model inspect</c> command, run through the real command tree.</summary>
public sealed class CliModelCommandTests
{
    private static (int Exit, string Output, string Error) Invoke(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = Intelligence.Cli.Program.BuildRoot().Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void Inspect_WrittenModel_PrintsSignatureAndProvider()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cli-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(path, OnnxGraphs.Mlp([Reference.RandomLayer(new Random(1), 64, 10)]));
            var (exit, output, _) = Invoke("model", "inspect", path, "--provider", "Auto");

            Assert.Equal(0, exit);
            Assert.Contains("input:    input Float [batch, 64]", output);
            Assert.Contains("output:   output Float [batch, 10]", output);
            Assert.Contains("ONNX Runtime 1.", output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Inspect_PyTorchExport_ListsItsInputs()
    {
        var (exit, output, _) = Invoke("model", "inspect", Fixtures.PathOf("onnx/silero_vad.onnx"));
        Assert.Equal(0, exit);
        Assert.Contains("input:    sr Int64 []", output);
        Assert.Contains("provider Cpu", output);
    }

    [Fact]
    public void Inspect_CorruptFile_ExitsOneWithTypedMessage()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cli-bad-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllText(path, "not a model");
            var (exit, _, error) = Invoke("model", "inspect", path);
            Assert.Equal(1, exit);
            Assert.StartsWith("error: Cannot load ONNX model from", error);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
