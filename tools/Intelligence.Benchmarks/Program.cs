using BenchmarkDotNet.Running;

namespace Intelligence.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project tools/Intelligence.Benchmarks -- --filter '*' --job short</c>.</summary>
public static class Program
{
    /// <summary>Runs the benchmarks selected on the command line (BenchmarkDotNet switches).</summary>
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
