using System.CommandLine;
using Intelligence.Inference;
using Microsoft.Extensions.Logging;

namespace Intelligence.Cli.Commands;

/// <summary><c>intelligence model ...</c>: look at ONNX models with the same runtime miners use.</summary>
internal static class ModelCommands
{
    public static Command Create()
    {
        var path = new Argument<string>("path") { Description = "Path to an .onnx model file" };
        var provider = new Option<ExecutionProvider>("--provider")
        {
            Description = "Execution provider: Cpu, Cuda, or Auto (CUDA when usable, else CPU)",
            DefaultValueFactory = _ => ExecutionProvider.Cpu,
        };
        var inspect = new Command("inspect", "Load a model and print its inputs, outputs and the provider it runs on") { path, provider };
        inspect.SetAction(result => Inspect(
            result.GetValue(path)!, result.GetValue(provider), result.InvocationConfiguration.Output, result.InvocationConfiguration.Error));

        return new Command("model", "Train reference models and inspect ONNX models with the inference runtime") { inspect, ModelTrainCommand.Create() };
    }

    internal static int Inspect(string path, ExecutionProvider provider, TextWriter output, TextWriter error)
    {
        try
        {
            using var session = InferenceSession.FromFile(path, new InferenceSessionOptions { Provider = provider }, new WriterLogger(error));
            output.WriteLine($"model:    {Path.GetFullPath(path)}");
            output.WriteLine($"runtime:  ONNX Runtime {OnnxRuntime.Version}, provider {session.ActiveProvider}");
            foreach (var input in session.Inputs)
            {
                output.WriteLine($"input:    {input.Name} {Describe(input)}");
            }

            foreach (var o in session.Outputs)
            {
                output.WriteLine($"output:   {o.Name} {Describe(o)}");
            }

            return 0;
        }
        catch (InferenceException ex)
        {
            error.WriteLine($"error: {ex.Message}");
            return 1;
        }
    }

    private static string Describe(TensorInfo info) => info.IsTensor ? $"{info.ElementType} {info.ShapeText}" : "(not a tensor)";

    /// <summary>Writes warnings and errors from the runtime (e.g. the CUDA fallback line) to a text writer.</summary>
    private sealed class WriterLogger(TextWriter writer) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                writer.WriteLine($"{logLevel.ToString().ToLowerInvariant()}: {formatter(state, exception)}");
            }
        }
    }
}
