using System.Diagnostics;

namespace Intelligence.Testing;

/// <summary>
/// Deploys the contracts to a test chain with contracts/script/Deploy.s.sol, as the devnet does, from anvil's first
/// default account. Linked into the test projects that need a deployment. The first run compiles the contracts
/// (solc-js, minutes on a loaded machine); later runs reuse forge's cache.
/// </summary>
internal static class ForgeDeploy
{
    /// <summary>anvil's first default account (mnemonic "test test ... junk"): a public test key, never for real funds.</summary>
    public const string DeployerKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    /// <summary>
    /// Runs the deploy script against <paramref name="rpc"/> and moves the addresses JSON it writes to
    /// <paramref name="destination"/> (so nothing is left in the source tree).
    /// </summary>
    public static async Task<string> DeployAsync(string toolsDir, string repoRoot, Uri rpc, string destination, TimeSpan timeout)
    {
        var name = $"test-{Guid.NewGuid():N}.json";
        var start = new ProcessStartInfo(Path.Combine(toolsDir, "bin", "forge"))
        {
            WorkingDirectory = Path.Combine(repoRoot, "contracts"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "script", "script/Deploy.s.sol", "--rpc-url", rpc.ToString(), "--broadcast", "--silent" })
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["PRIVATE_KEY"] = DeployerKey;
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
        File.Move(written, destination, overwrite: true);
        return destination;
    }
}
