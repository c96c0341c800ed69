using System.Diagnostics;
using System.Text.Json;
using Intelligence.Protocol.Client;

namespace Intelligence.Protocol.Bench;

/// <summary>
/// Our client as a separate load process (`protocol-bench load '&lt;spec&gt;'`), with the same spec and output line as
/// tests/node/protocol/grpc-js-client.mjs in bench mode, so a server can be measured alone in its process with a
/// load generator cheaper than grpc-js. Sends pre-signed requests as they are (it does not check the miner's
/// response signatures: that is the validator's work, not the load's).
/// </summary>
internal static class LoadClient
{
    public static async Task<int> RunAsync(string specJson)
    {
        using var doc = JsonDocument.Parse(specJson);
        var spec = doc.RootElement;
        var address = new Uri("http://" + spec.GetProperty("address").GetString());
        var path = spec.GetProperty("path").GetString()!;
        var concurrency = spec.GetProperty("concurrency").GetInt32();
        var seconds = spec.GetProperty("seconds").GetDouble();
        var warmup = spec.TryGetProperty("warmupSeconds", out var w) ? w.GetDouble() : 1.0;
        var requests = spec.TryGetProperty("requestsFile", out var file)
            ? File.ReadLines(file.GetString()!).Select(Parse).ToArray()
            : null;
        var fixedBody = spec.TryGetProperty("body", out var b) ? Convert.FromBase64String(b.GetString()!) : [];

        using var client = new GrpcClient();
        var next = -1;
        long errors = 0;
        string? firstError = null;
        var exhausted = false;
        var measureFrom = Stopwatch.GetTimestamp() + (long)(warmup * Stopwatch.Frequency);
        var until = measureFrom + (long)(seconds * Stopwatch.Frequency);
        var latencies = new List<double>[concurrency];
        var workers = Enumerable.Range(0, concurrency).Select(i => Task.Run(async () =>
        {
            var mine = latencies[i] = new List<double>(1 << 14);
            while (Stopwatch.GetTimestamp() < until)
            {
                var options = new CallOptions { Timeout = TimeSpan.FromSeconds(10) };
                var body = fixedBody;
                if (requests is not null)
                {
                    var index = Interlocked.Increment(ref next);
                    if (index >= requests.Length)
                    {
                        exhausted = true;
                        return;
                    }

                    (body, var headers) = requests[index];
                    foreach (var h in headers)
                    {
                        options.Headers.Add(h);
                    }
                }

                var t0 = Stopwatch.GetTimestamp();
                var result = await client.UnaryAsync(address, path, body, options);
                if (t0 < measureFrom)
                {
                    continue;
                }

                if (result.Status.IsOk)
                {
                    mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
                else if (Interlocked.Increment(ref errors) == 1)
                {
                    firstError = result.Status.ToString();
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        var all = latencies.SelectMany(l => l).Order().ToArray();
        var elapsed = Stopwatch.GetElapsedTime(measureFrom).TotalSeconds;
        Console.WriteLine("bench " + JsonSerializer.Serialize(new
        {
            requests = all.Length,
            errors,
            seconds = Math.Min(elapsed, seconds),
            p50Ms = all.Length == 0 ? 0 : all[all.Length / 2],
            p99Ms = all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(all.Length * 0.99))],
            exhausted,
            firstError = firstError ?? "",
        }));
        return 0;
    }

    private static (byte[] Body, KeyValuePair<string, string>[] Headers) Parse(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var body = Convert.FromBase64String(doc.RootElement.GetProperty("body").GetString()!);
        var headers = doc.RootElement.GetProperty("metadata").EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.GetString()!)).ToArray();
        return (body, headers);
    }
}
