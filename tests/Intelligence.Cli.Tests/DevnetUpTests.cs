using System.Diagnostics;
using System.Text.RegularExpressions;
using Intelligence.Testing;

namespace Intelligence.Cli.Tests;

/// <summary>
/// <c>devnet up</c> end to end in a separate process (the real CLI), and the supervisor's promise that children die
/// with their parent, even by kill -9.
/// </summary>
public sealed partial class DevnetUpTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cli-devnet-").FullName;

    public void Dispose()
    {
        KillLeftovers(_dir);
        Directory.Delete(_dir, recursive: true);
    }

    private static string CliDll() => Path.Combine(AppContext.BaseDirectory, "intelligence.dll");

    private static Process StartCli(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = RepoPaths.Root() };
        start.ArgumentList.Add(CliDll());
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment["INTELLIGENCE_TOOLS_DIR"] = Path.Combine(RepoPaths.Root(), ".tools");
        return Process.Start(start) ?? throw new InvalidOperationException("the CLI did not start");
    }

    /// <summary>Processes whose command line mentions <paramref name="marker"/> (the test's own folder or pid marker).</summary>
    private static List<int> ProcessesMentioning(string marker)
    {
        var found = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ');
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var state = stat[(stat.LastIndexOf(')') + 2)..][0];
                if (cmdline.Contains(marker, StringComparison.Ordinal) && state != 'Z')
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // exited while we looked
            }
            catch (UnauthorizedAccessException)
            {
                // not ours
            }
        }
        return found;
    }

    private static void KillLeftovers(string marker)
    {
        foreach (var pid in ProcessesMentioning(marker))
        {
            try
            {
                Process.GetProcessById(pid).Kill(entireProcessTree: true);
            }
            catch (ArgumentException)
            {
                // gone
            }
        }
    }


    private static async Task<(int Code, string Out, string Err)> RunToEndAsync(Process p, TimeSpan timeout)
    {
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"the CLI did not finish in {timeout}: {await stdout.WaitAsync(TimeSpan.FromSeconds(5))}");
        }
        return (p.ExitCode, await stdout.WaitAsync(timeout), await stderr.WaitAsync(timeout));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SupervisedChild_DiesWithItsParent_ByKill9OrSigterm(bool kill9)
    {
        // A stand-in child that would otherwise live ten minutes; its argument marks it as this test's.
        var marker = $"600.{Random.Shared.Next(100_000_000, 999_999_999)}";
        using var parent = StartCli("devnet", "supervise-test", "/bin/sleep", marker);
        var line = await parent.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var match = ChildPid().Match(line ?? "");
        Assert.True(match.Success, $"no child pid line: '{line}'");
        var child = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains(child, ProcessesMentioning(marker));

        if (kill9)
        {
            parent.Kill(); // SIGKILL: no handler runs in the parent
        }
        else
        {
            Assert.Equal(0, Kill(parent.Id, 15));
        }
        await parent.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(await Poll.UntilAsync(() => ProcessesMentioning(marker).Count == 0, TimeSpan.FromSeconds(20)), "the child outlived its parent");
    }

    [Fact]
    public async Task DevnetUp_WithoutNodes_SetsUpTheChain_ReplaysEpochs_AndSaysTheNetworkDidNotWork()
    {
        // No miners or validators: the devnet keeps the epochs itself. Nothing earns, so the check must fail (exit 2),
        // while every epoch is replayed identically and nothing is left running.
        using var up = StartCli("devnet", "up", "--fresh", "--dir", _dir, "--subnets", "digits", "--miners", "0", "--validators", "0",
            "--epochs", "1", "--tempo", "4", "--no-bootstrap", "--timeout", "300");
        var (code, stdout, stderr) = await RunToEndAsync(up, TimeSpan.FromMinutes(9));

        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("==> contracts", stdout, StringComparison.Ordinal);
        Assert.Contains("parity 1/1 identical", stdout, StringComparison.Ordinal);
        Assert.Contains("no validator set weights", stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_dir, "addresses.json")));
        Assert.True(File.Exists(Path.Combine(_dir, "models", "digits-1.onnx")));
        Assert.Empty(ProcessesMentioning(_dir));
        // The forge script's file was moved out of the source tree.
        Assert.Empty(Directory.Exists(Path.Combine(RepoPaths.Root(), "contracts", "deployments"))
            ? Directory.GetFiles(Path.Combine(RepoPaths.Root(), "contracts", "deployments"), "devnet-*.json")
            : []);
    }

    [Fact]
    public async Task DevnetUp_TwoEpochsFresh_NetworkEarns_AndNothingIsLeftRunning()
    {
        var minerProject = Path.Combine(RepoPaths.Root(), "src", "Intelligence.Miner");
        using var up = StartCli("devnet", "up", "--fresh", "--dir", _dir, "--subnets", "digits", "--miners", "2", "--validators", "1",
            "--epochs", "2", "--no-bootstrap", "--timeout", "400");
        var (code, stdout, stderr) = await RunToEndAsync(up, TimeSpan.FromMinutes(9));
        if (!Directory.Exists(minerProject))
        {
            // Before the miner and validator binaries exist in this checkout, devnet up says so plainly (exit 1).
            Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
            Assert.Contains("intelligence-miner", stderr, StringComparison.Ordinal);
            return;
        }
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("network: ok", stdout, StringComparison.Ordinal);
        var summary = Summary().Match(stdout);
        Assert.True(summary.Success, stdout);
        Assert.True(int.Parse(summary.Groups["epochs"].Value, System.Globalization.CultureInfo.InvariantCulture) >= 2);
        Assert.True(int.Parse(summary.Groups["weights"].Value, System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.NotEqual("0.0000", summary.Groups["miners"].Value);
        Assert.Equal(summary.Groups["ok"].Value, summary.Groups["all"].Value);
        Assert.Matches(@"first epoch with emissions to miners: \d+\.\d s", stdout);
        foreach (var name in new[] { "miner-digits-1", "miner-digits-2", "validator-digits-1", "anvil" })
        {
            Assert.True(File.Exists(Path.Combine(_dir, "logs", name + ".log")), name);
        }
        Assert.Empty(ProcessesMentioning(_dir));
    }

    [GeneratedRegex(@"^child pid=(\d+)$")]
    private static partial Regex ChildPid();

    [GeneratedRegex(@"summary: (?<epochs>\d+) epochs on \d+ subnets, (?<weights>\d+) weight transactions, (?<miners>[\d,\.]+) INTL to miners, parity (?<ok>\d+)/(?<all>\d+) identical")]
    private static partial Regex Summary();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill")]
    private static extern int Kill(int pid, int signal);
}
