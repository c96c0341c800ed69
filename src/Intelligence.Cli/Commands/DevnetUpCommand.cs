using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using Intelligence.Chain.Rpc;
using Intelligence.Cli.Cli;
using Intelligence.Cli.Devnet;
using Intelligence.Cli.Formatting;
using Spectre.Console;

namespace Intelligence.Cli.Commands;

/// <summary><c>intelligence devnet up | down | status</c>.</summary>
internal static class DevnetUpCommand
{
    private static readonly Option<string?> DirOption = new("--dir") { Description = "Devnet folder: keys, addresses, chain state, models, logs (default: .devnet in the checkout; ignored by git)" };

    private static string DevnetDir(ParseResult parse) =>
        parse.GetValue(DirOption) is { Length: > 0 } d ? Path.GetFullPath(d) : Path.Combine(Toolchain.Locate().Root, ".devnet");

    public static Command Up()
    {
        var fresh = new Option<bool>("--fresh") { Description = "Start from nothing: delete the devnet folder first (else keys, chain state and models are reused)" };
        var subnets = new Option<string>("--subnets") { Description = "Built-in subnets to create and run, comma separated", DefaultValueFactory = _ => "digits,diagnosis,forecast" };
        var miners = new Option<int>("--miners") { Description = "Miner processes per subnet (0..16)", DefaultValueFactory = _ => 2 };
        var validators = new Option<int>("--validators") { Description = "Validator processes per subnet (0..8)", DefaultValueFactory = _ => 1 };
        var epochs = new Option<int?>("--epochs") { Description = "Exit after this many epochs on every subnet, with a summary; non-zero exit if the network did not work" };
        var tempo = new Option<int>("--tempo") { Description = "Blocks between epochs (2..1000)", DefaultValueFactory = _ => 10 };
        var blockTime = new Option<int>("--block-time") { Description = "Seconds per block (1..60)", DefaultValueFactory = _ => 1 };
        var redis = new Option<string?>("--redis") { Description = "Redis connection string for the nodes' state (default: $INTELLIGENCE_REDIS, else each node's embedded store)" };
        var noBootstrap = new Option<bool>("--no-bootstrap") { Description = "Fail instead of running tools/bootstrap.sh when the toolchain is missing" };
        var timeout = new Option<int>("--timeout") { Description = "With --epochs: give up after this many seconds", DefaultValueFactory = _ => 600 };
        miners.InRange(0, 16);
        validators.InRange(0, 8);
        tempo.InRange(2, 1000);
        blockTime.InRange(1, 60);
        timeout.InRange(10, 86_400);
        epochs.InRange(1, 1000);
        var command = new Command("up",
            "Bring up a whole local network and keep it running: toolchain, anvil, contracts, wallets, the built-in subnets, " +
            "reference models, miners and validators (separate processes), and a live table per subnet. " +
            "Columns: " + string.Join("; ", MetagraphView.Columns.Select(c => $"{c.Name} = {c.Meaning}")))
        {
            DirOption, fresh, subnets, miners, validators, epochs, tempo, blockTime, redis, noBootstrap, timeout,
        };
        command.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var clock = Stopwatch.StartNew();
            var parse = ctx.Parse;
            var names = parse.GetValue(subnets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var n in names)
            {
                if (!KnownSubnets.Names.Contains(n, StringComparer.Ordinal))
                {
                    throw new UserErrorException($"unknown subnet '{n}' in --subnets (known: {string.Join(", ", KnownSubnets.Names)})");
                }
            }
            if (names.Length == 0)
            {
                throw new UserErrorException("--subnets names no subnet");
            }
            var options = new DevnetUpOptions
            {
                Dir = DevnetDir(parse),
                Fresh = parse.GetValue(fresh),
                Subnets = names,
                Miners = parse.GetValue(miners),
                Validators = parse.GetValue(validators),
                Epochs = parse.GetValue(epochs),
                Tempo = (uint)parse.GetValue(tempo),
                BlockTimeSeconds = parse.GetValue(blockTime),
                Redis = parse.GetValue(redis) ?? Environment.GetEnvironmentVariable("INTELLIGENCE_REDIS"),
                Bootstrap = !parse.GetValue(noBootstrap),
            };
            var console = ctx.Console2;
            IDevnetProgress progress = ctx.Interactive ? new SpectreProgress(console, clock) : new PlainProgress(ctx.Output, clock);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (options.Epochs is not null)
            {
                cts.CancelAfter(TimeSpan.FromSeconds(parse.GetValue(timeout)));
            }
            using var up = new DevnetUp(options, Toolchain.Locate(), progress, clock);
            var watch = new DevnetWatch(up, options.BlockTimeSeconds);
            try
            {
                await up.StartAsync(cts.Token).ConfigureAwait(false);
                progress.Info($"devnet up in {clock.Elapsed.TotalSeconds:0.0} s: rpc {up.Rpc}, addresses {up.AddressesFile}" +
                              (up.ExplorerUrl is { } u ? $", explorer {u}" : ""));
                progress.Info("other commands use this devnet by default from this checkout, e.g. `intelligence metagraph show " +
                              up.Subnets[0].Netuid.ToString(CultureInfo.InvariantCulture) + "`");
                if (options.Epochs is { } k)
                {
                    return await RunEpochsAsync(ctx, up, watch, k, clock, cts.Token).ConfigureAwait(false);
                }
                await WatchAsync(ctx, up, watch, clock, cts.Token).ConfigureAwait(false);
                return ExitCodes.Ok;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                ctx.Output.WriteLine("stopping the devnet...");
                return ExitCodes.Ok;
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested)
            {
                var seen = string.Join(", ", up.Subnets.Select(s => $"{s.Name} {watch.EpochsOn(s.Netuid)}"));
                throw new NetworkCheckException($"the devnet did not reach {options.Epochs} epochs per subnet within {parse.GetValue(timeout)} s (epochs seen: {seen}); logs in {up.LogsDir}", ExitCodes.ChainFailure);
            }
        }));
        return command;
    }

    private static async Task WatchAsync(CommandContext ctx, DevnetUp up, DevnetWatch watch, Stopwatch clock, CancellationToken ct)
    {
        if (ctx.Interactive)
        {
            await AnsiConsole.Live(new Text("")).AutoClear(false).StartAsync(async live =>
            {
                while (true)
                {
                    await up.KeepEpochsAsync(ct).ConfigureAwait(false);
                    await watch.PollAsync(() => clock.Elapsed, ct).ConfigureAwait(false);
                    live.UpdateTarget(watch.Render(AnsiConsole.Profile.Width));
                    live.Refresh();
                    await Task.Delay(1000, ct).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
        }
        var seen = 0;
        while (true)
        {
            await up.KeepEpochsAsync(ct).ConfigureAwait(false);
            await watch.PollAsync(() => clock.Elapsed, ct).ConfigureAwait(false);
            if (watch.Epochs.Count > seen)
            {
                seen = watch.Epochs.Count;
                ctx.Console2.Write(watch.Render(ctx.Console2.Profile.Width));
            }
            await Task.Delay(1000, ct).ConfigureAwait(false);
        }
    }

    private static async Task<int> RunEpochsAsync(CommandContext ctx, DevnetUp up, DevnetWatch watch, int k, Stopwatch clock, CancellationToken ct)
    {
        var seen = 0;
        while (up.Subnets.Any(s => watch.EpochsOn(s.Netuid) < k))
        {
            await up.KeepEpochsAsync(ct).ConfigureAwait(false);
            await watch.PollAsync(() => clock.Elapsed, ct).ConfigureAwait(false);
            if (watch.Epochs.Count > seen)
            {
                foreach (var e in watch.Epochs.Skip(seen))
                {
                    ctx.Say(string.Create(CultureInfo.InvariantCulture,
                        $"epoch: subnet {e.Netuid} #{e.Epoch} block {e.Block}: {Units.Intl(e.Emission)}, {Units.Intl(e.MinerEmission)} to miners, C# replay {(e.ParityOk ? "identical" : "DIFFERS")} ({clock.Elapsed.TotalSeconds:0.0} s)"));
                }
                seen = watch.Epochs.Count;
            }
            if (up.Supervisor.Children.FirstOrDefault(c => c.Name != "forge" && c.Name != "bootstrap" && c.Process.HasExited) is { } dead)
            {
                throw new NetworkCheckException($"{dead.Name} exited (status {dead.Process.ExitCode}); see {dead.LogPath}:{Environment.NewLine}{dead.Tail()}", ExitCodes.ChainFailure);
            }
            await Task.Delay(500, ct).ConfigureAwait(false);
        }
        await watch.PollAsync(() => clock.Elapsed, ct).ConfigureAwait(false);
        ctx.Console2.Write(watch.Render(ctx.Console2.Profile.Width));

        var problems = new List<string>();
        var parityFailed = watch.Epochs.Where(e => !e.ParityOk).ToList();
        if (watch.WeightEvents == 0 && !await WeightsOnChainAsync(up, ct).ConfigureAwait(false))
        {
            problems.Add("no validator set weights");
        }
        foreach (var s in up.Subnets)
        {
            if (!watch.Epochs.Any(e => e.Netuid == s.Netuid && e.MinerEmission > 0))
            {
                problems.Add($"subnet {s.Name} paid its miners nothing");
            }
        }
        foreach (var e in parityFailed)
        {
            problems.Add($"epoch {e.Epoch} of subnet {e.Netuid} at block {e.Block}: credited differs from the C# prediction in {e.Differences.Count} fields ({string.Join("; ", e.Differences.Take(3))})");
        }
        var minerTotal = watch.Epochs.Aggregate(BigInteger.Zero, (s, e) => s + e.MinerEmission);
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"summary: {watch.Epochs.Count} epochs on {up.Subnets.Count} subnets, {watch.WeightEvents} weight transactions, {Units.Intl(minerTotal)} to miners, parity {watch.Epochs.Count - parityFailed.Count}/{watch.Epochs.Count} identical");
        ctx.Output.WriteLine(summary);
        ctx.Output.WriteLine(watch.FirstMinerEmission is { } t
            ? string.Create(CultureInfo.InvariantCulture, $"first epoch with emissions to miners: {t.TotalSeconds:0.0} s after the command")
            : "first epoch with emissions to miners: none");
        if (problems.Count > 0)
        {
            foreach (var p in problems)
            {
                ctx.Error.WriteLine("problem: " + p);
            }
            throw new NetworkCheckException($"the network did not work: {string.Join("; ", problems)}", parityFailed.Count > 0 ? ExitCodes.ParityFailure : ExitCodes.ChainFailure);
        }
        ctx.Output.WriteLine("network: ok");
        return ExitCodes.Ok;
    }

    /// <summary>True when some devnet validator has weights stored on chain (a reused devnet may set none in a short run).</summary>
    private static async Task<bool> WeightsOnChainAsync(DevnetUp up, CancellationToken ct)
    {
        var views = new Intelligence.Chain.Contracts.NetworkViewsContract(up.Eth, up.Addresses.Network);
        foreach (var (netuid, roles) in up.Roles)
        {
            foreach (var (uid, role) in roles.Where(r => r.Value.StartsWith("validator", StringComparison.Ordinal)))
            {
                if ((await views.GetWeightsAsync(netuid, uid, ct).ConfigureAwait(false)).Any(w => w != 0))
                {
                    return true;
                }
            }
        }
        return false;
    }

    public static Command Down()
    {
        var command = new Command("down", "Stop everything a running `devnet up` started (the folder stays; `up` reuses it)") { DirOption };
        command.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var dir = DevnetDir(ctx.Parse);
            var state = DevnetState.TryLoad(dir);
            if (state is null)
            {
                ctx.Say($"no devnet in {dir}");
                return ExitCodes.Ok;
            }
            var stopped = new List<string>();
            if (ProcessSupervisor.IsAlive(state.UpPid) && state.UpPid != Environment.ProcessId)
            {
                ProcessSupervisor.Terminate(state.UpPid);
                if (!await WaitGoneAsync(state.UpPid, TimeSpan.FromSeconds(20), ct).ConfigureAwait(false))
                {
                    ProcessSupervisor.ForceKill(state.UpPid);
                }
                stopped.Add($"devnet up (pid {state.UpPid})");
            }
            // Children die with their parent; this catches any left by a devnet whose parent-death signal could not be set.
            foreach (var c in state.Children.Where(c => IsOurs(c)))
            {
                ProcessSupervisor.Terminate(c.Pid);
                if (!await WaitGoneAsync(c.Pid, TimeSpan.FromSeconds(5), ct).ConfigureAwait(false))
                {
                    ProcessSupervisor.ForceKill(c.Pid);
                }
                stopped.Add($"{c.Name} (pid {c.Pid})");
            }
            ((DevnetState.TryLoad(dir) ?? state) with { UpPid = 0, Children = [] }).Save(dir);
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["stopped"] = new JsonArray([.. stopped.Select(s => (JsonNode)JsonValue.Create(s)!)]) });
            }
            else
            {
                ctx.Say(stopped.Count == 0 ? "nothing was running" : "stopped: " + string.Join(", ", stopped));
            }
            return ExitCodes.Ok;
        }));
        return command;
    }


    private static bool IsOurs(DevnetChild c)
    {
        if (!ProcessSupervisor.IsAlive(c.Pid))
        {
            return false;
        }
        try
        {
            // Guard against a reused pid: the process must still run the executable we started.
            var cmdline = File.ReadAllText($"/proc/{c.Pid}/cmdline");
            return cmdline.Contains(Path.GetFileName(c.Executable), StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task<bool> WaitGoneAsync(int pid, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (ProcessSupervisor.IsAlive(pid))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
        return true;
    }

    public static Command Status()
    {
        var command = new Command("status", "What the devnet runs: processes (alive or not), chain head, subnets, explorer") { DirOption };
        command.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var dir = DevnetDir(ctx.Parse);
            var state = DevnetState.TryLoad(dir);
            var running = state is not null && ProcessSupervisor.IsAlive(state.UpPid);
            ulong? head = null;
            if (running)
            {
                using var rpc = new JsonRpcClient(new Uri(state!.Rpc), new JsonRpcOptions { RequestTimeout = TimeSpan.FromSeconds(5), MaxRetries = 0 });
                try
                {
                    head = await new EthClient(rpc).BlockNumberAsync(ct).ConfigureAwait(false);
                }
                catch (RpcTransportException)
                {
                    head = null;
                }
            }
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject
                {
                    ["dir"] = dir,
                    ["running"] = running,
                    ["pid"] = running ? state!.UpPid : null,
                    ["rpc"] = state?.Rpc,
                    ["block"] = head,
                    ["addresses"] = state?.AddressesFile,
                    ["explorer"] = running ? state!.ExplorerUrl : null,
                    ["subnets"] = new JsonArray([.. (state?.Subnets ?? []).Select(s => (JsonNode)new JsonObject { ["name"] = s.Name, ["netuid"] = s.Netuid })]),
                    ["processes"] = new JsonArray([.. (running ? state!.Children : []).Select(c => (JsonNode)new JsonObject
                    {
                        ["name"] = c.Name, ["pid"] = c.Pid, ["alive"] = ProcessSupervisor.IsAlive(c.Pid), ["log"] = c.Log, ["ready"] = c.Ready,
                    })]),
                });
                return ExitCodes.Ok;
            }
            if (!running)
            {
                ctx.Say(state is null ? $"no devnet in {dir} (start one: intelligence devnet up)" : $"the devnet in {dir} is stopped (start it: intelligence devnet up)");
                return ExitCodes.Ok;
            }
            ctx.Say($"devnet running (pid {state!.UpPid}) since {state.StartedAt:u}: rpc {state.Rpc}, block {head?.ToString(CultureInfo.InvariantCulture) ?? "?"}");
            ctx.Say("subnets: " + string.Join(", ", state.Subnets.Select(s => $"{s.Name} = {s.Netuid}")));
            if (state.ExplorerUrl is { } url)
            {
                ctx.Say($"explorer: {url}");
            }
            var table = PlainConsole.Table(["process", "pid", "alive", "log"]);
            foreach (var c in state.Children.Where(c => c.Name is not ("forge" or "bootstrap")))
            {
                table.AddRow(c.Name, c.Pid.ToString(CultureInfo.InvariantCulture), ProcessSupervisor.IsAlive(c.Pid) ? "yes" : "no", Markup.Escape(c.Log));
            }
            ctx.Console2.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Hidden: starts one child through the supervisor and waits; the tests kill -9 this process and check the child dies.</summary>
    public static Command SuperviseTest()
    {
        var exe = new Argument<string>("executable");
        var args = new Argument<string[]>("args") { Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("supervise-test", "Start a child the way devnet up does and wait (for tests)") { exe, args };
        command.Hidden = true;
        command.SetAction(async (parse, ct) =>
        {
            using var supervisor = new ProcessSupervisor();
            var log = Path.Combine(Path.GetTempPath(), $"intelligence-supervise-{Environment.ProcessId}.log");
            var child = await supervisor.StartAsync("child", parse.GetValue(exe)!, parse.GetValue(args) ?? [], log).ConfigureAwait(false);
            parse.InvocationConfiguration.Output.WriteLine($"child pid={child.Pid}");
            parse.InvocationConfiguration.Output.Flush();
            try
            {
                await child.Process.WaitForExitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C / SIGTERM: the supervisor stops the child on dispose.
            }
            File.Delete(log);
            return 0;
        });
        return command;
    }
}

/// <summary>Progress as plain lines (no terminal): <c>==&gt; step ... done (x s)</c>.</summary>
internal sealed class PlainProgress(TextWriter output, Stopwatch clock) : IDevnetProgress
{
    public async Task<T> StepAsync<T>(string name, Func<Action<string>, Task<T>> body)
    {
        var start = clock.Elapsed;
        output.WriteLine($"==> {name}");
        var result = await body(text => output.WriteLine("    " + text)).ConfigureAwait(false);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    done in {(clock.Elapsed - start).TotalSeconds:0.0} s"));
        return result;
    }

    public void Info(string text) => output.WriteLine(text);
}

/// <summary>Progress on a terminal: a spinner per step, then a check mark with what it did and how long it took.</summary>
internal sealed class SpectreProgress(IAnsiConsole console, Stopwatch clock) : IDevnetProgress
{
    public async Task<T> StepAsync<T>(string name, Func<Action<string>, Task<T>> body)
    {
        var start = clock.Elapsed;
        var notes = new List<string>();
        var result = await console.Status().Spinner(Spinner.Known.Dots).StartAsync($"{Markup.Escape(name)}...", ctx =>
            body(text =>
            {
                notes.Add(text);
                ctx.Status($"{Markup.Escape(name)}: {Markup.Escape(text)}");
            })).ConfigureAwait(false);
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"[green]✓[/] [bold]{Markup.Escape(name)}[/] [grey]({(clock.Elapsed - start).TotalSeconds:0.0} s)[/] {Markup.Escape(notes.LastOrDefault() ?? "")}"));
        return result;
    }

    public void Info(string text) => console.MarkupLine(Markup.Escape(text));
}
