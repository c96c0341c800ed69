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
// Usage: network-bench [rounds|miner|all] [--seconds S]     (child mode: network-bench serve N caller)
const ulong ChainId = 31337;
const ushort Netuid = 1;
var inv = CultureInfo.InvariantCulture;

if (args.Length >= 3 && args[0] == "serve")
{
    await ServeAsync(int.Parse(args[1], inv), Address.Parse(args[2]));
    return 0;
}
var mode = args.Length > 0 ? args[0] : "all";
var seconds = args.SkipWhile(a => a != "--seconds").Skip(1).Select(a => double.Parse(a, inv)).FirstOrDefault(3);
Console.WriteLine($"network-bench on {Environment.ProcessorCount} cpus (machine shared with other builds: figures are noisy)");
if (mode is "rounds" or "all")
{
    await RoundsAsync();
}
if (mode is "miner" or "all")
{
    await MinerAsync(seconds);
}
return 0;

async Task RoundsAsync()
{
    using var validator = PrivateKey.Generate();
    Console.WriteLine();
    Console.WriteLine("validator round: 1 KiB signed query (4 x 64 float32) to N miners, miner latency spread 5..50 ms");
    Console.WriteLine("|   N | slowest miner ms | round p50 ms | round max ms | p50 / slowest | target (1.5x + 100 ms) | validator CPU us/query | working set MB |");
    Console.WriteLine("|----:|-----------------:|-------------:|-------------:|--------------:|-----------------------:|-----------------------:|---------------:|");
    foreach (var n in new[] { 16, 64, 256 })
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!, ["serve", n.ToString(inv), validator.Address.ToLowerHex()])
        {
            RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        // 256 Kestrel hosts in one process: no config file watcher each (inotify instances are limited to 128).
        info.Environment["DOTNET_hostBuilder__reloadConfigOnChange"] = "false";
        var child = Process.Start(info)!;
        if (Environment.ProcessPath!.EndsWith("dotnet", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("run the apphost (bin/Release/net10.0/network-bench), not dotnet network-bench.dll");
        }
        var targets = new List<MinerTarget>();
        var slowest = 0.0;
        string? line;
        while ((line = await child.StandardOutput.ReadLineAsync()) is not null && line != "ready")
        {
            var p = line.Split(' ');
            targets.Add(new MinerTarget(targets.Count, Address.Parse(p[2]), new Uri("http://127.0.0.1:" + p[1])));
            slowest = Math.Max(slowest, double.Parse(p[3], inv));
        }
        using var querier = new MinerQuerier(validator, ChainId, Netuid);
        var pixels = new float[4 * 64];
        Random.Shared.NextSingle();
        var query = new ClassificationQuery("digits", SubnetTensor.FromFloats("pixels", [4, 64], pixels), [0, 1, 2, 3], TimeSpan.FromSeconds(10));
        for (var w = 0; w < 3; w++)
        {
            await querier.QueryAsync(targets, query, "digits", TimeSpan.FromSeconds(10), 256, CancellationToken.None);
        }
        var rounds = n >= 256 ? 8 : 15;
        var times = new List<double>();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var ok = 0;
        for (var r = 0; r < rounds; r++)
        {
            var sw = Stopwatch.StartNew();
            var answers = await querier.QueryAsync(targets, query, "digits", TimeSpan.FromSeconds(10), 256, CancellationToken.None);
            times.Add(sw.Elapsed.TotalMilliseconds);
            ok += answers.Count(a => a.Status == "OK");
        }
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMicroseconds / (rounds * n);
        times.Sort();
        var p50 = times[times.Count / 2];
        var ws = Process.GetCurrentProcess().WorkingSet64 / 1048576.0;
        Console.WriteLine(string.Create(inv, $"| {n,3} | {slowest,16:0.0} | {p50,12:0.0} | {times[^1],12:0.0} | {p50 / slowest,13:0.00} | {(p50 <= 1.5 * slowest + 100 ? "met" : "missed"),22} | {cpu,22:0} | {ws,14:0} |"));
        if (ok != rounds * n)
        {
            Console.WriteLine($"  warning: {rounds * n - ok} of {rounds * n} queries did not answer OK");
        }
        child.StandardInput.Close();
        await child.WaitForExitAsync();
    }
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
