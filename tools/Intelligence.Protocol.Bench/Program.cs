using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Google.Protobuf;
using Intelligence.Chain;
using Intelligence.Protocol.Client;
using Intelligence.Protocol.Pipeline;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.Signing;

namespace Intelligence.Protocol.Bench;

/// <summary>
/// Protocol bench and interop server.
///   protocol-bench bench [--seconds 3] [--warmup 1] [--quick]   ours-ours, ours server + grpc-js client,
///                                                                grpc-js server + our client, grpc-js-grpc-js
///   protocol-bench serve [--signed]                              our server with the interop service; prints "listening PORT"
///   protocol-bench presign [--count 30000]                       writes requests signed for `serve --signed`; prints the file
///   protocol-bench load '&lt;spec&gt;'                                  our client as a load process (spec as grpc-js-client.mjs)
/// </summary>
internal static class Program
{
    /// <summary>Anvil's first two dev keys: validator (caller) and miner in signed mode. Public test keys, never funds.</summary>
    internal const string ValidatorKeyHex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    internal const string MinerKeyHex = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    internal static readonly SigningDomain Domain = new(31337, 1);

    public static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "serve")
        {
            return await ServeAsync(args.Contains("--signed"));
        }

        if (args.Length > 0 && args[0] == "bench")
        {
            var seconds = Arg(args, "--seconds", 3.0);
            var warmup = Arg(args, "--warmup", 1.0);
            return await Bench.RunAsync(seconds, warmup, args.Contains("--quick"), args.Contains("--ours-only"));
        }

        if (args.Length > 1 && args[0] == "load")
        {
            return await LoadClient.RunAsync(args[1]);
        }

        if (args.Length > 0 && args[0] == "presign")
        {
            // Requests for `serve --signed` driven by tests/node/protocol/grpc-js-client.mjs (e.g. under a profiler).
            using var validatorKey = PrivateKey.FromHex(ValidatorKeyHex);
            using var minerKey = PrivateKey.FromHex(MinerKeyHex);
            var file = Bench.PreSign(new RequestSigner(validatorKey, Domain), minerKey.Address, InteropService.Echo(1024).ToByteArray(), (int)Arg(args, "--count", 30_000));
            Console.WriteLine(file);
            return 0;
        }

        Console.Error.WriteLine("usage: protocol-bench bench [--seconds 3] [--warmup 1] [--quick] [--ours-only] | serve [--signed] | presign [--count 30000] | load '<spec>'");
        return 2;
    }

    internal static MinerPipeline SignedPipeline(PrivateKey minerKey, Address validator)
    {
        var directory = new StaticCallerDirectory();
        directory.Set(validator, new CallerInfo(true, true, new BigInteger(1_000_000)));
        var options = new MinerPipelineOptions
        {
            Domain = Domain,
            MaxConcurrency = 64,
            QueueCapacity = 1024,
            RateLimitPerSecond = 1_000_000,
            RateLimitBurst = 1_000_000,
            // Requests are pre-signed before a row starts; on a loaded machine signing and starting the client
            // process can take longer than the default 30 s window.
            NonceWindow = TimeSpan.FromMinutes(10),
        };
        return new MinerPipeline(minerKey, options, directory);
    }

    private static async Task<int> ServeAsync(bool signed)
    {
        using var minerKey = PrivateKey.FromHex(MinerKeyHex);
        using var validatorKey = PrivateKey.FromHex(ValidatorKeyHex);
        await using var server = await GrpcServer.StartAsync(InteropService.Create(signed ? SignedPipeline(minerKey, validatorKey.Address) : null));
        Console.WriteLine($"miner {minerKey.Address.ToLowerHex()}");
        Console.WriteLine($"listening {server.Port}");
        // Run until stdin closes (the parent went away) or SIGTERM.
        using var stop = new CancellationTokenSource();
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            try
            {
                stop.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The signal's thread ran after the server had already stopped (stdin closed first): nothing to stop.
            }
        });
        var stdinClosed = Task.Run(() =>
        {
            while (Console.In.ReadLine() is not null)
            {
            }
        });
        await Task.WhenAny(stdinClosed, Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        return 0;
    }

    private static double Arg(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}

/// <summary>One short progress line per finished row on stderr; the figures themselves go into the one table.</summary>
internal static class ProgressLine
{
    public static string Of(Row row) => string.Create(
        CultureInfo.InvariantCulture,
        $"  measured {row.Server}-{row.Client}, {row.Signing}, c={row.Concurrency}");
}

/// <summary>One bench row: throughput and latency percentiles.</summary>
internal sealed record Row(string Server, string Client, string Signing, int Concurrency, double RequestsPerSecond, double P50Ms, double P99Ms, long Errors, string Note)
{
    /// <summary>CPU time of this .NET process per call (both sides when both are ours), a load-independent cost.</summary>
    public double CpuMicrosPerCall { get; init; }

    /// <summary>Bytes this .NET process allocated per call (both sides when both are ours).</summary>
    public double AllocatedBytesPerCall { get; init; }

    /// <summary>Gen-0 collections per thousand calls.</summary>
    public double CollectionsPerThousand { get; init; }
}

/// <summary>The benchmark: every combination of our and grpc-js server and client, printed side by side.</summary>
internal static class Bench
{
    private const string ForwardPath = MinerService.ForwardPath;

    public static async Task<int> RunAsync(double seconds, double warmup, bool quick, bool oursOnly)
    {
        int[] concurrencies = [1, 64];
        var request = InteropService.Echo(1024);
        var body = request.ToByteArray();
        var rows = new List<Row>();
        using var minerKey = PrivateKey.FromHex(Program.MinerKeyHex);
        using var validatorKey = PrivateKey.FromHex(Program.ValidatorKeyHex);
        var signer = new RequestSigner(validatorKey, Program.Domain);
        var tools = oursOnly ? null : FindTools();

        Console.WriteLine($"# unary Forward, {body.Length}-byte request message (1 KiB tensor), loopback h2c, {seconds:0.#} s per row after {warmup:0.#} s warm-up");
        Console.WriteLine($"# machine: {Environment.ProcessorCount} cores (shared with other work: figures are indicative)");
        var cores = Environment.ProcessorCount;
        // The crypto alone, in process CPU time per operation: on one thread with the other cores idle, and with
        // every core busy at once, the state the machine is in during the signed rows (client and server share it).
        // Warm-up first, so tiered compilation and the signing table are not charged to the first figure.
        foreach (var op in Enum.GetValues<CryptoOp>())
        {
            Measure(1, op);
        }

        var quiet = new Crypto(Measure(1, CryptoOp.Recover), Measure(1, CryptoOp.KnownSigner), Measure(1, CryptoOp.Sign));
        var loaded = new Crypto(Measure(cores, CryptoOp.Recover), Measure(cores, CryptoOp.KnownSigner), Measure(cores, CryptoOp.Sign));
        var minerBound = cores * 1e6 / loaded.PerCall;
        Console.WriteLine($"# crypto, us of CPU per op, one thread / {cores} threads: EIP-191 recover+compare {quiet.Recover:N1} / {loaded.Recover:N1}, " +
            $"verify a known signer (SignerKeyCache, what the miner does) {quiet.KnownSigner:N1} / {loaded.KnownSigner:N1}, sign {quiet.Sign:N1} / {loaded.Sign:N1}");
        Console.WriteLine($"#   a miner does 1 verify + 1 sign per signed call: crypto bound {minerBound:N0} calls/s on {cores} busy cores;");
        Console.WriteLine($"#   ours-ours signed also signs + verifies on the client in the same process: bound {minerBound / 2:N0} calls/s");

        await using (var plain = await GrpcServer.StartAsync(InteropService.Create()))
        await using (var signedServer = await GrpcServer.StartAsync(InteropService.Create(Program.SignedPipeline(minerKey, validatorKey.Address))))
        {
            using var client = new GrpcClient();
            using var validator = new ValidatorClient(signer, client);
            var signedMiner = new MinerEndpoint(0, minerKey.Address, signedServer.Address);
            foreach (var c in concurrencies)
            {
                rows.Add(await OursAsync("ours", "ours", "none", c, seconds, warmup, async () =>
                    (await client.UnaryAsync(plain.Address, ForwardPath, body)).Status.IsOk));
                rows.Add(await OursAsync("ours", "ours", "both ways", c, seconds, warmup, async () =>
                    (await validator.ForwardAsync(signedMiner, request, TimeSpan.FromSeconds(10))).Status.IsOk, "client signs+verifies, miner verifies+signs"));
            }

            if (tools is not null)
            {
                foreach (var c in concurrencies)
                {
                    rows.Add(await NodeClientAsync(tools, plain.Port, "none", c, seconds, warmup, new { body = Convert.ToBase64String(body) }, ""));
                    // The miner can verify+sign about minerBound calls/s (measured under the same load): keep a wide margin.
                    var file = PreSign(signer, minerKey.Address, body, PreSignedCount(minerBound, seconds + warmup, quick));
                    try
                    {
                        rows.Add(await NodeClientAsync(tools, signedServer.Port, "request", c, seconds, warmup, new { requestsFile = file }, "pre-signed by .NET; miner verifies+signs"));
                    }
                    finally
                    {
                        File.Delete(file);
                    }
                }
            }

            // The miner alone in this process, loaded by our client from another process (cheaper than grpc-js, so
            // the server is busier): the same split of its CPU per call, with less idle wake-up in it.
            var load = concurrencies[^1];
            rows.Add(await LoadProcessAsync(plain.Port, "none", load, seconds, warmup, new { body = Convert.ToBase64String(body) }, "our client in another process"));
            var loadFile = PreSign(signer, minerKey.Address, body, PreSignedCount(minerBound, seconds + warmup, quick));
            try
            {
                rows.Add(await LoadProcessAsync(signedServer.Port, "request", load, seconds, warmup, new { requestsFile = loadFile }, "pre-signed; our client in another process; miner verifies+signs"));
            }
            finally
            {
                File.Delete(loadFile);
            }
        }

        if (tools is not null)
        {
            var (peer, port) = await StartPeerAsync(tools);
            try
            {
                using var client = new GrpcClient();
                var address = new Uri($"http://127.0.0.1:{port}");
                foreach (var c in concurrencies)
                {
                    rows.Add(await OursAsync("grpc-js", "ours", "none", c, seconds, warmup, async () =>
                        (await client.UnaryAsync(address, ForwardPath, body)).Status.IsOk));
                    rows.Add(await OursAsync("grpc-js", "ours", "request", c, seconds, warmup, async () =>
                    {
                        var options = new CallOptions();
                        foreach (var h in signer.Sign(minerKey.Address, ForwardPath, body).Headers())
                        {
                            options.Headers.Add(h);
                        }

                        return (await client.UnaryAsync(address, ForwardPath, body, options)).Status.IsOk;
                    }, "client signs only (grpc-js does not verify)"));
                    rows.Add(await NodeClientAsync(tools, port, "none", c, seconds, warmup, new { body = Convert.ToBase64String(body) }, "", server: "grpc-js"));
                }
            }
            finally
            {
                peer.Kill(entireProcessTree: true);
                await peer.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                peer.Dispose();
            }
        }
        else
        {
            Console.WriteLine("# node or .tools/npm/node_modules not found: grpc-js rows skipped");
        }

        Print(rows, quiet, loaded, cores);
        return rows.Any(r => r.Errors > 0) ? 1 : 0;
    }

    private static void Print(List<Row> rows, Crypto quiet, Crypto loaded, int cores)
    {
        Console.WriteLine();
        Console.WriteLine($"{"server",-8} {"client",-8} {"signing",-10} {"conc",4} {"req/s",10} {"p50 ms",8} {"p99 ms",8} {"errors",6} {"cpu us/call",11} {"KB/call",7} {"gc0/1k",6}  note");
        foreach (var r in rows.OrderBy(r => r.Signing != "none").ThenBy(r => r.Concurrency).ThenBy(r => r.Server).ThenBy(r => r.Client))
        {
            Console.WriteLine($"{r.Server,-8} {r.Client,-8} {r.Signing,-10} {r.Concurrency,4} {r.RequestsPerSecond,10:N0} {r.P50Ms,8:0.000} {r.P99Ms,8:0.000} {r.Errors,6} {r.CpuMicrosPerCall,11:N0} {r.AllocatedBytesPerCall / 1024,7:N1} {r.CollectionsPerThousand,6:N1}  {r.Note}");
            if (r is { Server: "ours", Client: "grpc-js" or "ours-p", Signing: "request" } && r.CpuMicrosPerCall > 0)
            {
                // The miner's crypto-only bound next to its signed row (1 recover + 1 sign per call), and where the
                // rest of its CPU goes: the transport is the same server's unsigned row with the same client.
                var transport = rows.FirstOrDefault(u => u.Server == "ours" && u.Client == r.Client && u.Signing == "none" && u.Concurrency == r.Concurrency)?.CpuMicrosPerCall ?? 0;
                Console.WriteLine($"{"crypto",-8} {"-",-8} {"bound",-10} {r.Concurrency,4} {cores * 1e6 / loaded.PerCall,10:N0} {"-",8} {"-",8} {"-",6} {loaded.PerCall,11:N0} {"",7} {"",6}  " +
                    $"1/(verify+sign) x {cores} busy cores; the row above reaches {loaded.PerCall / r.CpuMicrosPerCall:P0} of it per CPU-second " +
                    $"({quiet.PerCall / r.CpuMicrosPerCall:P0} of the one-thread bound, {quiet.PerCall:N0} us)");
                Console.WriteLine($"{"",-8} {"",-8} {"",-10} {"",4} {"",10} {"",8} {"",8} {"",6} {"",11} {"",7} {"",6}  miner CPU per signed call: crypto {loaded.PerCall:N0} + transport " +
                    $"{transport:N0} (unsigned row) + pipeline and the rest {r.CpuMicrosPerCall - loaded.PerCall - transport:N0} us");
                // The issue's yardstick: signed calls against signature recoveries, both per CPU-second.
                Console.WriteLine($"{"",-8} {"",-8} {"",-10} {"",4} {"",10} {"",8} {"",8} {"",6} {"",11} {"",7} {"",6}  against recovery: {1e6 / r.CpuMicrosPerCall:N0} signed calls " +
                    $"per miner CPU-second = {quiet.Recover / r.CpuMicrosPerCall:P0} of one thread's recoveries ({1e6 / quiet.Recover:N0}/s), " +
                    $"{loaded.Recover / r.CpuMicrosPerCall:P0} with every core busy ({1e6 / loaded.Recover:N0}/s per core); target 80 %");
            }
        }
    }

    /// <summary>CPU microseconds per EIP-191 recover+compare, per known-signer verify and per sign.</summary>
    private sealed record Crypto(double Recover, double KnownSigner, double Sign)
    {
        /// <summary>What a miner spends on crypto per signed call: verify the caller, sign the response.</summary>
        public double PerCall => KnownSigner + Sign;
    }

    private enum CryptoOp
    {
        Recover,
        KnownSigner,
        Sign,
    }

    private static async Task<Row> OursAsync(string server, string client, string signing, int concurrency, double seconds, double warmup, Func<Task<bool>> call, string note = "")
    {
        TimeSpan cpuStart = default;
        long allocatedStart = 0;
        var gcStart = 0;
        var result = await ClosedLoop.RunAsync(concurrency, seconds, warmup, async () => await call() ? CallOutcome.Success : CallOutcome.Failed("call failed"), () =>
        {
            cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
            allocatedStart = GC.GetTotalAllocatedBytes();
            gcStart = GC.CollectionCount(0);
        });
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
        var allocated = GC.GetTotalAllocatedBytes() - allocatedStart;
        var collections = GC.CollectionCount(0) - gcStart;
        var calls = result.LatenciesMs.Length;
        var row = new Row(server, client, signing, concurrency, calls / seconds, result.Percentile(0.5), result.Percentile(0.99), result.Errors, note)
        {
            CpuMicrosPerCall = calls == 0 ? 0 : cpu.TotalMicroseconds / calls,
            AllocatedBytesPerCall = calls == 0 ? 0 : (double)allocated / calls,
            CollectionsPerThousand = calls == 0 ? 0 : collections * 1000.0 / calls,
        };
        Console.Error.WriteLine(ProgressLine.Of(row));
        return row;
    }

    private static Task<Row> NodeClientAsync(Tools tools, int port, string signing, int concurrency, double seconds, double warmup, object source, string note, string server = "ours") =>
        ExternalClientAsync(spec => NodeInfo(tools, "grpc-js-client.mjs", spec), "grpc-js", port, signing, concurrency, seconds, warmup, source, note, server);

    /// <summary>Our client in a process of its own (<see cref="LoadClient"/>), so this process holds only the server.</summary>
    private static Task<Row> LoadProcessAsync(int port, string signing, int concurrency, double seconds, double warmup, object source, string note) =>
        ExternalClientAsync(spec =>
        {
            var info = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
            info.ArgumentList.Add(typeof(Program).Assembly.Location);
            info.ArgumentList.Add("load");
            info.ArgumentList.Add(spec);
            return info;
        }, "ours-p", port, signing, concurrency, seconds, warmup, source, note, "ours");

    private static async Task<Row> ExternalClientAsync(Func<string, ProcessStartInfo> start, string clientName, int port, string signing, int concurrency, double seconds, double warmup, object source, string note, string server)
    {
        var spec = JsonSerializer.SerializeToElement(source);
        var dict = spec.EnumerateObject().ToDictionary(p => p.Name, p => (object)p.Value.GetString()!);
        dict["mode"] = "bench";
        dict["address"] = $"127.0.0.1:{port}";
        dict["path"] = ForwardPath;
        dict["concurrency"] = concurrency;
        dict["seconds"] = seconds;
        dict["warmupSeconds"] = warmup;
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var allocatedStart = GC.GetTotalAllocatedBytes();
        var gcStart = GC.CollectionCount(0);
        var line = await RunClientAsync(start(JsonSerializer.Serialize(dict)), "bench ", TimeSpan.FromSeconds(seconds + warmup + 60));
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuStart;
        var allocated = GC.GetTotalAllocatedBytes() - allocatedStart;
        var collections = GC.CollectionCount(0) - gcStart;
        var r = JsonDocument.Parse(line).RootElement;
        var requests = r.GetProperty("requests").GetInt64();
        var elapsed = r.GetProperty("seconds").GetDouble();
        var errors = r.GetProperty("errors").GetInt64();
        var exhausted = r.GetProperty("exhausted").GetBoolean();
        var firstError = r.GetProperty("firstError").GetString();
        var fullNote = note + (exhausted ? " (ran out of pre-signed requests)" : "") + (errors > 0 ? $" first error: {firstError}" : "");
        // Our side's CPU also covers the warm-up calls the node client does not count: scale calls by (warm-up + run) / run.
        var row = new Row(server, clientName, signing, concurrency, requests / Math.Max(elapsed, 1e-9), r.GetProperty("p50Ms").GetDouble(), r.GetProperty("p99Ms").GetDouble(), errors, fullNote.Trim())
        {
            CpuMicrosPerCall = server == "ours" && requests > 0 ? cpu.TotalMicroseconds / (requests * (seconds + warmup) / seconds) : 0,
            AllocatedBytesPerCall = server == "ours" && requests > 0 ? allocated / (requests * (seconds + warmup) / seconds) : 0,
            CollectionsPerThousand = server == "ours" && requests > 0 ? collections * 1000.0 / (requests * (seconds + warmup) / seconds) : 0,
        };
        Console.Error.WriteLine(ProgressLine.Of(row));
        return row;
    }

    /// <summary>
    /// Requests to pre-sign for a signed row: three times what the miner's crypto bound allows over the row (a wide
    /// margin), at most 200,000 (about 300 MB of JSON lines), so a fast machine does not fill the disk.
    /// </summary>
    private static int PreSignedCount(double minerBound, double rowSeconds, bool quick) =>
        (int)Math.Clamp(minerBound * rowSeconds * 3, quick ? 1000 : 3000, 200_000);

    internal static string PreSign(RequestSigner signer, Address miner, byte[] body, int count)
    {
        var file = Path.Combine(Path.GetTempPath(), $"protocol-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.jsonl");
        using var writer = new StreamWriter(file);
        var encoded = Convert.ToBase64String(body);
        for (var i = 0; i < count; i++)
        {
            var signed = signer.Sign(miner, ForwardPath, body);
            writer.WriteLine(JsonSerializer.Serialize(new { body = encoded, metadata = signed.Headers().ToDictionary(h => h.Key, h => h.Value) }));
        }

        return file;
    }

    /// <summary>
    /// Process CPU time per <paramref name="op"/> with <paramref name="threads"/> threads at once for half
    /// a second: the same clock as the rows' CPU per call.
    /// </summary>
    private static double Measure(int threads, CryptoOp op)
    {
        using var key = PrivateKey.FromHex(Program.ValidatorKeyHex);
        var digest = Keccak256.Hash("bench"u8);
        var signature = PersonalSign.Sign(key, digest);
        var known = new SignerKeyCache();
        known.VerifyPersonal(digest, signature, key.Address);
        var counts = new long[threads];
        var cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
        var until = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 2);
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                _ = op switch
                {
                    CryptoOp.Recover => PersonalSign.Verify(digest, signature, key.Address),
                    CryptoOp.KnownSigner => known.VerifyPersonal(digest, signature, key.Address),
                    _ => PersonalSign.Sign(key, digest) is not null,
                };
                counts[t]++;
            }
        });
        return (Process.GetCurrentProcess().TotalProcessorTime - cpuStart).TotalMicroseconds / Math.Max(counts.Sum(), 1);
    }

    private sealed record Tools(string NodeModules, string Scripts, string ProtoRoot);

    private static Tools? FindTools()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Intelligence.sln")))
            {
                var toolsDir = Environment.GetEnvironmentVariable("INTELLIGENCE_TOOLS_DIR") is { Length: > 0 } t ? t : Path.Combine(dir.FullName, ".tools");
                var modules = Path.Combine(toolsDir, "npm", "node_modules");
                return Directory.Exists(Path.Combine(modules, "@grpc", "grpc-js"))
                    ? new Tools(modules, Path.Combine(dir.FullName, "tests", "node", "protocol"), Path.Combine(dir.FullName, "src", "Intelligence.Protocol", "Protos"))
                    : null;
            }
        }

        return null;
    }

    private static ProcessStartInfo NodeInfo(Tools tools, string script, params string[] args)
    {
        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(tools.Scripts, script));
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["NODE_PATH"] = tools.NodeModules;
        return info;
    }

    private static async Task<string> RunClientAsync(ProcessStartInfo info, string prefix, TimeSpan timeout)
    {
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var line = (await stdout).Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"{string.Join(' ', info.ArgumentList.Take(2))} printed no '{prefix}' line: {await stderr}");
        return line[prefix.Length..];
    }

    private static async Task<(Process Process, int Port)> StartPeerAsync(Tools tools)
    {
        var process = Process.Start(NodeInfo(tools, "grpc-js-peer.mjs", tools.ProtoRoot))!;
        var line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
        if (line is null || !line.StartsWith("listening ", StringComparison.Ordinal))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("grpc-js peer did not start: " + await process.StandardError.ReadToEndAsync());
        }

        return (process, int.Parse(line["listening ".Length..], CultureInfo.InvariantCulture));
    }
}
