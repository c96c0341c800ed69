// Redis work measured three ways in one run: redis-benchmark (its figures come in as arguments), our former RESP
// client, and StackExchange.Redis. Workloads: SET/GET of a 3-byte value on redis-benchmark's key, the score-EMA
// script (EVALSHA over 256 uids of one subnet) and the replay-cache check (SET NX PX of a fresh key).
// n requests over c logical clients sharing one connection, P commands in flight per client.
// Usage: Intelligence.State.Bench <port> <OP:P:c:n=peer-rps> ...   (tools/bench-state.sh passes redis-benchmark's results)
//        Intelligence.State.Bench --ema-script                    (prints the EMA script, for redis-benchmark's EVALSHA)
using System.Diagnostics;
using System.Globalization;
using Intelligence.State;
using Intelligence.State.Resp;
using StackExchange.Redis;

if (args is ["--ema-script"])
{
    Console.Write(BenchScripts.Ema);
    return 0;
}

var port = int.Parse(args[0], CultureInfo.InvariantCulture);
var workloads = args.Skip(1).Select(a =>
{
    var (spec, rps) = (a.Split('=')[0], double.Parse(a.Split('=')[1], CultureInfo.InvariantCulture));
    var f = spec.Split(':');
    return (Op: f[0], Depth: int.Parse(f[1], CultureInfo.InvariantCulture), Clients: int.Parse(f[2], CultureInfo.InvariantCulture), Requests: int.Parse(f[3], CultureInfo.InvariantCulture), Peer: rps);
}).ToList();

await using var ours = await RedisClient.ConnectAsync(new RedisOptions { Port = port, CommandTimeout = TimeSpan.FromSeconds(60) });
await using var mux = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{port},syncTimeout=60000,asyncTimeout=60000");
var db = mux.GetDatabase();
const string Key = "key:__rand_int__"; // the key redis-benchmark uses without -r
var value = "xxx"u8.ToArray();        // redis-benchmark's default -d 3 payload
var oldEma = new RedisScript(BenchScripts.Ema);
long fresh = 0;

// Warm up the JIT and both connections.
foreach (var client in new[] { "ours", "se" })
{
    foreach (var op in new[] { "SET", "GET", "EMA", "NX" })
    {
        await Run(client, op, 16, 50, 20_000);
        await Run(client, op, 1, 50, 5_000);
    }
}

Console.WriteLine();
Console.WriteLine($"{"workload",-26} {"redis-benchmark",15} {"old RESP client",15} {"SE.Redis",12} {"SE/peer",8} {"SE/old",7} {"target",7}");
foreach (var w in workloads)
{
    var old = await Run("ours", w.Op, w.Depth, w.Clients, w.Requests);
    var se = await Run("se", w.Op, w.Depth, w.Clients, w.Requests);
    var target = w.Depth > 1 ? 0.70 : 0.80;
    var ratio = se / w.Peer;
    var name = $"{w.Op} -P {w.Depth} -c {w.Clients} -n {w.Requests}";
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-26} {w.Peer,11:N0} rps {old,11:N0} rps {se,8:N0} rps {ratio,8:P0} {se / old,7:P0} {target,6:P0} {(ratio >= target ? "met" : "MISSED")}"));
}

return 0;

// n requests split over `clients` logical clients sharing one connection; each keeps `depth` commands in flight:
// depth > 1 issues depth commands before awaiting them (like -P), depth 1 awaits each reply first (like -P 1).
async Task<double> Run(string client, string op, int depth, int clients, int total)
{
    var perClient = total / clients;
    var watch = Stopwatch.StartNew();
    var workers = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
    {
        var pending = new Task[depth];
        for (var done = 0; done < perClient; done += depth)
        {
            var n = Math.Min(depth, perClient - done);
            if (client == "ours" && depth > 1)
            {
                var batch = ours.CreateBatch();
                for (var j = 0; j < n; j++)
                {
                    pending[j] = op switch
                    {
                        "SET" => batch.SetAsync(Key, value).AsTask(),
                        "GET" => batch.GetAsync(Key).AsTask(),
                        "EMA" => batch.ScriptEvaluateAsync(oldEma, EmaKeys(c, done + j), EmaArgs(c, done + j)).AsTask(),
                        _ => batch.SetAsync(FreshKey(), 1, TimeSpan.FromMinutes(1), SetCondition.NotExists).AsTask(),
                    };
                }

                batch.Send();
            }
            else if (depth > 1)
            {
                // StackExchange.Redis' IBatch: the depth commands are written to the socket together.
                var batch = db.CreateBatch();
                for (var j = 0; j < n; j++)
                {
                    pending[j] = op switch
                    {
                        "SET" => batch.StringSetAsync(Key, value),
                        "GET" => batch.StringGetAsync(Key),
                        "EMA" => batch.ScriptEvaluateAsync(BenchScripts.Ema, [EmaKeys(c, done + j)[0], EmaKeys(c, done + j)[1]], ["hk", 0.5, 0.1, 1, (c + done + j) % 256]),
                        _ => batch.StringSetAsync(FreshKey(), 1, TimeSpan.FromMinutes(1), When.NotExists),
                    };
                }

                batch.Execute();
            }
            else
            {
                for (var j = 0; j < n; j++)
                {
                    pending[j] = Issue(client, op, c, done + j);
                    if (depth == 1)
                    {
                        await pending[j];
                    }
                }
            }

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

Task Issue(string client, string op, int c, int i) => (client, op) switch
{
    ("ours", "SET") => ours.SetAsync(Key, value).AsTask(),
    ("ours", "GET") => ours.GetAsync(Key).AsTask(),
    ("ours", "EMA") => ours.ScriptEvaluateAsync(oldEma, EmaKeys(c, i), EmaArgs(c, i)).AsTask(),
    ("ours", _) => ours.SetAsync(FreshKey(), 1, TimeSpan.FromMinutes(1), SetCondition.NotExists).AsTask(),
    (_, "SET") => db.StringSetAsync(Key, value),
    (_, "GET") => db.StringGetAsync(Key),
    (_, "EMA") => db.ScriptEvaluateAsync(BenchScripts.Ema, [EmaKeys(c, i)[0], EmaKeys(c, i)[1]], ["hk", 0.5, 0.1, 1, (c + i) % 256]),
    _ => db.StringSetAsync(FreshKey(), 1, TimeSpan.FromMinutes(1), When.NotExists),
};

string[] EmaKeys(int c, int i) => ["bench:{n1}:score:" + ((c + i) % 256).ToString(CultureInfo.InvariantCulture), "bench:{n1}:index"];

RedisArg[] EmaArgs(int c, int i) => ["hk", 0.5, 0.1, 1, (c + i) % 256];

string FreshKey() => "bench:used:" + Interlocked.Increment(ref fresh).ToString(CultureInfo.InvariantCulture);

/// <summary>The score-EMA script (same steps as the store's). KEYS: record hash, subnet index. ARGV: hotkey, sample, alpha, at, uid.</summary>
internal static class BenchScripts
{
    public const string Ema = """
        local hk = redis.call('HGET', KEYS[1], 'hotkey')
        local ema, count, reset = 0, 0, 0
        if hk then
          if hk == ARGV[1] then
            ema = tonumber(redis.call('HGET', KEYS[1], 'ema')) or 0
            count = tonumber(redis.call('HGET', KEYS[1], 'count')) or 0
          else
            reset = 1
          end
        end
        local alpha = tonumber(ARGV[3])
        ema = (alpha * tonumber(ARGV[2])) + ((1 - alpha) * ema)
        count = count + 1
        local text = string.format('%.17g', ema)
        redis.call('HSET', KEYS[1], 'hotkey', ARGV[1], 'ema', text, 'count', tostring(count), 'last', ARGV[4])
        redis.call('ZADD', KEYS[2], tonumber(ARGV[5]), ARGV[5])
        return {text, count, reset}
        """;
}
