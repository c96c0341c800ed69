// Redis work measured two ways in one run, row by row: redis-benchmark (started here, as a child process) and
// StackExchange.Redis as the stores use it. Workloads: SET/GET of a 3-byte value on redis-benchmark's key (plain
// IDatabase calls), the score-EMA script over 256 uids of one subnet, and the replay-cache check (SET NX PX of a fresh
// key). n requests over c logical clients, P commands in flight per client. Each row runs `rounds` times, the two sides
// alternating which goes first; the table gives medians, the ratio of each round's pair, and CPU per operation: the
// client's own (redis-benchmark's rusage; this process' CPU time, bench loop included) and redis-server's (INFO cpu),
// because wall-clock rates on a shared machine mostly measure how much CPU each side was given.
// Then the embedded file store's durable updates/s.
// Usage: Intelligence.State.Bench <port> [--requests N] [--rounds R]   (tools/bench-state.sh starts redis-server)
//        Intelligence.State.Bench --ema-script                          (prints the EMA script)
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Intelligence.State.Stores;
using StackExchange.Redis;

if (args is ["--ema-script"])
{
    Console.Write(RedisScoreStore.UpdateLua);
    return 0;
}

var port = int.Parse(args[0], CultureInfo.InvariantCulture);
var requests = (int)Arg("--requests", 200_000);
var rounds = (int)Arg("--rounds", 3);
const int Pool = 4; // multiplexers in the pooled rows

var endpoint = $"127.0.0.1:{port},syncTimeout=60000,asyncTimeout=60000";
await using var admin = await ConnectionMultiplexer.ConnectAsync(endpoint + ",allowAdmin=true");
var server = admin.GetServer(admin.GetEndPoints()[0]);
var sha = Convert.ToHexStringLower(await server.ScriptLoadAsync(RedisScoreStore.UpdateLua));
var muxes = new ConnectionMultiplexer[Pool];
for (var i = 0; i < muxes.Length; i++)
{
    muxes[i] = await ConnectionMultiplexer.ConnectAsync(endpoint);
}

var scores = new RedisScoreStore(muxes[0], "bench:");
var replay = new RedisReplayCache(muxes[0], "bench:");
const string Key = "key:__rand_int__"; // the key redis-benchmark uses without -r
var value = "xxx"u8.ToArray();        // redis-benchmark's default -d 3 payload
var at = DateTimeOffset.FromUnixTimeMilliseconds(1);
long fresh = 0;
// Nonce keys outlive the run: keys expiring mid-run would charge Redis' expiry work to whichever row runs then.
var retention = TimeSpan.FromHours(1);
await server.FlushAllDatabasesAsync();

var workloads = new List<Workload>
{
    new("SET", 16, 50, requests), new("GET", 16, 50, requests),
    new("SET", 16, 50, requests, Pool), new("GET", 16, 50, requests, Pool),
    new("SET", 1, 50, requests), new("GET", 1, 50, requests),
    new("SET", 1, 1, requests / 10), new("GET", 1, 1, requests / 10),
    new("EMA1", 16, 50, requests / 2), new("EMA", 16, 50, requests / 2), new("NX", 16, 50, requests / 2),
    new("EMA", 1, 50, requests / 2), new("NX", 1, 50, requests / 2),
};

// Warm up the connections and the JIT (tiered compilation must have finished: its CPU would count against a row).
for (var i = 0; i < 3; i++)
{
    foreach (var op in new[] { "SET", "GET", "EMA", "EMA1", "NX" })
    {
        await RunClient(new(op, 16, 50, 50_000, Pool));
        await RunClient(new(op, 16, 50, 20_000));
        await RunClient(new(op, 1, 50, 10_000));
    }
}

Console.WriteLine($"{rounds} rounds per row, sides alternating; medians. CPU per operation in microseconds: client = redis-benchmark's own / this process' (bench loop included); server = redis-server's.");
Console.WriteLine();
Console.WriteLine($"{"workload",-30} {"redis-benchmark",15} {"StackExchange.Redis",19} {"ratio",6} {"target",-11} {"client CPU us/op",17} {"server CPU us/op",17}");
foreach (var w in workloads)
{
    var peer = new List<Sample>();
    var ours = new List<Sample>();
    for (var r = 0; r < rounds; r++)
    {
        if (r % 2 == 0)
        {
            peer.Add(await RunPeer(w));
            ours.Add(await RunClient(w));
        }
        else
        {
            ours.Add(await RunClient(w));
            peer.Add(await RunPeer(w));
        }
    }

    var ratio = Median(peer.Zip(ours, (p, o) => o.Rps / p.Rps));
    var target = w.Depth > 1 ? 0.70 : 0.80;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{w.Name,-30} {Median(peer.Select(s => s.Rps)),11:N0} rps {Median(ours.Select(s => s.Rps)),15:N0} rps {ratio,6:P0} {target,4:P0} {(ratio >= target ? "met" : "MISSED"),-6} {Median(peer.Select(s => s.ClientUs)),7:0.00} / {Median(ours.Select(s => s.ClientUs)),-7:0.00} {Median(peer.Select(s => s.ServerUs)),7:0.00} / {Median(ours.Select(s => s.ServerUs)),-7:0.00}"));
}

Console.WriteLine($"server-side script calls: {string.Join(", ", (await server.InfoAsync("commandstats")).SelectMany(g => g).Where(p => p.Key.StartsWith("cmdstat_eval", StringComparison.Ordinal)).Select(p => p.Key[8..] + " " + p.Value.Split(',')[0]))}");
Console.WriteLine($"(measured on {Environment.ProcessorCount} cores, load average {LoadAverage()}; other jobs share this machine)");

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

foreach (var mux in muxes)
{
    await mux.DisposeAsync();
}

return 0;

// redis-benchmark doing the row's work; its CPU comes from this process' reaped-children rusage.
async Task<Sample> RunPeer(Workload w)
{
    var start = new ProcessStartInfo("redis-benchmark") { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in (string[])["-p", port.ToString(CultureInfo.InvariantCulture), "-n", w.Requests.ToString(CultureInfo.InvariantCulture),
        "-c", w.Clients.ToString(CultureInfo.InvariantCulture), "-P", w.Depth.ToString(CultureInfo.InvariantCulture), "-q"])
    {
        start.ArgumentList.Add(a);
    }

    string[] command = w.Op switch
    {
        "SET" or "GET" => ["-t", w.Op.ToLowerInvariant()],
        // 256 record keys of one subnet (__rand_int__ is drawn below 256), as the store writes them.
        "EMA" or "EMA1" => ["-r", "256", "EVALSHA", sha, "2", "bench:{s1}:scores", "bench:{s1}:score:__rand_int__", "hk", "0.5", "0.1", "1", "7"],
        _ => ["-r", "1000000000", "SET", "bench:used:x:__rand_int__", "1", "NX", "PX", "3600000"],
    };
    foreach (var a in command)
    {
        start.ArgumentList.Add(a);
    }

    var server0 = await ServerCpu();
    var children0 = ChildrenCpu();
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEndAsync();
    var errors = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    var client = ChildrenCpu() - children0;
    var serverCpu = await ServerCpu() - server0;
    var rps = Regex.Matches(await output, @"([0-9.]+) requests per second").LastOrDefault() is { } m
        ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)
        : throw new InvalidOperationException($"redis-benchmark gave no rate: {await errors}");
    return new Sample(rps, client.TotalMicroseconds / w.Requests, serverCpu.TotalMicroseconds / w.Requests);
}

async Task<Sample> RunClient(Workload w)
{
    var me = Process.GetCurrentProcess();
    var server0 = await ServerCpu();
    var cpu0 = me.TotalProcessorTime;
    var rps = await Run(w.Op, w.Depth, w.Clients, w.Requests, w.Multiplexers);
    me.Refresh();
    var cpu = me.TotalProcessorTime - cpu0;
    var serverCpu = await ServerCpu() - server0;
    return new Sample(rps, cpu.TotalMicroseconds / w.Requests, serverCpu.TotalMicroseconds / w.Requests);
}

async Task<TimeSpan> ServerCpu()
{
    var info = (await server.InfoAsync("cpu")).SelectMany(g => g).ToDictionary(p => p.Key, p => p.Value);
    return TimeSpan.FromSeconds(double.Parse(info["used_cpu_user"], CultureInfo.InvariantCulture) + double.Parse(info["used_cpu_sys"], CultureInfo.InvariantCulture));
}

static TimeSpan ChildrenCpu()
{
    const int RusageChildren = -1;
    return Native.GetRusage(RusageChildren, out var usage) == 0
        ? TimeSpan.FromMicroseconds((usage.UserSeconds * 1e6) + usage.UserMicroseconds + (usage.SystemSeconds * 1e6) + usage.SystemMicroseconds)
        : throw new InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
}

// n requests split over `clients` logical clients, spread over `multiplexers` connections; each keeps `depth` commands
// in flight: depth > 1 writes depth commands together (an IBatch, or UpdateManyAsync for the EMA), depth 1 awaits each.
async Task<double> Run(string op, int depth, int clients, int total, int multiplexers)
{
    var perClient = total / clients;
    var watch = Stopwatch.StartNew();
    var workers = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
    {
        var db = muxes[c % multiplexers].GetDatabase();
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
                // The store's own step write: one script call for the 16 updates.
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
    // The shape redis-benchmark sends (and UpdateManyAsync sent before it put a step in one call): one script per update.
    "EMA1" => target.ScriptEvaluateAsync(RedisScoreStore.UpdateLua, ["bench:{s1}:scores", "bench:{s1}:score:" + ((c + i) % 256).ToString(CultureInfo.InvariantCulture)], ["hk", "0.5", "0.1", 1, (c + i) % 256]),
    _ when target is IBatch => target.StringSetAsync("bench:used:x:" + Interlocked.Increment(ref fresh).ToString(CultureInfo.InvariantCulture), 1, retention, When.NotExists),
    _ => replay.TryUseOnceAsync("x", (ulong)Interlocked.Increment(ref fresh), retention).AsTask(),
};

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

static double Arg(string name, double fallback)
{
    var all = Environment.GetCommandLineArgs();
    var i = Array.IndexOf(all, name);
    return i >= 0 && i + 1 < all.Length ? double.Parse(all[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

/// <summary>One row: operation, pipeline depth, logical clients, requests, multiplexers our side spreads them over.</summary>
internal sealed record Workload(string Op, int Depth, int Clients, int Requests, int Multiplexers = 1)
{
    public string Name => (Op, Depth) switch
    {
        ("EMA1", _) => $"EMA -P {Depth} -c {Clients}, 1 script/update",
        ("EMA", > 1) => $"EMA -P {Depth} -c {Clients}, UpdateManyAsync",
        _ => $"{Op} -P {Depth} -c {Clients}{(Multiplexers > 1 ? $", {Multiplexers} muxes" : string.Empty)}",
    };
}

/// <summary>One side's figures for one round: requests/s and CPU microseconds per request.</summary>
internal readonly record struct Sample(double Rps, double ClientUs, double ServerUs);

/// <summary>getrusage(2), for the CPU time of the redis-benchmark children this process has reaped.</summary>
internal static partial class Native
{
    [LibraryImport("libc", EntryPoint = "getrusage", SetLastError = true)]
    public static partial int GetRusage(int who, out RUsage usage);

    /// <summary>struct rusage on 64-bit Linux: two timevals, then 14 longs this bench does not read.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct RUsage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        private unsafe fixed long _rest[14];
    }
}
