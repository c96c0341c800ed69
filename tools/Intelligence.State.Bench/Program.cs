// Our Redis client doing redis-benchmark's SET/GET work (3-byte values, one key, n requests over c
// logical clients, P commands in flight per client), printed next to redis-benchmark's own figures.
// Usage: Intelligence.State.Bench <port> <OP:P:c:n=peer-rps> ...   (tools/bench-state.sh passes redis-benchmark's results)
using System.Diagnostics;
using System.Globalization;
using Intelligence.State;

var port = int.Parse(args[0], CultureInfo.InvariantCulture);
var workloads = args.Skip(1).Select(a =>
{
    var (spec, rps) = (a.Split('=')[0], double.Parse(a.Split('=')[1], CultureInfo.InvariantCulture));
    var f = spec.Split(':');
    return (Op: f[0], Depth: int.Parse(f[1], CultureInfo.InvariantCulture), Clients: int.Parse(f[2], CultureInfo.InvariantCulture), Requests: int.Parse(f[3], CultureInfo.InvariantCulture), Peer: rps);
}).ToList();

await using var client = await RedisClient.ConnectAsync(new RedisOptions { Port = port, CommandTimeout = TimeSpan.FromSeconds(60) });
const string Key = "key:__rand_int__"; // the key redis-benchmark uses without -r
var value = "xxx"u8.ToArray();        // redis-benchmark's default -d 3 payload

// Warm up the JIT and the connection.
await Run("SET", 16, 50, 50_000);
await Run("GET", 1, 50, 20_000);

Console.WriteLine();
Console.WriteLine($"{"workload",-24} {"redis-benchmark",16} {"Intelligence.State",19} {"ratio",7} {"target",7}");
foreach (var w in workloads)
{
    var ours = await Run(w.Op, w.Depth, w.Clients, w.Requests);
    var target = w.Depth > 1 ? 0.70 : 0.80;
    var ratio = ours / w.Peer;
    var name = $"{w.Op} -P {w.Depth} -c {w.Clients} -n {w.Requests}";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-24} {w.Peer,12:N0} rps {ours,15:N0} rps {ratio,6:P0} {target,6:P0} {(ratio >= target ? "met" : "MISSED")}"));
}

// n requests split over `clients` logical clients sharing our one connection; each keeps `depth` commands in
// flight: depth > 1 uses the explicit batch API (depth commands written together, like -P), depth 1 awaits
// each reply before sending the next, like -P 1.
async Task<double> Run(string op, int depth, int clients, int total)
{
    var perClient = total / clients;
    var watch = Stopwatch.StartNew();
    var workers = Enumerable.Range(0, clients).Select(_ => Task.Run(async () =>
    {
        if (depth == 1)
        {
            for (var i = 0; i < perClient; i++)
            {
                if (op == "SET")
                {
                    await client.SetAsync(Key, value);
                }
                else
                {
                    await client.GetAsync(Key);
                }
            }

            return;
        }

        var writes = new ValueTask<bool>[depth];
        var reads = new ValueTask<byte[]?>[depth];
        for (var done = 0; done < perClient; done += depth)
        {
            var n = Math.Min(depth, perClient - done);
            var batch = client.CreateBatch();
            for (var j = 0; j < n; j++)
            {
                if (op == "SET")
                {
                    writes[j] = batch.SetAsync(Key, value);
                }
                else
                {
                    reads[j] = batch.GetAsync(Key);
                }
            }

            batch.Send();
            for (var j = 0; j < n; j++)
            {
                if (op == "SET")
                {
                    await writes[j];
                }
                else
                {
                    await reads[j];
                }
            }
        }
    })).ToArray();
    await Task.WhenAll(workers);
    watch.Stop();
    return perClient * clients / watch.Elapsed.TotalSeconds;
}
