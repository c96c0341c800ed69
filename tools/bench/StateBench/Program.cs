// Our Redis client doing redis-benchmark's SET/GET work (3-byte values, one key, N requests over C
// logical clients, P commands in flight per client), printed next to redis-benchmark's own figures.
// Usage: StateBench <port> <requests> <clients> [label=rps ...]   (the labels come from tools/bench-state.sh)
using System.Diagnostics;
using System.Globalization;
using Intelligence.State;

var port = int.Parse(args[0], CultureInfo.InvariantCulture);
var requests = int.Parse(args[1], CultureInfo.InvariantCulture);
var clients = int.Parse(args[2], CultureInfo.InvariantCulture);
var peer = args.Skip(3).Select(a => a.Split('=')).ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));

await using var client = await RedisClient.ConnectAsync(new RedisOptions { Port = port, CommandTimeout = TimeSpan.FromSeconds(60) });
const string Key = "key:__rand_int__"; // the key redis-benchmark uses without -r
var value = "xxx"u8.ToArray();        // redis-benchmark's default -d 3 payload

// Warm up the JIT and the connection.
await Run("SET", 16, 20_000);
await Run("GET", 1, 20_000);

var rows = new List<(string Name, double Ours, string PeerKey, double Target)>();
foreach (var (depth, target) in new[] { (16, 0.70), (1, 0.80) })
{
    foreach (var op in new[] { "SET", "GET" })
    {
        var ours = await Run(op, depth, requests);
        rows.Add(($"{op} P={depth} c={clients}", ours, $"{op}_P{depth}_c{clients}", target));
    }
}

Console.WriteLine();
Console.WriteLine($"{"workload",-18} {"redis-benchmark",16} {"Intelligence.State",19} {"ratio",7} {"target",7}");
foreach (var (name, ours, key, target) in rows)
{
    var theirs = peer.TryGetValue(key, out var t) ? t : double.NaN;
    var ratio = ours / theirs;
    var verdict = double.IsNaN(ratio) ? string.Empty : ratio >= target ? "met" : "MISSED";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-18} {theirs,12:N0} rps {ours,15:N0} rps {ratio,6:P0} {target,6:P0} {verdict}"));
}

// N requests split over `clients` logical clients; each keeps `depth` commands in flight: depth 16 uses the
// explicit batch API (16 commands written together, like -P 16), depth 1 awaits each reply before the next.
async Task<double> Run(string op, int depth, int total)
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

        var pending = new ValueTask<bool>[depth];
        var reads = new ValueTask<byte[]?>[depth];
        for (var done = 0; done < perClient; done += depth)
        {
            var n = Math.Min(depth, perClient - done);
            var batch = client.CreateBatch();
            for (var j = 0; j < n; j++)
            {
                if (op == "SET")
                {
                    pending[j] = batch.SetAsync(Key, value);
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
                    await pending[j];
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
    var rps = perClient * clients / watch.Elapsed.TotalSeconds;
    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ours {op} P={depth} c={clients} n={perClient * clients}: {rps:N0} requests per second"));
    return rps;
}
