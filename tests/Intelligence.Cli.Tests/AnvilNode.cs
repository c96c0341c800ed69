using Intelligence.Chain.Rpc;
using Intelligence.Testing;

namespace Intelligence.Cli.Tests;

/// <summary>A real anvil on a free loopback port, started for a test class and killed after it.</summary>
public sealed class AnvilNode : IAsyncLifetime
{
    private AnvilProcess? _anvil;

    /// <summary>The node's JSON-RPC endpoint.</summary>
    public Uri Endpoint => _anvil!.Endpoint;

    /// <summary>A client of the node.</summary>
    public EthClient Client => _anvil!.Client;

    /// <summary>The node's chain id.</summary>
    public ulong ChainId => _anvil!.ChainId;

    public async Task InitializeAsync() => _anvil = await AnvilProcess.StartAsync(Path.Combine(ToolsDir(), "bin", "anvil"));

    public Task DisposeAsync()
    {
        _anvil?.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>
    /// Deploys the contracts with contracts/script/Deploy.s.sol (as tools/devnet.sh does) from anvil's first default
    /// account and returns the addresses JSON, copied to a temp file the caller deletes. The first run compiles the
    /// contracts (solc-js); later runs reuse forge's cache.
    /// </summary>
    public Task<string> DeployWithForgeAsync(TimeSpan timeout) =>
        ForgeDeploy.DeployAsync(ToolsDir(), RepoPaths.Root(), Endpoint, Path.Combine(Path.GetTempPath(), $"intelligence-addresses-test-{Guid.NewGuid():N}.json"), timeout);


    /// <summary>The toolchain folder: INTELLIGENCE_TOOLS_DIR, else .tools next to Intelligence.sln.</summary>
    private static string ToolsDir()
    {
        var env = Environment.GetEnvironmentVariable("INTELLIGENCE_TOOLS_DIR");
        return !string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, "bin", "anvil")) ? env : Path.Combine(RepoPaths.Root(), ".tools");
    }
}
