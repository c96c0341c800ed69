using System.Numerics;
using Intelligence.Chain;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Keys;
using Intelligence.Chain.Rpc;
using Intelligence.Cli.Formatting;
using EpochParity = Intelligence.Node.EpochParity;
using ParityReport = Intelligence.Node.ParityReport;

namespace Intelligence.Cli.Devnet;

/// <summary>Settings of one demo run.</summary>
internal sealed record DemoOptions(Uri Rpc, string AddressesFile, PrivateKey Coldkey, int Validators, int Miners, int Rounds, uint Tempo, int Seed);

/// <summary>
/// The devnet demo: one subnet driven end to end through the C# chain client (create, register, stake, serve,
/// weights with commit-reveal, epochs), every epoch replayed by <see cref="EpochParity"/>.
/// </summary>
internal sealed class DevnetDemo : IDisposable
{
    private static readonly BigInteger Ether = BigInteger.Pow(10, 18);
    private const string WalletPassword = "devnet-demo";

    private readonly DemoOptions _options;
    private readonly TextWriter _log;
    private readonly EthClient _eth;
    private readonly string _walletRoot = Path.Combine(Path.GetTempPath(), "intelligence-devnet-" + Guid.NewGuid().ToString("N"));
    private readonly List<ParityReport> _reports = [];
    private readonly List<PrivateKey> _hotkeys = [];
    private NonceManager _nonces = null!;
    private ulong _chainId;
    private NetworkContract _net = null!;
    private IntelligenceTokenContract _token = null!;
    private EpochParity _parity = null!;

    public DevnetDemo(DemoOptions options, TextWriter log)
    {
        _options = options;
        _log = log;
        _eth = new EthClient(new JsonRpcClient(options.Rpc, new JsonRpcOptions { RequestTimeout = TimeSpan.FromSeconds(30) }));
    }

    /// <summary>Every epoch checked so far.</summary>
    public IReadOnlyList<ParityReport> Reports => _reports;

    /// <summary>Runs the scenario and returns the final metagraph; chain errors surface as <see cref="ChainException"/>.</summary>
    public async Task<(MetagraphSnapshot Metagraph, IReadOnlyList<string> Roles)> RunAsync(CancellationToken ct)
    {
        var addresses = DevnetAddresses.Load(_options.AddressesFile);
        _chainId = await _eth.ChainIdAsync(ct).ConfigureAwait(false);
        if (_chainId != addresses.ChainId)
        {
            throw new InvalidOperationException($"the node's chain id {_chainId} differs from the addresses file's {addresses.ChainId}");
        }
        _nonces = new NonceManager(_eth);
        var owner = SenderFor(_options.Coldkey);
        _net = new NetworkContract(_eth, addresses.Network, owner);
        _token = new IntelligenceTokenContract(_eth, addresses.Token, owner);
        _parity = new EpochParity(_eth, addresses.Network, await _net.OwnerCutPpmAsync(ct).ConfigureAwait(false));

        // The coldkey is a public anvil dev key, imported into a throw-away wallet next to fresh hotkeys.
        var wallet = Wallet.Import(_walletRoot, "devnet", _options.Coldkey, WalletPassword, ScryptParameters.Light);
        Step($"wallet {wallet.Path}: coldkey {wallet.ColdkeyAddress}");

        var cost = await _net.SubnetCostAsync(ct).ConfigureAwait(false);
        await ApproveAsync(cost, ct).ConfigureAwait(false);
        var created = await _net.CreateSubnetAsync(cost, ct).ConfigureAwait(false);
        var netuid = NetworkContract.SubnetCreatedEvent.Decode(created.Logs.Single(NetworkContract.SubnetCreatedEvent.Matches)).Netuid;
        var h = (await _net.DefaultHyperparametersAsync(ct).ConfigureAwait(false)) with
        {
            Tempo = _options.Tempo, RevealPeriod = 2, WeightsRateLimit = 0, MaxValidators = (ushort)_options.Validators, CommitReveal = true,
        };
        await _net.SetHyperparametersAsync(netuid, h, ct).ConfigureAwait(false);
        Step($"subnet {netuid} created (cost {cost}), tempo {h.Tempo}, commit-reveal {(h.CommitReveal ? "on" : "off")}, max validators {h.MaxValidators}");

        // With no neurons the whole epoch emission goes to the owner: tokens for burns and stake.
        await EpochAsync(netuid, ct).ConfigureAwait(false);
        Step($"owner earned {Units.Tokens(await _token.BalanceOfAsync(owner.Address, ct).ConfigureAwait(false))} INTL from the first epoch");

        var roles = new List<string>();
        var hotkeys = new List<PrivateKey>();
        for (var i = 0; i < _options.Validators + _options.Miners; i++)
        {
            var name = i < _options.Validators ? $"validator{i + 1}" : $"miner{i - _options.Validators + 1}";
            wallet.CreateHotkey(name, WalletPassword, ScryptParameters.Light);
            var hotkey = wallet.UnlockHotkey(name, WalletPassword);
            _hotkeys.Add(hotkey);
            // Hotkeys send their own axon and weight transactions, so they need gas money.
            await owner.SendAndWaitAsync(new TransactionRequest { To = hotkey.Address, Value = Ether, GasLimit = 21_000 }, TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
            var digest = await _net.RegistrationDigestAsync(netuid, hotkey.Address, owner.Address, ct).ConfigureAwait(false);
            var burn = await _net.BurnCostAsync(netuid, ct).ConfigureAwait(false);
            await ApproveAsync(burn, ct).ConfigureAwait(false);
            await _net.RegisterAsync(netuid, hotkey.Address, burn, PersonalSign.Sign(hotkey, digest).ToBytes(), ct).ConfigureAwait(false);
            hotkeys.Add(hotkey);
            roles.Add(name);
        }
        Step($"registered {_options.Validators} validators and {_options.Miners} miners (hotkeys signed the registration digest)");

        // Validators get unequal stake (1 : 2 : 3 ...) from three quarters of the owner's tokens.
        var budget = await _token.BalanceOfAsync(owner.Address, ct).ConfigureAwait(false) * 3 / 4;
        var parts = _options.Validators * (_options.Validators + 1) / 2;
        for (var v = 0; v < _options.Validators; v++)
        {
            var amount = budget * (v + 1) / parts;
            await ApproveAsync(amount, ct).ConfigureAwait(false);
            await _net.AddStakeAsync(netuid, hotkeys[v].Address, amount, ct).ConfigureAwait(false);
        }
        for (var m = 0; m < _options.Miners; m++)
        {
            var miner = _net.WithSender(SenderFor(hotkeys[_options.Validators + m]));
            await miner.ServeAxonAsync(netuid, 0x7f000001, 4, (ushort)(8091 + m), 1, ct).ConfigureAwait(false);
        }
        Step($"staked {Units.Tokens(budget)} INTL on the validators; miners serve axons on 127.0.0.1:8091..{8090 + _options.Miners}");

        // The first epoch snapshots the new stake, the next one uses it and hands out the permits.
        await EpochAsync(netuid, ct).ConfigureAwait(false);
        await EpochAsync(netuid, ct).ConfigureAwait(false);

        var random = new Random(_options.Seed);
        for (var round = 1; round <= _options.Rounds; round++)
        {
            await SetWeightsAsync(netuid, h, hotkeys, random, ct).ConfigureAwait(false);
            await EpochAsync(netuid, ct).ConfigureAwait(false);
        }

        var metagraph = await new Metagraph(_eth, addresses.Network).SyncAsync(netuid, ct).ConfigureAwait(false);
        return (metagraph, roles);
    }

    /// <summary>Each validator scores every miner (seeded random u16 weights): commit, wait the reveal period, reveal.</summary>
    private async Task SetWeightsAsync(ushort netuid, Hyperparameters h, List<PrivateKey> hotkeys, Random random, CancellationToken ct)
    {
        var uids = Enumerable.Range(_options.Validators, _options.Miners).Select(u => (ushort)u).ToArray();
        var pending = new List<(NetworkContract Net, ushort[] Weights, byte[] Salt)>();
        for (var v = 0; v < _options.Validators; v++)
        {
            var validator = _net.WithSender(SenderFor(hotkeys[v]));
            var weights = uids.Select(_ => (ushort)random.Next(1, ushort.MaxValue + 1)).ToArray();
            if (!h.CommitReveal)
            {
                await validator.SetWeightsAsync(netuid, uids, weights, ct).ConfigureAwait(false);
                continue;
            }
            var salt = new byte[32];
            random.NextBytes(salt);
            var hash = NetworkContract.CommitHash(hotkeys[v].Address, netuid, uids, weights, salt);
            await validator.CommitWeightsAsync(netuid, hash, ct).ConfigureAwait(false);
            pending.Add((validator, weights, salt));
        }
        if (pending.Count > 0)
        {
            await MineAsync(h.RevealPeriod, ct).ConfigureAwait(false);
            foreach (var (validator, weights, salt) in pending)
            {
                await validator.RevealWeightsAsync(netuid, uids, weights, salt, ct).ConfigureAwait(false);
            }
        }
        Step(h.CommitReveal
            ? $"{pending.Count} validators committed weights, {h.RevealPeriod} blocks mined, weights revealed"
            : $"{_options.Validators} validators set weights");
    }

    /// <summary>Mines up to the epoch's block, runs it and replays it in C#.</summary>
    private async Task EpochAsync(ushort netuid, CancellationToken ct)
    {
        var due = await _net.NextEpochBlockAsync(netuid, ct).ConfigureAwait(false);
        var head = await _eth.BlockNumberAsync(ct).ConfigureAwait(false);
        // The epoch transaction itself lands in head + 1.
        if (due > head + 1)
        {
            await MineAsync(due - head - 1, ct).ConfigureAwait(false);
        }
        var receipt = await _net.RunEpochAsync(netuid, ct).ConfigureAwait(false);
        var run = NetworkContract.EpochRunEvent.Decode(receipt.Logs.Single(NetworkContract.EpochRunEvent.Matches));
        var report = await _parity.CheckAsync(run, ct).ConfigureAwait(false);
        _reports.Add(report);
        Step($"epoch {run.Epoch} at block {run.BlockNumber}: emission {Units.Tokens(run.Emission)} INTL, gas {receipt.GasUsed:N0}, " +
             (report.Ok ? "C# replay identical" : $"C# replay DIFFERS in {report.Differences.Count} fields"));
    }

    private Task MineAsync(ulong blocks, CancellationToken ct) =>
        _eth.Rpc.CallAsync("anvil_mine", [RpcHex.Quantity(blocks)], ct);

    private async Task ApproveAsync(BigInteger amount, CancellationToken ct)
    {
        if (amount > 0)
        {
            await _token.ApproveAsync(_net.Address, amount, ct).ConfigureAwait(false);
        }
    }

    private TransactionSender SenderFor(PrivateKey key) => new(_eth, key, _chainId, _nonces);

    private void Step(string text) => _log.WriteLine("  " + text);

    /// <summary>An amount of base units as tokens with four decimals (truncated).</summary>
    public void Dispose()
    {
        _eth.Rpc.Dispose();
        foreach (var key in _hotkeys)
        {
            key.Dispose();
        }
        if (Directory.Exists(_walletRoot))
        {
            Directory.Delete(_walletRoot, recursive: true);
        }
    }
}
