// Redis work measured two ways in one run: redis-benchmark (its figures come in as arguments) and StackExchange.Redis
// as the stores use it. Workloads: SET/GET of a 3-byte value on redis-benchmark's key (plain IDatabase calls), the
// score-EMA script (RedisScoreStore.UpdateAsync, or UpdateManyAsync of 16 for -P 16) over 256 uids of one subnet, and
// the replay-cache check (RedisReplayCache.TryUseOnceAsync: SET NX PX of a fresh key). n requests over c logical
// clients sharing one multiplexer, P commands in flight per client. Then the embedded file store's durable updates/s.
// Usage: Intelligence.State.Bench <port> <OP:P:c:n=peer-rps> ...   (tools/bench-state.sh passes redis-benchmark's results)
//        Intelligence.State.Bench --ema-script                    (prints the EMA script, for redis-benchmark's EVALSHA)
using System.Diagnostics;
using System.Globalization;
using Intelligence.State.Stores;
using StackExchange.Redis;

if (args is ["--ema-script"])
{
    Console.Write(RedisScoreStore.UpdateLua);
    return 0;
}

var port = int.Parse(args[0], CultureInfo.InvariantCulture);
var workloads = args.Skip(1).Select(a =>
{
    var (spec, rps) = (a.Split('=')[0], double.Parse(a.Split('=')[1], CultureInfo.InvariantCulture));
    var f = spec.Split(':');
    return (Op: f[0], Depth: int.Parse(f[1], CultureInfo.InvariantCulture), Clients: int.Parse(f[2], CultureInfo.InvariantCulture), Requests: int.Parse(f[3], CultureInfo.InvariantCulture), Peer: rps);
}).ToList();

await using var mux = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},syncTimeout=60000,asyncTimeout=60000");
var db = mux.GetDatabase();
var scores = new RedisScoreStore(mux, "bench:");
var replay = new RedisReplayCache(mux, "bench:");
const string Key = "key:__rand_int__"; // the key redis-benchmark uses without -r
var value = "xxx"u8.ToArray();        // redis-benchmark's default -d 3 payload
var at = DateTimeOffset.FromUnixTimeMilliseconds(1);
long fresh = 0;

// Warm up the JIT and the connection.
foreach (var op in new[] { "SET", "GET", "EMA", "NX" })
{
    await Run(op, 16, 50, 20_000);
    await Run(op, 1, 50, 5_000);
}

Console.WriteLine();
Console.WriteLine($"{"workload",-26} {"redis-benchmark",15} {"StackExchange.Redis",19} {"ratio",6} {"target",7}");
foreach (var w in workloads)
{
    var se = await Run(w.Op, w.Depth, w.Clients, w.Requests);
    var target = w.Depth > 1 ? 0.70 : 0.80;
    var ratio = se / w.Peer;
    var name = $"{w.Op} -P {w.Depth} -c {w.Clients} -n {w.Requests}";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-26} {w.Peer,11:N0} rps {se,15:N0} rps {ratio,6:P0} {target,6:P0} {(ratio >= target ? "met" : "MISSED")}"));
}

// The embedded store, durable (WAL + synchronous=FULL: each acknowledged update is on disk).
Console.WriteLine();
Console.WriteLine("embedded file store (SQLite, WAL, synchronous=FULL), durable score updates per second:");
var dir = Directory.CreateTempSubdirectory("intelligence-bench-").FullName;
try
{
    await using var file = SqliteScoreStore.Open(Path.Combine(dir, SqliteScoreStore.DefaultFileName));
    await File1("one caller, each update awaited (one fsync each)", 1, 1);
    await File1("64 concurrent callers (group commit)", 64, 1);
    await File1("UpdateManyAsync, 256 samples per validator step", 1, 256);
    await File1("4 concurrent steps of 256 samples", 4, 256);

    async Task File1(string name, int callers, int step)
    {
        var done = 0L;
        var watch = Stopwatch.StartNew();
        var limit = TimeSpan.FromSeconds(3);
        await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var samples = Enumerable.Range(0, step).Select(u => new ScoreSample(1, (c * step) + u, "hk", 0.5, 0.1, at)).ToList();
            while (watch.Elapsed < limit)
            {
                if (step == 1)
                {
                    await file.UpdateAsync(1, c, "hk", 0.5, 0.1, at);
                }
                else
                {
                    await file.UpdateManyAsync(samples);
                }

                Interlocked.Add(ref done, step);
            }
        })));
        var rate = done / watch.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-50} {rate,10:N0} updates/s  (target 5,000: {(rate >= 5000 ? "met" : "missed")})"));
    }
}
finally
{
    Directory.Delete(dir, recursive: true);
}

return 0;

// n requests split over `clients` logical clients sharing one multiplexer; each keeps `depth` commands in flight:
// depth > 1 writes depth commands together (an IBatch, or UpdateManyAsync for the EMA), depth 1 awaits each reply.
async Task<double> Run(string op, int depth, int clients, int total)
{
    var perClient = total / clients;
    var watch = Stopwatch.StartNew();
    var workers = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
    {
        var pending = new Task[depth];
        var samples = new ScoreSample[depth];
        for (var done = 0; done < perClient; done += depth)
        {
            var n = Math.Min(depth, perClient - done);
            if (depth == 1)
            {
                await Issue(db, op, c, done);
                continue;
            }

            if (op == "EMA")
            {
                for (var j = 0; j < n; j++)
                {
                    samples[j] = new ScoreSample(1, (c + done + j) % 256, "hk", 0.5, 0.1, at);
                }

                await scores.UpdateManyAsync(n == depth ? samples : samples[..n]);
                continue;
            }

            var batch = db.CreateBatch();
            for (var j = 0; j < n; j++)
            {
                pending[j] = Issue(batch, op, c, done + j);
            }

            batch.Execute();
            for (var j = 0; j < n; j++)
            {
                await pending[j];
            }
        }
    })).ToArray();
    await Task.WhenAll(workers);
    watch.Stop();
    return perClient * clients / watch.Elapsed.TotalSeconds;
}

Task Issue(IDatabaseAsync target, string op, int c, int i) => op switch
{
    "SET" => target.StringSetAsync(Key, value),
    "GET" => target.StringGetAsync(Key),
    "EMA" => scores.UpdateAsync(1, (c + i) % 256, "hk", 0.5, 0.1, at).AsTask(),
    _ when target is IBatch => target.StringSetAsync("bench:used:x:" + Interlocked.Increment(ref fresh).ToString(CultureInfo.InvariantCulture), 1, TimeSpan.FromMinutes(1), When.NotExists),
    _ => replay.TryUseOnceAsync("x", (ulong)Interlocked.Increment(ref fresh), TimeSpan.FromMinutes(1)).AsTask(),
};
