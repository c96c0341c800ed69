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
        var started = Stopwatch.GetTimestamp();
        var result = await ClosedLoop.RunAsync(concurrency, seconds, warmup, async () =>
        {
            var options = new CallOptions { Timeout = TimeSpan.FromSeconds(10) };
            var body = fixedBody;
            if (requests is not null)
            {
                var index = Interlocked.Increment(ref next);
                if (index >= requests.Length)
                {
                    return CallOutcome.NoMoreWork;
                }

                (body, var headers) = requests[index];
                foreach (var h in headers)
                {
                    options.Headers.Add(h);
                }
            }

            var reply = await client.UnaryAsync(address, path, body, options);
            return reply.Status.IsOk ? CallOutcome.Success : CallOutcome.Failed(reply.Status.ToString());
        });
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds - warmup;
        Console.WriteLine("bench " + JsonSerializer.Serialize(new
        {
            requests = result.LatenciesMs.Length,
            errors = result.Errors,
            seconds = Math.Clamp(elapsed, 1e-9, seconds),
            p50Ms = result.Percentile(0.5),
            p99Ms = result.Percentile(0.99),
            exhausted = result.RanOut,
            firstError = result.FirstError,
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
