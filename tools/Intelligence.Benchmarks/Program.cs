using System.Diagnostics;
using BenchmarkDotNet.Running;
using Intelligence.Consensus;
using Intelligence.Consensus.Cases;

namespace Intelligence.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project tools/Intelligence.Benchmarks -- --filter '*' --job short</c>
/// (BenchmarkDotNet, wall clock), or <c>-- --cpu-time</c> for process CPU time per epoch, which stays meaningful on
/// a shared, loaded machine where wall-clock figures mostly measure the other tenants.
/// </summary>
public static class Program
{
    /// <summary>Runs the benchmarks selected on the command line, or the CPU-time report.</summary>
    public static void Main(string[] args)
    {
        if (args.Contains("--cpu-time"))
        {
            CpuTimeReport();
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }

    private static void CpuTimeReport()
    {
        Console.WriteLine("shape      CPU ms/epoch (best of 3 batches)   target");
        foreach (var (n, k, runs, target) in new[] { (256, 64, 500, "< 1 ms"), (1024, 128, 50, ""), (4096, 256, 6, "< 100 ms") })
        {
            var input = SyntheticCases.Dense(n, k, seed: 1);
            for (int i = 0; i < 5; i++)
            {
                YumaEpoch.Run(input);
            }
            double best = double.MaxValue;
            for (int batch = 0; batch < 3; batch++)
            {
                var start = Process.GetCurrentProcess().TotalProcessorTime;
                for (int i = 0; i < runs; i++)
                {
                    YumaEpoch.Run(input);
                }
                best = Math.Min(best, (Process.GetCurrentProcess().TotalProcessorTime - start).TotalMilliseconds / runs);
            }
            Console.WriteLine($"{n}x{k,-8} {best,12:F3}                       {target}");
        }
    }
}
