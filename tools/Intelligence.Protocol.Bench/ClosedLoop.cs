using System.Diagnostics;

namespace Intelligence.Protocol.Bench;

/// <summary>What one call of a closed loop came to.</summary>
/// <param name="Ok">The call succeeded.</param>
/// <param name="Error">Why it failed (null when it succeeded).</param>
/// <param name="Stop">There is no more work: the worker ends without counting this call.</param>
internal readonly record struct CallOutcome(bool Ok, string? Error = null, bool Stop = false)
{
    public static CallOutcome Success => new(true);

    public static CallOutcome NoMoreWork => new(false, Stop: true);

    public static CallOutcome Failed(string error) => new(false, error);
}

/// <summary>Latencies (sorted, ms) of the calls counted, the failures and the first failure's reason.</summary>
internal sealed record LoopResult(double[] LatenciesMs, long Errors, string FirstError, bool RanOut)
{
    public double Percentile(double p) => LatenciesMs.Length == 0 ? 0 : LatenciesMs[Math.Min(LatenciesMs.Length - 1, (int)(p * LatenciesMs.Length))];
}

/// <summary>
/// The load loop every bench client shares: <c>concurrency</c> workers each call, await and call again until
/// <c>warmup + seconds</c> have passed; only calls started after the warm-up are counted.
/// </summary>
internal static class ClosedLoop
{
    /// <summary>Runs the loop; <paramref name="measuring"/> is called once, when the first counted call ends.</summary>
    public static async Task<LoopResult> RunAsync(int concurrency, double seconds, double warmup, Func<Task<CallOutcome>> call, Action? measuring = null)
    {
        var measureFrom = Stopwatch.GetTimestamp() + (long)(warmup * Stopwatch.Frequency);
        var until = measureFrom + (long)(seconds * Stopwatch.Frequency);
        var latencies = new List<double>[concurrency];
        long errors = 0;
        string? firstError = null;
        var ranOut = false;
        var marked = 0;
        var workers = Enumerable.Range(0, concurrency).Select(i => Task.Run(async () =>
        {
            var mine = latencies[i] = new List<double>(1 << 14);
            while (true)
            {
                var t0 = Stopwatch.GetTimestamp();
                if (t0 >= until)
                {
                    return;
                }

                var outcome = await call();
                var t1 = Stopwatch.GetTimestamp();
                if (outcome.Stop)
                {
                    ranOut = true;
                    return;
                }

                if (t0 < measureFrom)
                {
                    continue;
                }

                if (Interlocked.Exchange(ref marked, 1) == 0)
                {
                    measuring?.Invoke();
                }

                if (outcome.Ok)
                {
                    mine.Add((t1 - t0) * 1000.0 / Stopwatch.Frequency);
                }
                else if (Interlocked.Increment(ref errors) == 1)
                {
                    firstError = outcome.Error;
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return new LoopResult(latencies.SelectMany(l => l).Order().ToArray(), errors, firstError ?? "", ranOut);
    }
}
