using Intelligence.Testing;

namespace Intelligence.Cli.Tests;

/// <summary><c>intelligence devnet demo</c> against a real anvil with the contracts deployed by contracts/script/Deploy.s.sol.</summary>
public class DevnetDemoTests(AnvilNode anvil) : IClassFixture<AnvilNode>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Demo_OnAFreshDeployment_ReplaysEveryEpochIdentically_AndExitsZero()
    {
        // A cold forge cache compiles the contracts first (minutes on a loaded 2-core machine); the demo itself takes seconds.
        var file = await anvil.DeployWithForgeAsync(TimeSpan.FromMinutes(8));
        try
        {
            var (code, stdout, stderr) = await Run("devnet", "demo", "--rpc", anvil.Endpoint.ToString(), "--addresses", file,
                "--validators", "2", "--miners", "3", "--rounds", "2", "--timeout", "80");
            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
            Assert.Equal("", stderr);
            Assert.Contains("parity: ok (5 epochs", stdout, StringComparison.Ordinal);
            // The table lists the five neurons; the miners' axons are served.
            foreach (var role in new[] { "validator1", "validator2", "miner1", "miner2", "miner3" })
            {
                Assert.Contains(role, stdout, StringComparison.Ordinal);
            }
            Assert.Contains("127.0.0.1:8093", stdout, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Demo_AddressesOfAnotherChain_FailsWithAClearError()
    {
        var one = "0x0000000000000000000000000000000000000001";
        using var file = new CliRunner.TempFile($$"""{ "chainId": {{anvil.ChainId + 1}}, "network": "{{one}}", "token": "{{one}}", "views": "{{one}}", "yuma": "{{one}}", "startBlock": 0 }""");
        var (code, stdout, stderr) = await Run("devnet", "demo", "--rpc", anvil.Endpoint.ToString(), "--addresses", file.Path);
        Assert.Equal(2, code);
        Assert.DoesNotContain("parity", stdout, StringComparison.Ordinal);
        Assert.Contains("chain id", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_MalformedAddressesFile_NamesTheField()
    {
        using var file = new CliRunner.TempFile("""{ "chainId": 31337, "network": "0x12", "token": "0x12", "views": "0x12", "yuma": "0x12", "startBlock": 0 }""");
        var (code, _, stderr) = await Run("devnet", "demo", "--rpc", anvil.Endpoint.ToString(), "--addresses", file.Path);
        Assert.Equal(2, code);
        Assert.Contains("'network'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_UnreachableNode_FailsWithExitTwo()
    {
        using var file = new CliRunner.TempFile("""{ "chainId": 31337, "network": "0x0000000000000000000000000000000000000001", "token": "0x0000000000000000000000000000000000000001", "views": "0x0000000000000000000000000000000000000001", "yuma": "0x0000000000000000000000000000000000000001", "startBlock": 0 }""");
        // A port nothing listens on, held bound-not-listening for the test so no other process can take it.
        using var port = new RefusingPort();
        var (code, stdout, stderr) = await Run("devnet", "demo", "--rpc", $"http://127.0.0.1:{port.Port}", "--addresses", file.Path);
        Assert.Equal(2, code);
        Assert.DoesNotContain("parity", stdout, StringComparison.Ordinal);
        Assert.StartsWith("error: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_OutOfRangeOption_IsAUsageError()
    {
        var (code, stdout, stderr) = await Run("devnet", "demo", "--rpc", "http://127.0.0.1:1", "--addresses", "x.json", "--validators", "0");
        Assert.Equal(1, code);
        Assert.DoesNotContain("parity", stdout, StringComparison.Ordinal);
        Assert.Contains("--validators must be in 1..16", stderr, StringComparison.Ordinal);
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> Run(params string[] args) => CliRunner.Run(Timeout, args);
}
