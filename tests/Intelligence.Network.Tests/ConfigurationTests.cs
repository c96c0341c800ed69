using Intelligence.Chain;
using Intelligence.Chain.Keys;
using Intelligence.Testing;

namespace Intelligence.Network.Tests;

/// <summary>The binaries' start-up contract without a chain: help, one line per bad setting, exit 1, no stack trace.</summary>
public sealed class ConfigurationTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("intelligence-config-").FullName;

    [Theory]
    [InlineData("miner", "--Miner:Model")]
    [InlineData("validator", "--Validator:Alpha")]
    [InlineData("validator", "--Validator:WorkerIndex")]
    public async Task Help_ListsEveryOptionWithItsDefault_AndExitsZero(string kind, string own)
    {
        using var p = Start(kind, "--help");
        Assert.Equal(0, await p.WaitForExitAsync(Timeout));
        foreach (var key in new[] { "--Chain:RpcUrl", "--Chain:AddressesFile", "--Wallet:PasswordFile", "--Subnet:Netuid", "--State:Redis", "--Telemetry:OtlpEndpoint", "--Health:Urls", own })
        {
            Assert.Contains(p.Lines, l => l.TrimStart().StartsWith(key, StringComparison.Ordinal));
        }
        Assert.Contains(p.Lines, l => l.Contains("http://127.0.0.1:8545", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Miner_BadSettings_OneLinePerProblem_ExitOne_NoStackTrace()
    {
        using var p = Start("miner", "--Subnet:Name", "nope", "--Miner:Provider", "gpu", "--Miner:Listen", "nowhere", "--Chain:CallTimeout", "soon");
        Assert.Equal(1, await p.WaitForExitAsync(Timeout));
        var errors = p.Lines.Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        Assert.Contains("error: Chain:CallTimeout: 'soon' is not a duration (hh:mm:ss)", errors);
        Assert.Contains(errors, l => l.Contains("Chain:AddressesFile: required", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("Subnet:Netuid: required", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("Subnet:Name: unknown subnet 'nope' (known: diagnosis, digits, forecast)", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("Miner:Model: required", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("Miner:Provider: 'gpu'", StringComparison.Ordinal));
        Assert.Contains(errors, l => l.Contains("Miner:Listen: 'nowhere'", StringComparison.Ordinal));
        Assert.DoesNotContain(p.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
        Assert.DoesNotContain("System.", p.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validator_UnreadableNumber_IsNamedOnce_InWords()
    {
        using var p = Start("validator", "--Subnet:Netuid", "one", "--Validator:Alpha", "high");
        Assert.Equal(1, await p.WaitForExitAsync(Timeout));
        var errors = p.Lines.Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        Assert.Contains("error: Subnet:Netuid: 'one' is not a whole number", errors);
        Assert.Contains("error: Validator:Alpha: 'high' is not a number", errors);
        Assert.DoesNotContain(errors, l => l.StartsWith("error: Subnet:Netuid: required", StringComparison.Ordinal));
        Assert.DoesNotContain("System.", p.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validator_WorkerSettings_FromFlagsAndEnvironment_OneLinePerProblem_SeveralNeedRedis()
    {
        using var p = Start("validator", ["--Validator:Workers", "2", "--Validator:LeaseTime", "00:00:00.5"],
            new Dictionary<string, string> { ["INTELLIGENCE__Validator__WorkerIndex"] = "5" });
        Assert.Equal(1, await p.WaitForExitAsync(Timeout));
        var errors = p.Lines.Where(l => l.StartsWith("error: ", StringComparison.Ordinal)).ToList();
        Assert.Contains("error: Validator:WorkerIndex: must be 0 to 1 with 2 workers (got 5)", errors);
        Assert.Contains("error: Validator:LeaseTime: must be at least 00:00:01 (got 00:00:00.5000000)", errors);
        Assert.Contains(errors, l => l.StartsWith("error: Validator:Workers: 2 workers need State:Redis", StringComparison.Ordinal));
        Assert.DoesNotContain(p.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validator_NodeUnreachable_ExitsOneNamingTheUrl_AndNeverPrintsThePassword()
    {
        using var port = new RefusingPort();
        var addresses = Path.Combine(_dir, "addresses.json");
        var one = "0x0000000000000000000000000000000000000001";
        await File.WriteAllTextAsync(addresses, $$"""{ "chainId": 31337, "network": "{{one}}", "token": "{{one}}", "views": "{{one}}", "yuma": "{{one}}", "startBlock": 0 }""");
        using (var key = PrivateKey.Generate())
        {
            var wallet = Wallet.Import(Path.Combine(_dir, "wallets"), "w", key, "s3cret-pass", ScryptParameters.Light);
            wallet.CreateHotkey("h", "s3cret-pass", ScryptParameters.Light);
        }
        var password = Path.Combine(_dir, "password");
        await File.WriteAllTextAsync(password, "s3cret-pass\n");
        var rpc = $"http://127.0.0.1:{port.Port}";
        using var p = Start("validator", "--Chain:RpcUrl", rpc, "--Chain:AddressesFile", addresses, "--Chain:CallTimeout", "00:00:02",
            "--Wallet:Root", Path.Combine(_dir, "wallets"), "--Wallet:Name", "w", "--Wallet:Hotkey", "h", "--Wallet:PasswordFile", password,
            "--Subnet:Netuid", "1", "--Subnet:Name", "digits", "--State:DataDir", Path.Combine(_dir, "data"));
        Assert.Equal(1, await p.WaitForExitAsync(Timeout));
        Assert.Contains(p.Lines, l => l.StartsWith("error: Chain:RpcUrl: cannot reach the chain node at " + rpc, StringComparison.Ordinal));
        Assert.DoesNotContain("s3cret-pass", p.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Miner_WrongPassword_ExitsOneWithAClearLine()
    {
        var addresses = Path.Combine(_dir, "addresses.json");
        var one = "0x0000000000000000000000000000000000000001";
        await File.WriteAllTextAsync(addresses, $$"""{ "chainId": 31337, "network": "{{one}}", "token": "{{one}}", "views": "{{one}}", "yuma": "{{one}}", "startBlock": 0 }""");
        using (var key = PrivateKey.Generate())
        {
            var wallet = Wallet.Import(Path.Combine(_dir, "wallets"), "w", key, "right", ScryptParameters.Light);
            wallet.CreateHotkey("h", "right", ScryptParameters.Light);
        }
        var model = Path.Combine(_dir, "m.onnx");
        await File.WriteAllBytesAsync(model, Models.Weak());
        using var p = Start("miner", ["--Chain:AddressesFile", addresses, "--Wallet:Root", Path.Combine(_dir, "wallets"), "--Wallet:Name", "w", "--Wallet:Hotkey", "h",
            "--Subnet:Netuid", "1", "--Subnet:Name", "digits", "--Miner:Model", model, "--Miner:Provider", "cpu"],
            new Dictionary<string, string> { ["INTELLIGENCE_WALLET_PASSWORD"] = "wrong" });
        Assert.Equal(1, await p.WaitForExitAsync(Timeout));
        Assert.Contains(p.Lines, l => l.StartsWith("error: Wallet: cannot unlock wallet 'w'", StringComparison.Ordinal));
        Assert.DoesNotContain(p.Lines, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal));
    }

    private NodeProcess Start(string kind, params string[] args) => Start(kind, args, null);

    private NodeProcess Start(string kind, string[] args, IReadOnlyDictionary<string, string>? env)
    {
        var (project, assembly) = kind == "miner" ? ("Intelligence.Miner", "intelligence-miner") : ("Intelligence.Validator", "intelligence-validator");
        return NodeProcess.Start(kind, RepoPaths.Binary(project, assembly), args, _dir, env);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A child may still hold a file for a moment.
        }
    }
}
