using System.Globalization;

namespace Intelligence.Chain.Fuzz;

/// <summary>
/// Command-line fuzzer for the chain decoders.
/// Usage: dotnet run -c Release --project tools/Intelligence.Chain.Fuzz -- [target|all] [seconds] [seed]
/// </summary>
public static class Program
{
    /// <summary>Runs the chosen targets and exits 1 on the first unexpected exception.</summary>
    public static int Main(string[] args)
    {
        var name = args.Length > 0 ? args[0] : "all";
        var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        var seed = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : Environment.TickCount;
        var targets = FuzzTargets.All.Where(t => name == "all" || t.Name == name).ToList();
        if (targets.Count == 0)
        {
            Console.Error.WriteLine($"unknown target '{name}'; targets: {string.Join(", ", FuzzTargets.All.Select(t => t.Name))}");
            return 2;
        }
        foreach (var target in targets)
        {
            var result = Fuzzer.Run(target, seed, long.MaxValue, TimeSpan.FromSeconds(seconds));
            if (result.Failure is not null)
            {
                Console.WriteLine($"{target.Name}: FAILED after {result.Executions} inputs (seed {seed}): {result.Failure}");
                Console.WriteLine($"input: {Convert.ToHexStringLower(result.FailingInput!)}");
                return 1;
            }
            Console.WriteLine($"{target.Name}: {result.Executions} inputs, no unexpected exception (seed {seed})");
        }
        return 0;
    }
}
