using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Intelligence.Chain;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Keys;
using Intelligence.Chain.Rpc;
using Intelligence.Node;
using Intelligence.Testing;

namespace Intelligence.Network.Tests;

/// <summary>
/// A devnet for one test: anvil with fast interval blocks, the contracts deployed by contracts/script/Deploy.s.sol
/// (as tools/devnet.sh does), a subnet driven through the C# chain client, a wallet whose coldkey is anvil's first
/// account and one hotkey per neuron, and config files for the binaries.
/// </summary>
internal sealed class Devnet : IAsyncDisposable
{
    public const string Password = "devnet-test";
    private static readonly BigInteger Ether = BigInteger.Pow(10, 18);

    private readonly List<NodeProcess> _processes = [];
    private readonly IReadOnlyList<string> _anvilArgs;
    private NonceManager _nonces;
    private readonly PrivateKey _owner;

    private Devnet(AnvilProcess anvil, string dir, IReadOnlyList<string> anvilArgs)
    {
        Anvil = anvil;
        Dir = dir;
        _anvilArgs = anvilArgs;
        _nonces = new NonceManager(anvil.Client);
        _owner = PrivateKey.FromHex(ForgeDeploy.DeployerKey);
        WalletRoot = Path.Combine(dir, "wallets");
        PasswordFile = Path.Combine(dir, "password.txt");
        File.WriteAllText(PasswordFile, Password + "\n");
        Wallet = Wallet.Import(WalletRoot, "owner", _owner, Password, ScryptParameters.Light);
    }

    public AnvilProcess Anvil { get; private set; }

    public string Dir { get; }

    public string WalletRoot { get; }

    public string PasswordFile { get; }

    public Wallet Wallet { get; }

    public string AddressesFile { get; private set; } = "";

    public Deployment Deployment { get; private set; } = null!;

    public EthClient Eth => Anvil.Client;

    public NetworkContract Net => new(Eth, Deployment.Network, Sender(_owner)) { ReceiptTimeout = TimeSpan.FromSeconds(60) };

    public NetworkViewsContract Views => new(Eth, Deployment.Network);

    public IntelligenceTokenContract Token => new(Eth, Deployment.Token, Sender(_owner)) { ReceiptTimeout = TimeSpan.FromSeconds(60) };

    public Address Owner => _owner.Address;

    /// <summary>Starts anvil (blocks every <paramref name="blockTime"/> s, state kept in a file so a restart resumes) and deploys.</summary>
    public static async Task<Devnet> StartAsync(double blockTime = 0.25)
    {
        var dir = Path.Combine(Path.GetTempPath(), "intelligence-net-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        string[] args = ["--block-time", blockTime.ToString(CultureInfo.InvariantCulture), "--gas-limit", "100000000", "--state", Path.Combine(dir, "anvil-state.json")];
        var anvil = await AnvilProcess.StartAsync(Path.Combine(RepoPaths.ToolsDir(), "bin", "anvil"), args);
        var net = new Devnet(anvil, dir, args);
        try
        {
            net.AddressesFile = await net.DeployAsync(TimeSpan.FromMinutes(8));
            net.Deployment = Deployment.Load(net.AddressesFile);
            return net;
        }
        catch
        {
            await net.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops anvil (its state is written) and, after <paramref name="down"/> completes, starts it again on the same port.</summary>
    public async Task RestartNodeAsync(Func<Task> down)
    {
        var port = Anvil.Port;
        await Anvil.StopGracefullyAsync(TimeSpan.FromSeconds(30));
        Anvil.Dispose();
        await down();
        Anvil = await AnvilProcess.StartAsync(Path.Combine(RepoPaths.ToolsDir(), "bin", "anvil"), _anvilArgs, port);
        _nonces = new NonceManager(Anvil.Client);
    }

    private Task<string> DeployAsync(TimeSpan timeout) =>
        ForgeDeploy.DeployAsync(RepoPaths.ToolsDir(), RepoPaths.Root(), Anvil.Endpoint, Path.Combine(Dir, "addresses.json"), timeout);

    public TransactionSender Sender(PrivateKey key) => new(Eth, key, Anvil.ChainId, _nonces);

    /// <summary>Creates a subnet with fast settings and returns its netuid; the first epoch pays the owner for burns and stake.</summary>
    public async Task<ushort> CreateSubnetAsync(uint tempo, ushort maxValidators, bool commitReveal = true, uint weightsRateLimit = 0)
    {
        var net = Net;
        var cost = await net.SubnetCostAsync();
        await ApproveAsync(cost);
        var created = await net.CreateSubnetAsync(cost);
        var netuid = NetworkContract.SubnetCreatedEvent.Decode(created.Logs.Single(NetworkContract.SubnetCreatedEvent.Matches)).Netuid;
        var h = (await net.DefaultHyperparametersAsync()) with
        {
            Tempo = tempo, RevealPeriod = 2, WeightsRateLimit = weightsRateLimit, MaxValidators = maxValidators, CommitReveal = commitReveal,
        };
        await net.SetHyperparametersAsync(netuid, h);
        await EpochAsync(netuid);
        return netuid;
    }

    /// <summary>A new hotkey in the owner's wallet, funded with gas, registered (the owner pays the burn), optionally staked.</summary>
    public async Task<Address> AddNeuronAsync(ushort netuid, string name, bool register = true)
    {
        Wallet.CreateHotkey(name, Password, ScryptParameters.Light);
        using var hotkey = Wallet.UnlockHotkey(name, Password);
        await Sender(_owner).SendAndWaitAsync(new TransactionRequest { To = hotkey.Address, Value = Ether, GasLimit = 21_000 }, TimeSpan.FromSeconds(60));
        if (register)
        {
            var net = Net;
            var digest = await net.RegistrationDigestAsync(netuid, hotkey.Address, _owner.Address);
            var burn = await net.BurnCostAsync(netuid);
            await ApproveAsync(burn);
            await net.RegisterAsync(netuid, hotkey.Address, burn, PersonalSign.Sign(hotkey, digest).ToBytes());
        }
        return hotkey.Address;
    }

    public PrivateKey UnlockHotkey(string name) => Wallet.UnlockHotkey(name, Password);

    /// <summary>Stakes a share of the owner's tokens on a hotkey.</summary>
    public async Task StakeAsync(ushort netuid, Address hotkey, BigInteger amount)
    {
        await ApproveAsync(amount);
        await Net.AddStakeAsync(netuid, hotkey, amount);
    }

    public Task<BigInteger> OwnerBalanceAsync() => Token.BalanceOfAsync(_owner.Address);

    /// <summary>Mines up to the epoch's block and runs it.</summary>
    public async Task EpochAsync(ushort netuid)
    {
        var net = Net;
        var due = await net.NextEpochBlockAsync(netuid);
        var head = await Eth.BlockNumberAsync();
        if (due > head + 1)
        {
            await Eth.Rpc.CallAsync("anvil_mine", [RpcHex.Quantity(due - head - 1)]);
        }
        await net.RunEpochAsync(netuid);
    }

    public async Task<MetagraphSnapshot> MetagraphAsync(ushort netuid) => await new Metagraph(Eth, Deployment.Network).SyncAsync(netuid);

    private async Task ApproveAsync(BigInteger amount)
    {
        if (amount > 0)
        {
            await Token.ApproveAsync(Deployment.Network, amount);
        }
    }

    /// <summary>Writes a config file for a binary: the chain and wallet sections filled in, plus <paramref name="sections"/>.</summary>
    public string WriteConfig(string name, string hotkey, ushort netuid, Dictionary<string, object> sections)
    {
        var config = new Dictionary<string, object>
        {
            ["Chain"] = new Dictionary<string, object>
            {
                ["RpcUrl"] = Anvil.Endpoint.ToString(),
                ["AddressesFile"] = AddressesFile,
                ["PollInterval"] = "00:00:00.2",
                ["CallTimeout"] = "00:00:05",
                ["MaxBackoff"] = "00:00:02",
                ["ReceiptTimeout"] = "00:00:30",
            },
            ["Wallet"] = new Dictionary<string, object> { ["Root"] = WalletRoot, ["Name"] = "owner", ["Hotkey"] = hotkey, ["PasswordFile"] = PasswordFile },
            ["Subnet"] = new Dictionary<string, object> { ["Netuid"] = netuid, ["Name"] = "digits" },
            ["State"] = new Dictionary<string, object> { ["DataDir"] = Path.Combine(Dir, name + "-data") },
        };
        foreach (var (k, v) in sections)
        {
            config[k] = v;
        }
        var path = Path.Combine(Dir, name + ".json");
        File.WriteAllText(path, JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    /// <summary>Starts a miner or validator process with a config file; killed when the devnet is disposed.</summary>
    public NodeProcess StartNode(string name, string kind, string configFile, params string[] extra)
    {
        var (project, assembly) = kind == "miner" ? ("Intelligence.Miner", "intelligence-miner") : ("Intelligence.Validator", "intelligence-validator");
        var node = NodeProcess.Start(name, RepoPaths.Binary(project, assembly), ["--config", configFile, .. extra], Dir);
        _processes.Add(node);
        return node;
    }

    public string Logs() => string.Join("\n", _processes.Select(p => p.Tail(80)));

    public async ValueTask DisposeAsync()
    {
        foreach (var p in _processes)
        {
            p.Dispose();
        }
        Anvil.Dispose();
        _owner.Dispose();
        await Task.CompletedTask;
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
            // A process may still hold a file for a moment: the temp folder is cleaned by the OS later.
        }
    }
}
