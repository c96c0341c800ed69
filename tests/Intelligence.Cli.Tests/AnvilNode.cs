using System.Diagnostics;
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
    public async Task<string> DeployWithForgeAsync(TimeSpan timeout)
    {
        var name = $"test-{Guid.NewGuid():N}.json";
        var start = new ProcessStartInfo(Path.Combine(ToolsDir(), "bin", "forge"))
        {
            WorkingDirectory = Path.Combine(RepoPaths.Root(), "contracts"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "script", "script/Deploy.s.sol", "--rpc-url", Endpoint.ToString(), "--broadcast", "--silent" })
        {
            start.ArgumentList.Add(arg);
        }
        // anvil's first default account (mnemonic "test test ... junk"): a public test key.
        start.Environment["PRIVATE_KEY"] = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        start.Environment["ADDRESSES_OUT"] = "deployments/" + name;
        using var forge = Process.Start(start) ?? throw new InvalidOperationException("forge did not start");
        var stdout = forge.StandardOutput.ReadToEndAsync();
        var stderr = forge.StandardError.ReadToEndAsync();
        using (var cts = new CancellationTokenSource(timeout))
        {
            try
            {
                await forge.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                forge.Kill(entireProcessTree: true);
                throw new TimeoutException($"forge script did not finish in {timeout}");
            }
        }
        var written = Path.Combine(start.WorkingDirectory, "deployments", name);
        if (forge.ExitCode != 0 || !File.Exists(written))
        {
            throw new InvalidOperationException($"forge script exited {forge.ExitCode}: {await stdout.WaitAsync(timeout)} {await stderr.WaitAsync(timeout)}");
        }
        var copy = Path.Combine(Path.GetTempPath(), "intelligence-addresses-" + name);
        File.Move(written, copy);
        return copy;
    }


    /// <summary>The toolchain folder: INTELLIGENCE_TOOLS_DIR, else .tools next to Intelligence.sln.</summary>
    private static string ToolsDir()
    {
        var env = Environment.GetEnvironmentVariable("INTELLIGENCE_TOOLS_DIR");
        return !string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, "bin", "anvil")) ? env : Path.Combine(RepoPaths.Root(), ".tools");
    }
}
