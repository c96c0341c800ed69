using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Intelligence.Chain;
using Intelligence.Miner;
using Intelligence.Protocol.Pipeline;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.Signing;
using Intelligence.Protocol.V1;
using Intelligence.Subnets;
using Intelligence.Subnets.Digits;
using Intelligence.Validator;
using Microsoft.Extensions.Logging.Abstractions;

// network-bench: (1) a validator round (the validator's own MinerQuerier: signed fan-out, signature checks, decoding)
// against N lightweight miners in a separate process, each answering after its own latency; (2) the miner's signed
// Forward through the whole pipeline against raw batched inference on the same digits model.
// (3) a validator step's score persistence on the embedded store: per-neuron awaited calls against one call per step.
// Usage: network-bench [rounds|miner|persist|all] [--seconds S] [--miners 16,64,256] [--rounds R] [--variant K=V[,K=V]]...
// Child modes: network-bench serve N caller (the miners), network-bench drive KIND (one validator querier).
// NETWORK_BENCH_ALLOCS=1: each querier also prints the types it allocated most in the measured rounds (the runtime's
// allocation sampling, one event per ~100 KB) to stderr.
const ulong ChainId = 31337;
const ushort Netuid = 1;
var inv = CultureInfo.InvariantCulture;
var jitTicks = new Dictionary<string, long>();

if (args.Length >= 3 && args[0] == "serve")
{
    await ServeAsync(int.Parse(args[1], inv), Address.Parse(args[2]));
    return 0;
}
if (args.Length >= 2 && args[0] == "drive")
{
    // The validator program's process settings, applied as its Main does, before anything uses the shared array pool.
    ValidatorRuntime.Apply();
    await DriveAsync(args[1]);
    return 0;
}
var mode = args.Length > 0 ? args[0] : "all";
var seconds = Option("--seconds", a => double.Parse(a, inv), 3);
var sizes = Option("--miners", a => a.Split(',').Select(x => int.Parse(x, inv)).ToArray(), [16, 64, 256]);
var roundsOption = Option("--rounds", a => int.Parse(a, inv), 0);
// Extra queriers to compare, each "--variant NAME=VALUE[,NAME=VALUE...]": the validator with those environment
// variables added (runtime knobs such as DOTNET_gcServer=1), run alternately with the others.
var variants = args.Select((a, i) => (a, i)).Where(x => x.a == "--variant" && x.i + 1 < args.Length).Select(x => "validator, " + args[x.i + 1]).ToArray();
Console.WriteLine($"network-bench on {Environment.ProcessorCount} cpus (machine shared with other builds: figures are noisy)");
if (mode is "rounds" or "all")
{
    await RoundsAsync();
}
if (mode is "miner" or "all")
{
    await MinerAsync(seconds);
}
if (mode is "persist" or "all")
{
    await PersistAsync();
}
return 0;

// What ValidatorNode.StepAsync writes per step on the default (SQLite, synchronous=FULL) store for N neurons: before,
// one awaited SyncHotkeyAsync per neuron and one UpdateAsync per answer (each its own commit and fsync, since each
// waits for the previous); now one SyncHotkeysAsync and one UpdateManyAsync (one commit each).
async Task PersistAsync()
{
    var dir = Directory.CreateTempSubdirectory("network-bench-store-").FullName;
    Console.WriteLine();
    Console.WriteLine($"validator step persistence, embedded SQLite store (synchronous=FULL) in {dir}, 5 steps each, same run");
    Console.WriteLine("| neurons | step writes | step p50 ms | step max ms | CPU ms/step |");
    Console.WriteLine("|---:|---|---:|---:|---:|");
    try
    {
        foreach (var n in new[] { 64, 256 })
        {
            foreach (var batched in new[] { false, true })
            {
                await using var store = Intelligence.State.Stores.SqliteScoreStore.Open(Path.Combine(dir, $"scores-{n}-{batched}.db"));
                var neurons = Enumerable.Range(0, n).Select(uid => new Intelligence.State.Stores.NeuronHotkey(uid, $"0x{uid:x40}")).ToList();
                var times = new List<double>();
                var cpu = TimeSpan.Zero;
                for (var step = 0; step < 5; step++)
                {
                    var samples = neurons.Select(h => new Intelligence.State.Stores.ScoreSample(Netuid, h.Uid, h.Hotkey, 0.5, 0.1, DateTimeOffset.UtcNow)).ToList();
                    var c0 = Environment.CpuUsage.TotalTime;
                    var sw = Stopwatch.StartNew();
                    if (batched)
                    {
                        await store.SyncHotkeysAsync(Netuid, neurons);
                        await store.UpdateManyAsync(samples);
                    }
                    else
                    {
                        foreach (var h in neurons)
                        {
                            await store.SyncHotkeyAsync(Netuid, h.Uid, h.Hotkey);
                        }
                        foreach (var x in samples)
                        {
                            await store.UpdateAsync(x.Netuid, x.Uid, x.Hotkey, x.Sample, x.Alpha, x.At);
                        }
                    }
                    times.Add(sw.Elapsed.TotalMilliseconds);
                    cpu += Environment.CpuUsage.TotalTime - c0;
                }
                times.Sort();
                Console.WriteLine(string.Create(inv, $"| {n} | {(batched ? "one SyncHotkeysAsync + one UpdateManyAsync (now)" : "one awaited call per neuron and per answer (before)")} | {times[times.Count / 2]:0.0} | {times[^1]:0.0} | {cpu.TotalMilliseconds / times.Count:0.0} |"));
            }
        }
    }
    finally
    {
        Directory.Delete(dir, recursive: true);
    }
    Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}");
}

T Option<T>(string name, Func<string, T> parse, T fallback) =>
    args.SkipWhile(a => a != name).Skip(1).Select(parse).DefaultIfEmpty(fallback).First();

// The validator side runs in its own process per variant ("drive KIND": the validator's runtime settings, and the same
// with the GC budget an operator can add), and the parent alternates their rounds against the same miners so all see
// the same load. CPU figures are each process's own (Environment.CpuUsage), the miners' read from the child's /proc entry.
async Task RoundsAsync()
{
    if (Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal))
    {
        throw new InvalidOperationException("run the apphost (bin/Release/net10.0/network-bench), not dotnet network-bench.dll");
    }
    using var validator = PrivateKey.Generate();
    Console.WriteLine();
    Console.WriteLine("validator round: 1 KiB signed query (4 x 64 float32) to N miners, miner latency spread 5..50 ms; the queriers alternate rounds");
    Console.WriteLine("|   N | querier | round p50 ms | round max ms | round target (1.5 x slowest + 100 ms) | validator CPU us/query (of it background JIT) | GC pause us/query (GCs/round) | alloc KiB/query | miners CPU ms/round | p50 less miners' CPU / cores | working set MB |");
    Console.WriteLine("|----:|---|-------------:|-------------:|---|---:|---:|----------------:|--------------------:|---|---------------:|");
    foreach (var n in sizes)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!, ["serve", n.ToString(inv), validator.Address.ToLowerHex()])
        {
            RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        // 256 Kestrel hosts in one process: no config file watcher each (inotify instances are limited to 128).
        info.Environment["DOTNET_hostBuilder__reloadConfigOnChange"] = "false";
        using var miners = Process.Start(info)!;
        var endpoints = new List<string>();
        var slowest = 0.0;
        string? line;
        while ((line = await miners.StandardOutput.ReadLineAsync()) is not null && line != "ready")
        {
            endpoints.Add(line);
            slowest = Math.Max(slowest, double.Parse(line.Split(' ')[3], inv));
        }
        var drivers = new[] { "validator", Driver.NewGen0 }.Concat(variants).Select(kind => Driver.Start(Environment.ProcessPath!, kind, validator, endpoints)).ToArray();
        foreach (var d in drivers)
        {
            await d.WarmUpAsync();
        }
        var rounds = roundsOption > 0 ? roundsOption : n >= 256 ? 20 : 40;
        var minersCpu = TimeSpan.Zero;
        for (var r = 0; r < rounds; r++)
        {
            foreach (var d in drivers)
            {
                miners.Refresh();
                var before = miners.TotalProcessorTime;
                await d.RoundAsync();
                miners.Refresh();
                minersCpu += miners.TotalProcessorTime - before;
            }
        }
        var minersMs = minersCpu.TotalMilliseconds / (rounds * drivers.Length);
        foreach (var d in drivers)
        {
            var s = await d.StopAsync();
            var p50 = s.Times[s.Times.Count / 2];
            var adjusted = p50 - (minersMs / Environment.ProcessorCount);
            var target = (1.5 * slowest) + 100;
            Console.WriteLine(string.Create(inv,
                $"| {n,3} | {d.Kind} | {p50,12:0.0} | {s.Times[^1],12:0.0} | {target:0} ms: {(p50 <= target ? "met" : "missed")} | {s.CpuMicros / (rounds * n):0} ({s.JitMicros / (rounds * n):0}) | {s.PauseMicros / (rounds * n):0} ({(double)s.Collections / rounds:0.0}) | {s.Allocated / 1024.0 / (rounds * n),15:0.0} | {minersMs,19:0.0} | {adjusted:0.0}: {(adjusted <= target ? "met" : "missed")} | {s.WorkingSetMb,14:0} |"));
            if (s.NotOk > 0)
            {
                Console.WriteLine($"  warning: {d.Kind}: {s.NotOk} of {rounds * n} queries did not answer OK");
            }
        }
        Console.WriteLine(string.Create(inv, $"  N={n}: slowest miner {slowest:0} ms; warm-up {string.Join(", ", drivers.Select(d => $"{d.Kind} {d.WarmUpSeconds:0} s"))}; crypto floor per query (1 sign + 1 recover, CPU in each driver) {string.Join(", ", drivers.Select(d => $"{d.Kind} {d.SignMicros:0} + {d.RecoverMicros:0} us"))}; shared array pool arrays per size and core {string.Join(", ", drivers.Select(d => $"{d.Kind} {d.PoolArrays}"))}; methods compiled while measured {string.Join(", ", drivers.Select(d => $"{d.Kind} {d.CompiledWhileMeasured}"))}"));
        miners.StandardInput.Close();
        await miners.WaitForExitAsync();
    }
    Console.WriteLine($"load average {File.ReadAllText("/proc/loadavg").Trim()}; miners CPU is the miners' process per round (all queriers' rounds averaged)");
}

// One validator querier in its own process: reads the miners from stdin, warms up until the JIT has settled (tier-1
// recompiles land in the background a while after the first calls: a validator runs for days, so the figure is the
// steady state; the warm-up runs the measuring code too, so none of it is compiled while measured), then runs one round
// per "round" line and answers with its figures; at the end, its working set and the methods compiled meanwhile.
async Task DriveAsync(string kind)
{
    var key = PrivateKey.FromHex(Console.ReadLine()!);
    var targets = new List<MinerTarget>();
    string? line;
    while ((line = Console.ReadLine()) is not null && line != "go")
    {
        var p = line.Split(' ');
        targets.Add(new MinerTarget(targets.Count, Address.Parse(p[2]), new Uri("http://127.0.0.1:" + p[1])));
    }
    using var querier = new MinerQuerier(key, ChainId, Netuid);
    var pixels = new float[4 * 64];
    var query = new ClassificationQuery("digits", SubnetTensor.FromFloats("pixels", [4, 64], pixels), [0, 1, 2, 3], TimeSpan.FromSeconds(10));
    Func<Task<IReadOnlyList<MinerAnswer>>> round = () => querier.QueryAsync(targets, query, "digits", TimeSpan.FromSeconds(10), 256, CancellationToken.None);
    // The crypto floor of a query on this machine now: one request signature and one response recovery (run once
    // before the warm-up too, so its own compilations are over before anything is measured).
    var digest = Keccak256.Hash("floor"u8);
    var signature = key.SignHash(digest);
    (double Sign, double Recover) Floor()
    {
        var floorStart = Environment.CpuUsage.TotalTime;
        for (var i = 0; i < 2000; i++)
        {
            key.SignHash(digest);
        }
        var signUs = (Environment.CpuUsage.TotalTime - floorStart).TotalMicroseconds / 2000;
        floorStart = Environment.CpuUsage.TotalTime;
        for (var i = 0; i < 2000; i++)
        {
            Ecdsa.TryRecover(digest, signature, out _);
        }
        return (signUs, (Environment.CpuUsage.TotalTime - floorStart).TotalMicroseconds / 2000);
    }
    Floor();

    // One measured round: "wall_ms cpu_us allocated_bytes not_ok jit_us gc_pause_us gen0_collections". Reading /proc
    // costs CPU too: the JIT thread's figure is read outside the process CPU window.
    async Task<string> MeasuredRoundAsync()
    {
        var jit = JitThreadCpu();
        var pause = GC.GetTotalPauseDuration();
        var collections = GC.CollectionCount(0);
        var cpu = Environment.CpuUsage.TotalTime;
        var allocated = GC.GetTotalAllocatedBytes();
        var sw = Stopwatch.StartNew();
        var answers = await round();
        var wall = sw.Elapsed.TotalMilliseconds;
        var notOk = answers.Count(a => a.Status != "OK");
        var used = Environment.CpuUsage.TotalTime - cpu;
        return string.Create(inv, $"{wall} {used.TotalMicroseconds} {GC.GetTotalAllocatedBytes() - allocated} {notOk} {(JitThreadCpu() - jit).TotalMicroseconds} {(GC.GetTotalPauseDuration() - pause).TotalMicroseconds} {GC.CollectionCount(0) - collections}");
    }

    // Warm-up through the same measured path. Code run once per round reaches tier 1 only after its 30th call and a
    // quiet spell: at least 100 rounds, then until 5 s pass with no method compiled.
    var warm = Stopwatch.StartNew();
    var settled = Stopwatch.StartNew();
    var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
    var warmRounds = 0;
    while ((warmRounds < 100 || settled.Elapsed < TimeSpan.FromSeconds(5)) && warm.Elapsed < TimeSpan.FromSeconds(90))
    {
        warmRounds++;
        await MeasuredRoundAsync();
        if (System.Runtime.JitInfo.GetCompiledMethodCount() is var now && now != compiled)
        {
            compiled = now;
            settled.Restart();
        }
    }
    var (signUs, recoverUs) = Floor();
    // The shared array pool's limit in force (a runtime internal, read only to show that ValidatorRuntime took effect).
    var pool = typeof(object).Assembly.GetType("System.Buffers.SharedArrayPoolStatics")?
        .GetField("s_maxArraysPerPartition", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)?.GetValue(null) ?? "?";
    Console.WriteLine(string.Create(inv, $"warm {warm.Elapsed.TotalSeconds:0} {signUs:0.0} {recoverUs:0.0} {pool}"));
    using var self = Process.GetCurrentProcess();
    using var sampler = Environment.GetEnvironmentVariable("NETWORK_BENCH_ALLOCS") is not null ? new AllocSampler() : null;
    var compiledBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
    while (Console.ReadLine() == "round")
    {
        Console.WriteLine(await MeasuredRoundAsync());
    }
    var compiledWhileMeasured = System.Runtime.JitInfo.GetCompiledMethodCount() - compiledBefore;
    self.Refresh();
    sampler?.Dump();
    Console.WriteLine(string.Create(inv, $"{self.WorkingSet64 / 1048576.0} {compiledWhileMeasured}"));
}

// CPU of the runtime's background tier-up compiler thread (Linux /proc, clock ticks): the JIT still recompiling rarely
// taken paths, shown apart so a short run's leftover compilation is not mistaken for the querier's own cost. Summed
// per thread id, so a compiler thread that ends and is replaced does not make the figure go back.
TimeSpan JitThreadCpu()
{
    foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
    {
        try
        {
            if (File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered Com", StringComparison.Ordinal))
            {
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                jitTicks[Path.GetFileName(task)] = long.Parse(fields[11], inv) + long.Parse(fields[12], inv);
            }
        }
        catch (IOException)
        {
            // The thread ended between listing and reading.
        }
    }
    return TimeSpan.FromSeconds(jitTicks.Values.Sum() / 100.0);
}

async Task ServeAsync(int n, Address caller)
{
    var servers = new List<GrpcServer>();
    var keys = new List<PrivateKey>();
    var answer = new float[4 * 10];
    Array.Fill(answer, 0.1f);
    var body = new ForwardResponse { Outputs = { new Tensor { Name = "probabilities", Dtype = DataType.Float32, Shape = { 4, 10 }, Data = ByteString.CopyFrom(MemoryMarshal.AsBytes(answer.AsSpan())) } } };
    for (var i = 0; i < n; i++)
    {
        var key = PrivateKey.Generate();
        keys.Add(key);
        var directory = new StaticCallerDirectory();
        directory.Set(caller, new CallerInfo(true, true, 1));
        var pipeline = new MinerPipeline(key, new MinerPipelineOptions { Domain = new SigningDomain(ChainId, Netuid), RateLimitPerSecond = 1e6, RateLimitBurst = 1_000_000 }, directory);
        var latency = TimeSpan.FromMilliseconds(5 + (45.0 * i / Math.Max(1, n - 1)));
        var registry = new ServiceRegistry().AddUnary<ForwardRequest, ForwardResponse>(MinerService.ForwardPath, ForwardRequest.Parser, async (_, context) =>
        {
            await Task.Delay(latency, context.CancellationToken);
            return body;
        }, pipeline);
        var server = await GrpcServer.StartAsync(registry, new GrpcServerEndpoint { Port = 0 });
        servers.Add(server);
        Console.WriteLine(string.Create(inv, $"miner {server.Port} {key.Address.ToLowerHex()} {latency.TotalMilliseconds:0.0}"));
    }
    Console.WriteLine("ready");
    await Console.In.ReadToEndAsync();
    foreach (var s in servers)
    {
        await s.DisposeAsync();
    }
}

async Task MinerAsync(double seconds)
{
    var subnet = new DigitsSubnet();
    var file = Path.Combine(Path.GetTempPath(), $"bench-digits-{Environment.ProcessId}.onnx");
    await File.WriteAllBytesAsync(file, subnet.TrainReferenceModel(1));
    await using var model = ModelServer.Load(file, "cpu", subnet.Schema, 256, TimeSpan.FromMilliseconds(2), 4096, NullLogger.Instance);
    var query = subnet.CreateQueryBatch(new Random(1));
    Console.WriteLine();
    Console.WriteLine($"miner: digits reference model, {query.BatchSize} rows per call, {seconds:0} s per row, closed loop");
    Console.WriteLine("| path | concurrency | calls/s | rows/s | p50 ms | p99 ms |");
    Console.WriteLine("|---|---:|---:|---:|---:|---:|");
    foreach (var c in new[] { 1, 16, 64 })
    {
        var (calls, lat) = await ClosedLoopAsync(c, seconds, () => model.RunAsync(query.Inputs, CancellationToken.None));
        Print("raw batched inference (ModelServer)", c, calls, query.BatchSize, lat, seconds);
    }
    using var minerKey = PrivateKey.Generate();
    using var validator = PrivateKey.Generate();
    var options = new MinerOptions { Listen = "127.0.0.1:0", RateLimitPerSecond = 1e6, RateLimitBurst = 1_000_000, MaxConcurrency = 64, QueueCapacity = 4096 };
    var ready = new Intelligence.Node.NodeStatus();
    ready.MarkReady();
    await using var server = await MinerServer.StartAsync(minerKey, ChainId, Netuid, options, model, ready, NullLoggerFactory.Instance, CancellationToken.None);
    server.AllowCaller(validator.Address, new CallerInfo(true, true, 1));
    using var querier = new MinerQuerier(validator, ChainId, Netuid);
    var target = new[] { new MinerTarget(0, minerKey.Address, new Uri($"http://127.0.0.1:{server.Port}")) };
    foreach (var c in new[] { 1, 16, 64 })
    {
        var (calls, lat) = await ClosedLoopAsync(c, seconds, async () =>
        {
            var a = await querier.QueryAsync(target, query, "digits", TimeSpan.FromSeconds(10), 1, CancellationToken.None);
            if (a[0].Status != "OK")
            {
                throw new InvalidOperationException(a[0].Response.Error);
            }
        });
        Print("signed Forward, whole pipeline (MinerServer + MinerQuerier)", c, calls, query.BatchSize, lat, seconds);
    }
    File.Delete(file);
}

static void Print(string path, int c, long calls, int rows, List<double> lat, double seconds)
{
    lat.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {path} | {c} | {calls / seconds:0} | {calls * rows / seconds:0} | {lat[lat.Count / 2]:0.00} | {lat[Math.Min(lat.Count - 1, (int)(lat.Count * 0.99))]:0.00} |"));
}

static async Task<(long Calls, List<double> Latencies)> ClosedLoopAsync(int concurrency, double seconds, Func<Task> call)
{
    for (var i = 0; i < 20; i++)
    {
        await call();
    }
    var end = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
    var all = new List<double>();
    long calls = 0;
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
    {
        var mine = new List<double>();
        while (Stopwatch.GetTimestamp() < end)
        {
            var t = Stopwatch.GetTimestamp();
            await call();
            mine.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }
        lock (all)
        {
            all.AddRange(mine);
            calls += mine.Count;
        }
    })));
    return (calls, all);
}

/// <summary>A "drive" child process and the figures it reported.</summary>
internal sealed class Driver(string kind, Process process)
{
    public const string NewGen0 = "validator, DOTNET_GCgen0size=32 MiB";

    public string Kind { get; } = kind;

    private readonly List<double> _times = [];
    private double _cpu;
    private long _allocated;
    private int _notOk;
    private double _jit;
    private double _pause;
    private int _collections;

    public static Driver Start(string exe, string kind, PrivateKey validator, IEnumerable<string> miners)
    {
        var info = new ProcessStartInfo(exe, ["drive", kind]) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        // The validator program's runtime settings (its runtimeconfig.json, copied next to this bench), as environment
        // overrides: this process's own runtimeconfig is the bench's.
        foreach (var (name, value) in ValidatorRuntimeSettings(Path.Combine(AppContext.BaseDirectory, "intelligence-validator.runtimeconfig.json")))
        {
            info.Environment[name] = value;
        }
        if (kind == NewGen0)
        {
            // The operator setting docs/binaries.md recommends where the runtime cannot read the CPU cache size (this
            // VM): a 32 MiB gen0 budget instead of the ~2 MiB it falls back to. Environment only (no runtimeconfig name).
            info.Environment["DOTNET_GCgen0size"] = "0x2000000";
        }
        else if (kind.StartsWith("validator, ", StringComparison.Ordinal))
        {
            foreach (var setting in kind["validator, ".Length..].Split(','))
            {
                var eq = setting.IndexOf('=', StringComparison.Ordinal);
                info.Environment[setting[..eq].Trim()] = setting[(eq + 1)..].Trim();
            }
        }
        var process = Process.Start(info)!;
        process.StandardInput.WriteLine(Convert.ToHexString(validator.ExportBytes()));
        foreach (var m in miners)
        {
            process.StandardInput.WriteLine(m);
        }
        process.StandardInput.WriteLine("go");
        process.StandardInput.Flush();
        return new Driver(kind, process);
    }

    public double WarmUpSeconds { get; private set; }

    public double SignMicros { get; private set; }

    public double RecoverMicros { get; private set; }

    public string PoolArrays { get; private set; } = "?";

    public int CompiledWhileMeasured { get; private set; }

    public async Task WarmUpAsync()
    {
        var line = await process.StandardOutput.ReadLineAsync();
        if (line is null || !line.StartsWith("warm ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"driver {Kind} failed to start");
        }
        var p = line.Split(' ');
        (WarmUpSeconds, SignMicros, RecoverMicros, PoolArrays) = (double.Parse(p[1], CultureInfo.InvariantCulture), double.Parse(p[2], CultureInfo.InvariantCulture), double.Parse(p[3], CultureInfo.InvariantCulture), p[4]);
    }

    public async Task RoundAsync()
    {
        await process.StandardInput.WriteLineAsync("round");
        await process.StandardInput.FlushAsync();
        var p = (await process.StandardOutput.ReadLineAsync())!.Split(' ');
        _times.Add(double.Parse(p[0], CultureInfo.InvariantCulture));
        _cpu += double.Parse(p[1], CultureInfo.InvariantCulture);
        _allocated += long.Parse(p[2], CultureInfo.InvariantCulture);
        _notOk += int.Parse(p[3], CultureInfo.InvariantCulture);
        _jit += double.Parse(p[4], CultureInfo.InvariantCulture);
        _pause += double.Parse(p[5], CultureInfo.InvariantCulture);
        _collections += int.Parse(p[6], CultureInfo.InvariantCulture);
    }

    public async Task<(List<double> Times, double CpuMicros, double JitMicros, double PauseMicros, int Collections, long Allocated, int NotOk, double WorkingSetMb)> StopAsync()
    {
        process.StandardInput.Close();
        var last = (await process.StandardOutput.ReadLineAsync())!.Split(' ');
        var ws = double.Parse(last[0], CultureInfo.InvariantCulture);
        CompiledWhileMeasured = int.Parse(last[1], CultureInfo.InvariantCulture);
        await process.WaitForExitAsync();
        process.Dispose();
        _times.Sort();
        return (_times, _cpu, _jit, _pause, _collections, _allocated, _notOk, ws);
    }

    // runtimeconfig knobs the runtime also reads from DOTNET_ variables (the ones the validator sets).
    private static IEnumerable<(string, string)> ValidatorRuntimeSettings(string path)
    {
        if (!File.Exists(path))
        {
            yield break;
        }
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        if (!json.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var properties))
        {
            yield break;
        }
        foreach (var p in properties.EnumerateObject())
        {
            if (p.Name == "System.Threading.ThreadPool.UnfairSemaphoreSpinLimit")
            {
                yield return ("DOTNET_ThreadPool_UnfairSemaphoreSpinLimit", p.Value.ToString());
            }
        }
    }
}

/// <summary>The runtime's allocation sampling (GCAllocationTick: one event per ~100 KB allocated, naming the type).</summary>
internal sealed class AllocSampler : System.Diagnostics.Tracing.EventListener
{
    private readonly Dictionary<string, (long Count, long Bytes)> _types = new();
    protected override void OnEventSourceCreated(System.Diagnostics.Tracing.EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(source, System.Diagnostics.Tracing.EventLevel.Verbose, (System.Diagnostics.Tracing.EventKeywords)0x1);
        }
    }
    protected override void OnEventWritten(System.Diagnostics.Tracing.EventWrittenEventArgs e)
    {
        if (e.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) == true)
        {
            var name = e.Payload![e.PayloadNames!.IndexOf("TypeName")]?.ToString() ?? "?";
            var i = e.PayloadNames!.IndexOf("ObjectSize");
            var size = i >= 0 ? Convert.ToInt64(e.Payload[i], CultureInfo.InvariantCulture) : 0;
            var key = name + (name is "System.Byte[]" or "System.String" or "System.Char[]" ? " " + size : "");
            lock (_types)
            {
                _types.TryGetValue(key, out var v);
                _types[key] = (v.Count + 1, v.Bytes + size);
            }
        }
    }
    public void Dump()
    {
        lock (_types)
        {
            var total = _types.Values.Sum(v => v.Count);
            foreach (var (k, v) in _types.OrderByDescending(kv => kv.Value.Count).Take(60))
            {
                Console.Error.WriteLine($"alloc {100.0 * v.Count / total,5:0.0}% {v.Count,6} {k}");
            }
        }
    }
}
