using System.Text.Json;
using Intelligence.Chain;
using Intelligence.Chain.Rpc;

namespace Intelligence.Cli.Tests;

/// <summary>A deployment on a real anvil shared by the operator command tests; each test uses its own wallets.</summary>
public sealed class DeployedChain : IAsyncLifetime
{
    private readonly AnvilNode _anvil = new();

    public AnvilNode Anvil => _anvil;
    public string AddressesFile { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await _anvil.InitializeAsync();
        AddressesFile = await _anvil.DeployWithForgeAsync(TimeSpan.FromMinutes(8));
    }

    public async Task DisposeAsync()
    {
        File.Delete(AddressesFile);
        await _anvil.DisposeAsync();
    }
}

/// <summary>
/// The operator commands through the real command tree against a real anvil: happy paths (wallet, subnet create,
/// hparams as owner, register, stake, serve, metagraph as table and JSON, weights, predict, verify) and bad input
/// (unknown netuid, bad address, wrong password, insufficient balance, over-bound hparam, stranger): message, exit
/// code, and that nothing was sent (the sender's nonce did not move).
/// </summary>
public sealed class OperatorCommandTests(DeployedChain chain) : IClassFixture<DeployedChain>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    /// <summary>anvil's second default account (public test key): owns the subnet the tests create.</summary>
    private const string OwnerKey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    private readonly string _dir = Directory.CreateTempSubdirectory("cli-operator-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Wallets => Path.Combine(_dir, "wallets");

    private string PasswordFile(string password = "secret")
    {
        var path = Path.Combine(_dir, $"pw-{Guid.NewGuid():N}");
        File.WriteAllText(path, password + "\n");
        return path;
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> Run(params string[] args) =>
        CliRunner.Run(Timeout, [.. args, "--rpc", chain.Anvil.Endpoint.ToString(), "--addresses", chain.AddressesFile, "--wallets", Wallets]);

    private async Task<ulong> NonceAsync(string address) =>
        await chain.Anvil.Client.GetTransactionCountAsync(Address.Parse(address), pending: false).WaitAsync(Timeout);

    private async Task<string> OwnerWalletAsync()
    {
        var keyFile = Path.Combine(_dir, "owner.key");
        File.WriteAllText(keyFile, OwnerKey);
        var (code, _, err) = await Run("wallet", "import", "--private-key-file", keyFile, "--wallet", "owner", "--password-file", PasswordFile());
        Assert.True(code == 0, err);
        Assert.Contains("warning: a raw private key", err, StringComparison.Ordinal);
        return "owner";
    }

    /// <summary>The owner's subnet with INTL earned from an empty epoch (anvil mines the tempo).</summary>
    private async Task<(ushort Netuid, string Pw)> OwnedSubnetAsync()
    {
        await OwnerWalletAsync();
        var pw = PasswordFile();
        var (code, stdout, err) = await Run("subnet", "create", "--wallet", "owner", "--password-file", pw, "--yes", "--json");
        Assert.True(code == 0, stdout + err);
        var netuid = (ushort)JsonDocument.Parse(stdout[stdout.IndexOf('{', StringComparison.Ordinal)..]).RootElement.GetProperty("netuid").GetInt32();
        Assert.Equal(0, (await Run("subnet", "hparams", "set", netuid.ToString(), "--set", "tempo=5", "weights_rate_limit=0", "--wallet", "owner", "--password-file", pw, "--yes")).ExitCode);
        await chain.Anvil.Client.Rpc.CallAsync("anvil_mine", [RpcHex.Quantity(6)]).WaitAsync(Timeout);
        var run = await Run("epoch", "run", netuid.ToString(), "--wallet", "owner", "--password-file", pw, "--yes");
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.Contains("C# replay identical", run.Stdout, StringComparison.Ordinal);
        return (netuid, pw);
    }

    [Fact]
    public async Task WalletCreate_ThenListJson_ShowsColdkeyAndHotkey_AndWrongPasswordIsExitOne()
    {
        var pw = PasswordFile();
        var (code, stdout, _) = await Run("wallet", "create", "--wallet", "alice", "--hotkey", "hk", "--password-file", pw);
        Assert.Equal(0, code);
        Assert.Contains("coldkey", stdout, StringComparison.Ordinal);

        var list = await Run("wallet", "list", "--json");
        var json = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("wallets")[0];
        Assert.Equal("alice", json.GetProperty("name").GetString());
        Assert.True(Address.TryParse(json.GetProperty("hotkeys").GetProperty("hk").GetString(), out _));

        var bad = await Run("wallet", "export", "--raw", "--wallet", "alice", "--password-file", PasswordFile("not-it"), "--json");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("wrong password", bad.Stderr, StringComparison.Ordinal);
        Assert.Equal("wrong_password", JsonDocument.Parse(bad.Stdout).RootElement.GetProperty("error").GetProperty("kind").GetString());
    }

    [Fact]
    public async Task OwnerFlow_RegisterStakeServe_MetagraphWeightsPredictVerify()
    {
        var (netuid, pw) = await OwnedSubnetAsync();
        var n = netuid.ToString();
        Assert.Equal(0, (await Run("wallet", "new-hotkey", "v1", "--wallet", "owner", "--password-file", pw)).ExitCode);
        var reg = await Run("register", n, "--wallet", "owner", "--hotkey", "v1", "--password-file", pw, "--yes");
        Assert.True(reg.ExitCode == 0, reg.Stdout + reg.Stderr);
        Assert.Contains("registered as uid 0", reg.Stdout, StringComparison.Ordinal);

        var stake = await Run("stake", "add", n, "0.5", "--wallet", "owner", "--hotkey", "v1", "--password-file", pw, "--yes");
        Assert.True(stake.ExitCode == 0, stake.Stdout + stake.Stderr);
        Assert.Contains("is now 0.5000 INTL", stake.Stdout, StringComparison.Ordinal);

        // The hotkey pays its own axon transaction: give it gas money first.
        var walletJson = JsonDocument.Parse((await Run("wallet", "list", "--json")).Stdout).RootElement.GetProperty("wallets")[0];
        var hot = walletJson.GetProperty("hotkeys").GetProperty("v1").GetString()!;
        Assert.Equal(0, (await Run("wallet", "transfer", hot, "1", "--eth", "--wallet", "owner", "--password-file", pw, "--yes")).ExitCode);
        var serve = await Run("serve", n, "--ip", "127.0.0.1", "--port", "8091", "--wallet", "owner", "--hotkey", "v1", "--password-file", pw, "--yes");
        Assert.True(serve.ExitCode == 0, serve.Stdout + serve.Stderr);

        var table = await Run("metagraph", "show", n, "--width", "200");
        Assert.Equal(0, table.ExitCode);
        Assert.Contains("127.0.0.1:8091", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("incentive  its share", table.Stdout, StringComparison.Ordinal);
        var mg = JsonDocument.Parse((await Run("metagraph", "show", n, "--json")).Stdout).RootElement;
        var neuron = mg.GetProperty("neurons")[0];
        Assert.Equal("500000000000000000", neuron.GetProperty("stake").GetString());
        Assert.EndsWith("/65535", neuron.GetProperty("incentive").GetString(), StringComparison.Ordinal);

        var weights = await Run("weights", "show", n, "--json");
        Assert.Equal(0, weights.ExitCode);
        Assert.Equal(0, JsonDocument.Parse(weights.Stdout).RootElement.GetProperty("rows").GetArrayLength());

        var predict = await Run("epoch", "predict", n, "--json");
        Assert.True(predict.ExitCode == 0, predict.Stderr);
        Assert.Equal(1, JsonDocument.Parse(predict.Stdout).RootElement.GetProperty("uids").GetArrayLength());

        var verify = await Run("epoch", "verify", n, "--json");
        Assert.True(verify.ExitCode == 0, verify.Stdout + verify.Stderr);
        var v = JsonDocument.Parse(verify.Stdout).RootElement;
        Assert.True(v.GetProperty("epochs").GetInt32() >= 1);
        Assert.Equal(0, v.GetProperty("mismatches").GetInt32());

        var show = JsonDocument.Parse((await Run("wallet", "show", "--wallet", "owner", "--json")).Stdout).RootElement;
        Assert.Equal(netuid, show.GetProperty("neurons")[0].GetProperty("netuid").GetInt32());
    }

    [Fact]
    public async Task HparamsSet_StrangerAndOverBound_AreRefusedBeforeSending()
    {
        var (netuid, pw) = await OwnedSubnetAsync();
        var ownerAddress = JsonDocument.Parse((await Run("wallet", "list", "--json")).Stdout).RootElement.GetProperty("wallets")[0].GetProperty("coldkey").GetString()!;
        var before = await NonceAsync(ownerAddress);

        var over = await Run("subnet", "hparams", "set", netuid.ToString(), "--set", "kappa=99999999", "--wallet", "owner", "--password-file", pw, "--yes", "--json");
        Assert.Equal(1, over.ExitCode);
        Assert.Contains("HyperparameterOutOfRange", over.Stderr, StringComparison.Ordinal);
        Assert.Equal("HyperparameterOutOfRange", JsonDocument.Parse(over.Stdout).RootElement.GetProperty("error").GetProperty("detail").GetProperty("error").GetString());
        var maxUids = await Run("subnet", "hparams", "set", netuid.ToString(), "--set", "max_uids=60000", "--wallet", "owner", "--password-file", pw, "--yes");
        Assert.Equal(1, maxUids.ExitCode);
        Assert.Contains("max_uids must be in 1..", maxUids.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, await NonceAsync(ownerAddress));

        Assert.Equal(0, (await Run("wallet", "create", "--wallet", "stranger", "--password-file", pw)).ExitCode);
        var stranger = await Run("subnet", "hparams", "set", netuid.ToString(), "--set", "tempo=7", "--wallet", "stranger", "--password-file", pw, "--yes");
        Assert.Equal(1, stranger.ExitCode);
        Assert.Contains("only the subnet's owner", stranger.Stderr, StringComparison.Ordinal);

        var unknown = await Run("subnet", "hparams", "set", netuid.ToString(), "--set", "tempi=7", "--wallet", "owner", "--password-file", pw, "--yes");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("unknown hyperparameter 'tempi'", unknown.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, await NonceAsync(ownerAddress));
    }

    [Fact]
    public async Task HparamsSet_Yuma3ByOwner_IsStoredOnChainAndShown()
    {
        var (netuid, pw) = await OwnedSubnetAsync();
        var before = await Run("subnet", "hparams", "get", netuid.ToString(), "--json");
        Assert.False(JsonDocument.Parse(before.Stdout).RootElement.GetProperty("yuma3").GetBoolean());

        var set = await Run("subnet", "hparams", "set", netuid.ToString(), "--set", "yuma3=true", "--wallet", "owner", "--password-file", pw, "--yes");
        Assert.True(set.ExitCode == 0, set.Stderr);
        var after = await Run("subnet", "hparams", "get", netuid.ToString(), "--json");
        Assert.True(JsonDocument.Parse(after.Stdout).RootElement.GetProperty("yuma3").GetBoolean());
    }

    [Fact]
    public async Task BadInput_UnknownNetuidBadAddressInsufficientBalanceNoConfirmation_ExitOneNothingSent()
    {
        var pw = PasswordFile();
        Assert.Equal(0, (await Run("wallet", "create", "--wallet", "poor", "--password-file", pw)).ExitCode);
        var poor = JsonDocument.Parse((await Run("wallet", "list", "--json")).Stdout).RootElement.GetProperty("wallets")[0].GetProperty("coldkey").GetString()!;

        var unknown = await Run("register", "999", "--wallet", "poor", "--password-file", pw, "--yes");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("subnet 999 does not exist", unknown.Stderr, StringComparison.Ordinal);

        var badAddress = await Run("wallet", "transfer", "0x1234", "1", "--wallet", "poor", "--password-file", pw, "--yes", "--json");
        Assert.Equal(1, badAddress.ExitCode);
        Assert.Contains("is not an address", badAddress.Stderr, StringComparison.Ordinal);
        Assert.Equal("usage", JsonDocument.Parse(badAddress.Stdout).RootElement.GetProperty("error").GetProperty("kind").GetString());

        var broke = await Run("wallet", "transfer", poor, "5", "--wallet", "poor", "--password-file", pw, "--yes");
        Assert.Equal(1, broke.ExitCode);
        Assert.Contains("insufficient balance", broke.Stderr, StringComparison.Ordinal);

        var noGas = await Run("subnet", "create", "--wallet", "poor", "--password-file", pw, "--yes");
        Assert.Equal(1, noGas.ExitCode);
        Assert.Contains("for gas", noGas.Stderr, StringComparison.Ordinal);

        await OwnerWalletAsync();
        var owner = JsonDocument.Parse((await Run("wallet", "list", "--json")).Stdout).RootElement.GetProperty("wallets").EnumerateArray()
            .Single(w => w.GetProperty("name").GetString() == "owner").GetProperty("coldkey").GetString()!;
        var ownerNonce = await NonceAsync(owner);
        var noYes = await Run("subnet", "create", "--wallet", "owner", "--password-file", pw);
        Assert.Equal(1, noYes.ExitCode);
        Assert.Contains("pass --yes", noYes.Stderr, StringComparison.Ordinal);
        Assert.Equal(ownerNonce, await NonceAsync(owner));

        var missingWallet = await Run("wallet", "show", "--wallet", "nobody");
        Assert.Equal(1, missingWallet.ExitCode);
        Assert.Contains("no wallet 'nobody'", missingWallet.Stderr, StringComparison.Ordinal);
        Assert.Equal(0UL, await NonceAsync(poor));
    }

    [Fact]
    public async Task UnreachableNode_IsExitTwo_WithAJsonError()
    {
        using var port = new Intelligence.Testing.RefusingPort();
        var (code, stdout, stderr) = await CliRunner.Run(Timeout, "subnet", "list", "--rpc", $"http://127.0.0.1:{port.Port}", "--addresses", chain.AddressesFile, "--json");
        Assert.Equal(2, code);
        Assert.StartsWith("error: cannot reach the node", stderr, StringComparison.Ordinal);
        Assert.Equal("unreachable", JsonDocument.Parse(stdout).RootElement.GetProperty("error").GetProperty("kind").GetString());
    }
}
