using System.Numerics;
using Intelligence.Chain;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Rpc;
using Intelligence.Testing;

namespace Intelligence.Explorer.Tests;

/// <summary>
/// Drives a devnet through the chain client the way <c>intelligence devnet demo</c> does: a subnet, validators with
/// unequal stake, miners serving axons, weights, epochs. Every transaction waits for its receipt.
/// </summary>
internal sealed class DevnetDriver : IDisposable
{
    private static readonly BigInteger Ether = BigInteger.Pow(10, 18);
    // anvil's second default account (mnemonic "test test ... junk"): a public test key, the subnet owner.
    private const string OwnerKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    // anvil's third default account: the coldkey of the last miner, so incentive is spread over two coldkeys.
    private const string SecondColdkeyKey = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

    private readonly EthClient _eth;
    private readonly PrivateKey _owner = PrivateKey.FromHex(OwnerKey);
    private readonly PrivateKey _second = PrivateKey.FromHex(SecondColdkeyKey);
    private readonly List<PrivateKey> _hotkeys = [];
    private readonly Random _random = new(7);
    private NonceManager _nonces;
    private ulong _chainId;
    private NetworkContract _net = null!;
    private IntelligenceTokenContract _token = null!;

    public DevnetDriver(EthClient eth)
    {
        _eth = eth;
        _nonces = new NonceManager(eth);
    }

    public ushort Netuid { get; private set; }

    public int Validators { get; private set; }

    public IReadOnlyList<PrivateKey> Hotkeys => _hotkeys;

    public Address OwnerAddress => _owner.Address;

    public Address SecondColdkey => _second.Address;

    /// <summary>Creates the subnet, registers and stakes, serves axons (miner i on <paramref name="axonPorts"/>[i]).</summary>
    public async Task SetUpAsync(string addressesFile, int validators, IReadOnlyList<int> axonPorts, CancellationToken ct)
    {
        var deployment = ChainReaderDeployment(addressesFile);
        _chainId = await _eth.ChainIdAsync(ct);
        Validators = validators;
        _net = new NetworkContract(_eth, Address.Parse(deployment.Network), Sender(_owner));
        _token = new IntelligenceTokenContract(_eth, Address.Parse(deployment.Token), Sender(_owner));

        var cost = await _net.SubnetCostAsync(ct);
        await ApproveAsync(cost, ct);
        var created = await _net.CreateSubnetAsync(cost, ct);
        Netuid = NetworkContract.SubnetCreatedEvent.Decode(created.Logs.Single(NetworkContract.SubnetCreatedEvent.Matches)).Netuid;
        var h = (await _net.DefaultHyperparametersAsync(ct)) with
        {
            Tempo = 8, WeightsRateLimit = 0, MaxValidators = (ushort)validators, CommitReveal = false, MinBurn = Ether / 10,
        };
        await _net.SetHyperparametersAsync(Netuid, h, ct);
        await EpochAsync(ct); // the owner earns the first epoch: tokens for burns and stake

        var count = validators + axonPorts.Count;
        await _token.TransferAsync(_second.Address, Ether, ct); // the second coldkey's burn
        for (var i = 0; i < count; i++)
        {
            var hotkey = PrivateKey.Generate();
            _hotkeys.Add(hotkey);
            var coldkey = i == count - 1 ? _second : _owner;
            await Sender(_owner).SendAndWaitAsync(new TransactionRequest { To = hotkey.Address, Value = Ether, GasLimit = 21_000 }, TimeSpan.FromSeconds(30), ct);
            var digest = await _net.RegistrationDigestAsync(Netuid, hotkey.Address, coldkey.Address, ct);
            var burn = await _net.BurnCostAsync(Netuid, ct);
            if (burn > 0)
            {
                await _token.WithSender(Sender(coldkey)).ApproveAsync(_net.Address, burn, ct);
            }
            await _net.WithSender(Sender(coldkey)).RegisterAsync(Netuid, hotkey.Address, burn, PersonalSign.Sign(hotkey, digest).ToBytes(), ct);
        }
        var budget = await _token.BalanceOfAsync(_owner.Address, ct) * 3 / 4;
        var parts = validators * (validators + 1) / 2;
        for (var v = 0; v < validators; v++)
        {
            var amount = budget * (v + 1) / parts;
            await ApproveAsync(amount, ct);
            await _net.AddStakeAsync(Netuid, _hotkeys[v].Address, amount, ct);
        }
        for (var m = 0; m < axonPorts.Count; m++)
        {
            await _net.WithSender(Sender(_hotkeys[validators + m])).ServeAxonAsync(Netuid, 0x7f000001, 4, (ushort)axonPorts[m], 1, ct);
        }
        await EpochAsync(ct);
        await EpochAsync(ct);
    }

    /// <summary>Every validator sets seeded random weights on every miner.</summary>
    public async Task SetWeightsAsync(CancellationToken ct)
    {
        var uids = Enumerable.Range(Validators, _hotkeys.Count - Validators).Select(u => (ushort)u).ToArray();
        for (var v = 0; v < Validators; v++)
        {
            var weights = uids.Select(_ => (ushort)_random.Next(1, ushort.MaxValue + 1)).ToArray();
            await _net.WithSender(Sender(_hotkeys[v])).SetWeightsAsync(Netuid, uids, weights, ct);
        }
    }

    /// <summary>Mines up to the subnet's next epoch and runs it; returns the epoch number.</summary>
    public async Task<ulong> EpochAsync(CancellationToken ct)
    {
        var due = await _net.NextEpochBlockAsync(Netuid, ct);
        var head = await _eth.BlockNumberAsync(ct);
        if (due > head + 1)
        {
            await MineAsync(due - head - 1, ct);
        }
        var receipt = await _net.RunEpochAsync(Netuid, ct);
        return NetworkContract.EpochRunEvent.Decode(receipt.Logs.Single(NetworkContract.EpochRunEvent.Matches)).Epoch;
    }

    public Task MineAsync(ulong blocks, CancellationToken ct) => _eth.Rpc.CallAsync("anvil_mine", [RpcHex.Quantity(blocks)], ct);

    /// <summary>After an evm_revert the nonces the manager handed out are stale: start again from the node's.</summary>
    public void ResetNonces()
    {
        _nonces = new NonceManager(_eth);
        _net = _net.WithSender(Sender(_owner));
        _token = _token.WithSender(Sender(_owner));
    }

    private async Task ApproveAsync(BigInteger amount, CancellationToken ct)
    {
        if (amount > 0)
        {
            await _token.WithSender(Sender(_owner)).ApproveAsync(_net.Address, amount, ct);
        }
    }

    private TransactionSender Sender(PrivateKey key) => new(_eth, key, _chainId, _nonces);

    private static Indexing.Deployment ChainReaderDeployment(string file) => Indexing.ChainReader.LoadDeployment(file);

    public void Dispose()
    {
        _owner.Dispose();
        _second.Dispose();
        foreach (var key in _hotkeys)
        {
            key.Dispose();
        }
    }
}

/// <summary>Finds the checkout (the folder holding Intelligence.sln) and its toolchain folder.</summary>
internal static class RepoPaths
{
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Intelligence.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Intelligence.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>INTELLIGENCE_TOOLS_DIR, else .tools next to Intelligence.sln.</summary>
    public static string Tools()
    {
        var env = Environment.GetEnvironmentVariable("INTELLIGENCE_TOOLS_DIR");
        return !string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, "bin", "anvil")) ? env : Path.Combine(Root(), ".tools");
    }

    /// <summary>Deploys the contracts with contracts/script/Deploy.s.sol and returns the addresses JSON (a temp file).</summary>
    public static Task<string> DeployWithForgeAsync(Uri rpc, TimeSpan timeout) =>
        ForgeDeploy.DeployAsync(Tools(), Root(), rpc, Path.Combine(Path.GetTempPath(), $"explorer-test-{Guid.NewGuid():N}.json"), timeout);
}
