using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Security.Cryptography;
using Intelligence.Chain;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Keys;
using Intelligence.Chain.Rpc;
using Intelligence.Cli.Cli;
using Intelligence.Cli.Commands;
using Intelligence.Subnets;
using EpochParity = Intelligence.Node.EpochParity;

namespace Intelligence.Cli.Devnet;

/// <summary>Settings of <c>intelligence devnet up</c>.</summary>
internal sealed record DevnetUpOptions
{
    public required string Dir { get; init; }
    public bool Fresh { get; init; }
    public IReadOnlyList<string> Subnets { get; init; } = ["digits", "diagnosis", "forecast"];
    public int Miners { get; init; } = 2;
    public int Validators { get; init; } = 1;
    public int? Epochs { get; init; }
    public uint Tempo { get; init; } = 10;
    public int BlockTimeSeconds { get; init; } = 1;
    public string? Redis { get; init; }
    public bool Bootstrap { get; init; } = true;
    public TimeSpan ReadyTimeout { get; init; } = TimeSpan.FromSeconds(90);
    public TimeSpan Timeout { get; init; } = TimeSpan.FromMinutes(10);
}

/// <summary>The steps of <c>devnet up</c> reported to the display.</summary>
internal interface IDevnetProgress
{
    /// <summary>Runs one named step, showing it while it runs and its outcome after.</summary>
    Task<T> StepAsync<T>(string name, Func<Action<string>, Task<T>> body);

    /// <summary>A line of information.</summary>
    void Info(string text);
}

/// <summary>
/// Brings up a whole local network: toolchain, anvil (interval mining), the contracts (forge script), the devnet
/// wallets, the built-in subnets, reference models, and the miners and validators as separate processes of the
/// real binaries, all in one ignored folder. Every child dies with this process (<see cref="ProcessSupervisor"/>).
/// </summary>
internal sealed class DevnetUp : IDisposable
{
    /// <summary>anvil's first default account (mnemonic "test test ... junk", public): deploys the contracts.</summary>
    internal const string DeployerKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    /// <summary>The coldkey that owns the subnets and every devnet hotkey: anvil's second default account (public, local only).</summary>
    internal const string OwnerKey = DevnetCommands.DevColdkey;

    internal const string WalletName = "devnet";
    private const ulong GasLimit = 100_000_000;
    private static readonly BigInteger Ether = BigInteger.Pow(10, 18);

    private readonly DevnetUpOptions _o;
    private readonly Toolchain _tools;
    private readonly IDevnetProgress _progress;
    private readonly ProcessSupervisor _supervisor = new();
    private readonly Stopwatch _clock;
    private EthClient? _eth;
    private NonceManager? _nonces;

    public DevnetUp(DevnetUpOptions options, Toolchain tools, IDevnetProgress progress, Stopwatch clock)
    {
        _o = options;
        _tools = tools;
        _progress = progress;
        _clock = clock;
    }

    public string LogsDir => Path.Combine(_o.Dir, "logs");
    public string WalletsDir => Path.Combine(_o.Dir, "wallets");
    public string PasswordFile => Path.Combine(_o.Dir, "password");
    public string AddressesFile => Path.Combine(_o.Dir, "addresses.json");
    public EthClient Eth => _eth!;
    public DevnetAddresses Addresses { get; private set; } = null!;
    public Uri Rpc { get; private set; } = null!;
    public ulong ChainId { get; private set; }
    public List<DevnetSubnet> Subnets { get; } = [];
    public Dictionary<ushort, Dictionary<ushort, string>> Roles { get; } = [];
    public string? ExplorerUrl { get; private set; }
    public ProcessSupervisor Supervisor => _supervisor;

    /// <summary>Miners not started because their model equals another miner's.</summary>
    public List<string> Skipped { get; } = [];

    /// <summary>Everything up to running nodes; returns when every node printed its ready line.</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        var existing = DevnetState.TryLoad(_o.Dir);
        if (existing is not null && existing.UpPid != Environment.ProcessId && ProcessSupervisor.IsAlive(existing.UpPid))
        {
            throw new UserErrorException($"a devnet is already running from {_o.Dir} (pid {existing.UpPid}): stop it with `intelligence devnet down`");
        }
        if (_o.Fresh && Directory.Exists(_o.Dir))
        {
            Directory.Delete(_o.Dir, recursive: true);
        }
        Directory.CreateDirectory(_o.Dir);
        Directory.CreateDirectory(LogsDir);

        await _progress.StepAsync("toolchain", async say =>
        {
            if (_tools.Complete)
            {
                say($"found in {_tools.ToolsDir}");
                return 0;
            }
            if (!_o.Bootstrap)
            {
                throw new UserErrorException($"the toolchain is not installed in {_tools.ToolsDir}: run tools/bootstrap.sh");
            }
            say("installing with tools/bootstrap.sh (npm and apt; about a minute the first time)");
            var p = await _supervisor.StartAsync("bootstrap", _tools.Bootstrap, [], Path.Combine(LogsDir, "bootstrap.log"), workingDirectory: _tools.Root).ConfigureAwait(false);
            await p.Process.WaitForExitAsync(ct).ConfigureAwait(false);
            if (p.Process.ExitCode != 0 || !_tools.Complete)
            {
                throw new UserErrorException($"tools/bootstrap.sh failed (exit {p.Process.ExitCode}); see {p.LogPath}");
            }
            say($"installed in {_tools.ToolsDir}");
            return 0;
        }).ConfigureAwait(false);

        var nodes = _o.Miners + _o.Validators > 0;
        var miner = _tools.Miner;
        var validator = _tools.Validator;
        if (nodes && (miner is null || validator is null))
        {
            throw new UserErrorException(
                "the miner and validator binaries are not built: run `dotnet build Intelligence.sln -c Release` (tools/devnet.sh does it), " +
                $"expected {Path.Combine("src", "Intelligence.Miner", "bin", "Release", "net10.0", "intelligence-miner")}; or run the chain alone with --miners 0 --validators 0");
        }

        await _progress.StepAsync("anvil", async say =>
        {
            await StartAnvilAsync(ct).ConfigureAwait(false);
            say($"{Rpc} (chain {ChainId}, a block every {_o.BlockTimeSeconds} s, state in {Path.Combine(_o.Dir, "chain")})");
            return 0;
        }).ConfigureAwait(false);

        await _progress.StepAsync("contracts", async say =>
        {
            say(await DeployAsync(ct).ConfigureAwait(false));
            return 0;
        }).ConfigureAwait(false);

        var password = EnsurePassword();
        using var owner = PrivateKey.FromHex(OwnerKey);
        var wallet = await _progress.StepAsync("wallets", say =>
        {
            var w = Directory.Exists(Path.Combine(WalletsDir, WalletName))
                ? Wallet.Open(WalletsDir, WalletName)
                : Wallet.Import(WalletsDir, WalletName, owner, password, ScryptParameters.Light);
            foreach (var s in _o.Subnets)
            {
                foreach (var name in HotkeyNames(s))
                {
                    if (!w.HotkeyNames.Contains(name, StringComparer.Ordinal))
                    {
                        w.CreateHotkey(name, password, ScryptParameters.Light);
                    }
                }
            }
            say($"{w.Path}: coldkey {w.ColdkeyAddress}, {w.HotkeyNames.Count} hotkeys (password in {PasswordFile})");
            return Task.FromResult(w);
        }).ConfigureAwait(false);

        var ownerSender = Sender(owner);
        var net = new NetworkContract(Eth, Addresses.Network, ownerSender);
        var token = new IntelligenceTokenContract(Eth, Addresses.Token, ownerSender);
        var views = new NetworkViewsContract(Eth, Addresses.Network); // the Network contract serves the view functions
        var parity = new EpochParity(Eth, Addresses.Network, await net.OwnerCutPpmAsync(ct).ConfigureAwait(false));

        await _progress.StepAsync("subnets", async say =>
        {
            var count = await net.SubnetCountAsync(ct).ConfigureAwait(false);
            var known = DevnetState.TryLoad(_o.Dir)?.Subnets ?? [];
            foreach (var name in _o.Subnets)
            {
                if (known.FirstOrDefault(k => k.Name == name) is { } k && k.Netuid < count)
                {
                    Subnets.Add(k);
                    continue;
                }
                var cost = await net.SubnetCostAsync(ct).ConfigureAwait(false);
                if (cost > 0)
                {
                    await token.ApproveAsync(net.Address, cost, ct).ConfigureAwait(false);
                }
                var created = await net.CreateSubnetAsync(cost, ct).ConfigureAwait(false);
                var netuid = NetworkContract.SubnetCreatedEvent.Decode(created.Logs.Single(NetworkContract.SubnetCreatedEvent.Matches)).Netuid;
                var h = (await net.DefaultHyperparametersAsync(ct).ConfigureAwait(false)) with
                {
                    Tempo = _o.Tempo,
                    RevealPeriod = 2,
                    WeightsRateLimit = Math.Max(1, _o.Tempo / 2),
                    MaxValidators = (ushort)Math.Max(1, _o.Validators),
                    CommitReveal = true,
                };
                await net.SetHyperparametersAsync(netuid, h, ct).ConfigureAwait(false);
                Subnets.Add(new DevnetSubnet(name, netuid));
                // With no neurons the first epoch pays the owner: tokens for the burns and the validators' stake.
                await RunEpochNowAsync(net, parity, netuid, ct).ConfigureAwait(false);
            }
            SaveState();
            say(string.Join(", ", Subnets.Select(s => $"{s.Name} = netuid {s.Netuid}")) + $" (tempo {_o.Tempo} blocks, commit-reveal on)");
            return 0;
        }).ConfigureAwait(false);

        await _progress.StepAsync("neurons", async say =>
        {
            var registered = 0;
            foreach (var s in Subnets)
            {
                var roles = new Dictionary<ushort, string>();
                Roles[s.Netuid] = roles;
                var validators = new List<Address>();
                foreach (var name in HotkeyNames(s.Name))
                {
                    var address = wallet.HotkeyAddress(name);
                    // Hotkeys send their own axon, weights and epoch transactions: gas money.
                    if (await Eth.GetBalanceAsync(address, ct).ConfigureAwait(false) < Ether / 2)
                    {
                        await ownerSender.SendAndWaitAsync(new TransactionRequest { To = address, Value = Ether * 10, GasLimit = 21_000 }, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
                    }
                    if (!await views.IsRegisteredAsync(s.Netuid, address, ct).ConfigureAwait(false))
                    {
                        using var hotkey = wallet.UnlockHotkey(name, password);
                        var digest = await net.RegistrationDigestAsync(s.Netuid, address, owner.Address, ct).ConfigureAwait(false);
                        var burn = await net.BurnCostAsync(s.Netuid, ct).ConfigureAwait(false);
                        if (burn > 0)
                        {
                            await token.ApproveAsync(net.Address, burn, ct).ConfigureAwait(false);
                        }
                        await net.RegisterAsync(s.Netuid, address, burn, PersonalSign.Sign(hotkey, digest).ToBytes(), ct).ConfigureAwait(false);
                        registered++;
                    }
                    roles[await views.UidOfAsync(s.Netuid, address, ct).ConfigureAwait(false)] = name;
                    if (name.StartsWith("validator", StringComparison.Ordinal))
                    {
                        validators.Add(address);
                    }
                }
                var staked = false;
                var balance = await token.BalanceOfAsync(owner.Address, ct).ConfigureAwait(false);
                foreach (var v in validators)
                {
                    if (await views.StakeOfAsync(s.Netuid, v, owner.Address, ct).ConfigureAwait(false) == 0)
                    {
                        var amount = balance / 4 / Math.Max(1, validators.Count);
                        if (amount > 0)
                        {
                            await token.ApproveAsync(net.Address, amount, ct).ConfigureAwait(false);
                            await net.AddStakeAsync(s.Netuid, v, amount, ct).ConfigureAwait(false);
                            staked = true;
                        }
                    }
                }
                if (staked)
                {
                    // The first epoch snapshots the new stake, the next hands out validator permits.
                    await RunEpochNowAsync(net, parity, s.Netuid, ct).ConfigureAwait(false);
                    await RunEpochNowAsync(net, parity, s.Netuid, ct).ConfigureAwait(false);
                }
            }
            say($"{registered} registered now, {Roles.Values.Sum(r => r.Count)} in all; validators staked and permitted");
            return 0;
        }).ConfigureAwait(false);

        var models = await _progress.StepAsync("models", say =>
        {
            // One model per miner, each trained with its own seed: identical answers from two miners are scored as
            // copies (0) by the subnets' anti-gaming rules, so the devnet's miners must not share a model.
            var paths = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var trained = 0;
            foreach (var name in _o.Subnets)
            {
                for (var m = 1; m <= Math.Max(1, _o.Miners); m++)
                {
                    var path = Path.Combine(_o.Dir, "models", $"{name}-{m}.onnx");
                    if (!File.Exists(path))
                    {
                        if (KnownSubnets.Create(name) is not IReferenceModelTrainer trainer)
                        {
                            throw new UserErrorException($"subnet '{name}' has no reference model trainer; put a model at {path}");
                        }
                        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                        File.WriteAllBytes(path, trainer.TrainReferenceModel(m));
                        trained++;
                    }
                    // A trainer that ignores the seed gives every miner the same model: start only the first of them.
                    var bytes = File.ReadAllBytes(path);
                    if (seen.Add(Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes))))
                    {
                        paths[$"miner-{name}-{m}"] = path;
                    }
                    else
                    {
                        Skipped.Add($"miner-{name}-{m}");
                    }
                }
            }
            say((trained > 0 ? $"trained {trained} reference models (one seed per miner) in {Path.Combine(_o.Dir, "models")}" : $"reused {Path.Combine(_o.Dir, "models")}") +
                (Skipped.Count > 0 ? $"; not started (same model as another miner, would score as a copy): {string.Join(", ", Skipped)}" : ""));
            return Task.FromResult(paths);
        }).ConfigureAwait(false);

        if (nodes)
        {
            await _progress.StepAsync("nodes", async say =>
            {
                var starting = new List<SupervisedProcess>();
                foreach (var s in Subnets)
                {
                    foreach (var name in HotkeyNames(s.Name).Where(n => n.StartsWith("miner", StringComparison.Ordinal) && models.ContainsKey(n)))
                    {
                        starting.Add(await StartNodeAsync(miner!.Value, name, s, MinerArgs(models[name]), "ready miner").ConfigureAwait(false));
                    }
                }
                foreach (var s in Subnets)
                {
                    foreach (var name in HotkeyNames(s.Name).Where(n => n.StartsWith("validator", StringComparison.Ordinal)))
                    {
                        starting.Add(await StartNodeAsync(validator!.Value, name, s, ValidatorArgs(), "ready validator").ConfigureAwait(false));
                    }
                }
                SaveState();
                await WaitReadyAsync(starting, ct).ConfigureAwait(false);
                SaveState();
                say($"{_o.Miners * Subnets.Count - Skipped.Count} miners and {_o.Validators * Subnets.Count} validators ready ({Elapsed()}); logs in {LogsDir}");
                return 0;
            }).ConfigureAwait(false);
        }

        if (_tools.Explorer is { } explorer)
        {
            await _progress.StepAsync("explorer", async say =>
            {
                var p = await _supervisor.StartAsync("explorer", explorer.Executable,
                    [.. explorer.Prefix, "--Chain:RpcUrl", Rpc.ToString(), "--Chain:AddressesFile", AddressesFile,
                     "--Explorer:Urls", "http://127.0.0.1:0", "--Explorer:DataDir", Path.Combine(_o.Dir, "explorer")],
                    Path.Combine(LogsDir, "explorer.log"), readyPrefix: "ready explorer").ConfigureAwait(false);
                await WaitReadyAsync([p], ct).ConfigureAwait(false);
                ExplorerUrl = Field(await p.Ready.ConfigureAwait(false), "url");
                SaveState();
                say(ExplorerUrl ?? "(no url in its ready line)");
                return 0;
            }).ConfigureAwait(false);
        }
        SaveState();
    }

    private IEnumerable<string> MinerArgs(string model) =>
        ["--Miner:Model", model, "--Miner:Provider", "cpu", "--Miner:Listen", "127.0.0.1:0"];

    private IEnumerable<string> ValidatorArgs() =>
        ["--Validator:StepInterval", "00:00:02", "--Validator:QueryTimeout", "00:00:05",
         "--Validator:WeightsIntervalBlocks", Math.Max(1, _o.Tempo / 2).ToString(CultureInfo.InvariantCulture)];

    private async Task<SupervisedProcess> StartNodeAsync((string Executable, string[] Prefix) binary, string name, DevnetSubnet subnet, IEnumerable<string> extra, string ready)
    {
        var args = new List<string>(binary.Prefix)
        {
            "--Chain:RpcUrl", Rpc.ToString(), "--Chain:AddressesFile", AddressesFile,
            "--Chain:ChainId", ChainId.ToString(CultureInfo.InvariantCulture),
            "--Wallet:Root", WalletsDir, "--Wallet:Name", WalletName, "--Wallet:Hotkey", name, "--Wallet:PasswordFile", PasswordFile,
            "--Subnet:Netuid", subnet.Netuid.ToString(CultureInfo.InvariantCulture), "--Subnet:Name", subnet.Name,
            "--State:DataDir", Path.Combine(_o.Dir, "nodes", name),
        };
        if (!string.IsNullOrEmpty(_o.Redis))
        {
            args.AddRange(["--State:Redis", _o.Redis]);
        }
        args.AddRange(extra);
        return await _supervisor.StartAsync(name, binary.Executable, args, Path.Combine(LogsDir, name + ".log"), readyPrefix: ready, workingDirectory: _o.Dir).ConfigureAwait(false);
    }

    private async Task WaitReadyAsync(IReadOnlyList<SupervisedProcess> processes, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_o.ReadyTimeout);
        foreach (var p in processes)
        {
            try
            {
                await p.Ready.WaitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new ChainFailureException($"{p.Name} printed no ready line within {_o.ReadyTimeout.TotalSeconds:0} s; see {p.LogPath}:{Environment.NewLine}{p.Tail()}");
            }
            catch (InvalidOperationException e)
            {
                throw new ChainFailureException($"{e.Message}{Environment.NewLine}(log: {p.LogPath})");
            }
        }
    }

    /// <summary>A <c>key=value</c> field of a ready line.</summary>
    internal static string? Field(string line, string key) =>
        line.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(p => p.StartsWith(key + "=", StringComparison.Ordinal))?[(key.Length + 1)..];

    /// <summary>Hotkey names of one subnet: validator-&lt;subnet&gt;-1.., miner-&lt;subnet&gt;-1...</summary>
    private IEnumerable<string> HotkeyNames(string subnet)
    {
        for (var v = 1; v <= _o.Validators; v++)
        {
            yield return $"validator-{subnet}-{v}";
        }
        for (var m = 1; m <= _o.Miners; m++)
        {
            yield return $"miner-{subnet}-{m}";
        }
    }

    private string EnsurePassword()
    {
        if (!File.Exists(PasswordFile))
        {
            File.WriteAllText(PasswordFile, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
        return File.ReadLines(PasswordFile).First();
    }

    private async Task StartAnvilAsync(CancellationToken ct)
    {
        var chainDir = Path.Combine(_o.Dir, "chain");
        Directory.CreateDirectory(chainDir);
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var anvil = await _supervisor.StartAsync("anvil", _tools.Anvil,
                ["--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--block-time", _o.BlockTimeSeconds.ToString(CultureInfo.InvariantCulture),
                 "--gas-limit", GasLimit.ToString(CultureInfo.InvariantCulture), "--state", Path.Combine(chainDir, "state.json"), "--state-interval", "5", "--silent"],
                Path.Combine(LogsDir, "anvil.log")).ConfigureAwait(false);
            Rpc = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
            _eth?.Rpc.Dispose();
            _eth = new EthClient(new JsonRpcClient(Rpc, new JsonRpcOptions { RequestTimeout = TimeSpan.FromSeconds(30), MaxRetries = 0 }), CommandContext.KnownErrors);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                try
                {
                    ChainId = await _eth.ChainIdAsync(ct).WaitAsync(TimeSpan.FromSeconds(10), ct).ConfigureAwait(false);
                    _nonces = new NonceManager(_eth);
                    return;
                }
                catch (RpcTransportException) when (!anvil.Process.HasExited && DateTime.UtcNow < deadline)
                {
                    // Not listening yet: poll until it answers (bounded by the deadline).
                    await Task.Delay(100, ct).ConfigureAwait(false);
                }
                catch (RpcTransportException) when (anvil.Process.HasExited && attempt < 3)
                {
                    break; // the port was taken meanwhile: another one
                }
                catch (RpcTransportException e)
                {
                    throw new ChainFailureException($"anvil did not answer on {Rpc}: {e.Message}; see {anvil.LogPath}");
                }
            }
        }
    }

    private async Task<string> DeployAsync(CancellationToken ct)
    {
        if (File.Exists(AddressesFile))
        {
            var old = DevnetAddresses.Load(AddressesFile);
            if (old.ChainId == ChainId && (await Eth.GetCodeAsync(old.Network, ct).ConfigureAwait(false)).Length > 0)
            {
                Addresses = old;
                return $"reused: network {old.Network} ({AddressesFile})";
            }
        }
        // The forge script may only write under contracts/deployments/: the file is moved out at once.
        var name = $"devnet-{Guid.NewGuid():N}.json";
        var written = Path.Combine(_tools.Root, "contracts", "deployments", name);
        var forge = await _supervisor.StartAsync("forge", _tools.Forge,
            ["script", "script/Deploy.s.sol", "--rpc-url", Rpc.ToString(), "--broadcast", "--silent"],
            Path.Combine(LogsDir, "deploy.log"),
            new Dictionary<string, string> { ["PRIVATE_KEY"] = DeployerKey, ["ADDRESSES_OUT"] = "deployments/" + name },
            workingDirectory: Path.Combine(_tools.Root, "contracts")).ConfigureAwait(false);
        try
        {
            await forge.Process.WaitForExitAsync(ct).ConfigureAwait(false);
            if (forge.Process.ExitCode != 0 || !File.Exists(written))
            {
                throw new ChainFailureException($"the forge deploy script failed (exit {forge.Process.ExitCode}); see {forge.LogPath}:{Environment.NewLine}{forge.Tail()}");
            }
            File.Move(written, AddressesFile, overwrite: true);
        }
        finally
        {
            File.Delete(written);
        }
        Addresses = DevnetAddresses.Load(AddressesFile);
        return $"deployed: network {Addresses.Network}, token {Addresses.Token} ({AddressesFile})";
    }

    /// <summary>
    /// Runs the epochs that are due when no validator process does (the chain-only devnet, --validators 0): the
    /// owner's coldkey is then the keeper. A validator that got there first makes the call revert, which is fine.
    /// </summary>
    public async Task KeepEpochsAsync(CancellationToken ct)
    {
        if (_o.Validators > 0 || Subnets.Count == 0)
        {
            return;
        }
        using var owner = PrivateKey.FromHex(OwnerKey);
        var net = new NetworkContract(Eth, Addresses.Network, Sender(owner));
        var head = await Eth.BlockNumberAsync(ct).ConfigureAwait(false);
        foreach (var s in Subnets)
        {
            if (await net.NextEpochBlockAsync(s.Netuid, ct).ConfigureAwait(false) <= head + 1)
            {
                try
                {
                    await net.RunEpochAsync(s.Netuid, ct).ConfigureAwait(false);
                }
                catch (ChainException)
                {
                    // EpochNotDue (someone else ran it) or a transient node error: the next poll tries again.
                }
            }
        }
    }

    private TransactionSender Sender(PrivateKey key) => new(Eth, key, ChainId, _nonces!);

    /// <summary>Mines up to a subnet's next epoch block and runs it, checking it against the C# engine.</summary>
    private async Task RunEpochNowAsync(NetworkContract net, EpochParity parity, ushort netuid, CancellationToken ct)
    {
        var due = await net.NextEpochBlockAsync(netuid, ct).ConfigureAwait(false);
        var head = await Eth.BlockNumberAsync(ct).ConfigureAwait(false);
        if (due > head + 1)
        {
            await Eth.Rpc.CallAsync("anvil_mine", [RpcHex.Quantity(due - head - 1)], ct).ConfigureAwait(false);
        }
        var receipt = await net.RunEpochAsync(netuid, ct).ConfigureAwait(false);
        var run = NetworkContract.EpochRunEvent.Decode(receipt.Logs.Single(NetworkContract.EpochRunEvent.Matches));
        var report = await parity.CheckAsync(run, ct).ConfigureAwait(false);
        if (!report.Ok)
        {
            throw new NetworkCheckException($"parity: the set-up epoch of subnet {netuid} at block {run.BlockNumber} differs from the C# engine: {string.Join("; ", report.Differences.Take(5))}", ExitCodes.ParityFailure);
        }
    }

    public string Elapsed() => string.Create(CultureInfo.InvariantCulture, $"{_clock.Elapsed.TotalSeconds:0.0} s since the command started");

    public void SaveState() => new DevnetState
    {
        UpPid = Environment.ProcessId,
        Rpc = Rpc?.ToString() ?? "",
        AddressesFile = AddressesFile,
        ExplorerUrl = ExplorerUrl,
        StartedAt = DateTimeOffset.UtcNow - _clock.Elapsed,
        Subnets = [.. Subnets],
        Children = [.. _supervisor.Children.Select(c => new DevnetChild(c.Name, c.Pid, c.Process.StartInfo.ArgumentList.Count > 3 ? c.Process.StartInfo.ArgumentList[3] : c.Process.StartInfo.FileName, c.LogPath,
            c.Ready.IsCompletedSuccessfully ? c.Ready.Result : null))],
    }.Save(_o.Dir);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Stops every child and marks the devnet stopped (the folder stays for the next <c>up</c>).</summary>
    public void Dispose()
    {
        _supervisor.Dispose();
        _eth?.Rpc.Dispose();
        var state = DevnetState.TryLoad(_o.Dir);
        if (state is not null && state.UpPid == Environment.ProcessId)
        {
            (state with { UpPid = 0, Children = [] }).Save(_o.Dir);
        }
    }
}
