using System.Diagnostics;

namespace Intelligence.Cli.Tests;

/// <summary><c>intelligence epoch simulate</c>, run in-process through the real command tree and once as a process.</summary>
public class EpochSimulateTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string Fixtures => Path.Combine(RepoPaths.Root(), "tests", "fixtures", "consensus");

    [Fact]
    public async Task Simulate_JsonFormat_PrintsExactlyTheGoldenResult()
    {
        var run = await Run("epoch", "simulate", "--input", Path.Combine(Fixtures, "hand-two-validators.json"), "--format", "json");
        Assert.Equal(0, run.ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(Fixtures, "hand-two-validators.expected.json")), run.Stdout);
        Assert.Equal("", run.Stderr);
    }

    [Fact]
    public async Task Simulate_DefaultTable_ShowsEveryUidAndTheOwnerEmission()
    {
        var run = await Run("epoch", "simulate", "--input", Path.Combine(Fixtures, "hand-two-validators.json"));
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("consensus", run.Stdout, StringComparison.Ordinal);
        // Miner 2's incentive 2454267026 / 2^32 = 0.571428..., validator 1's trust 0.5.
        Assert.Contains("0.5714", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("0.5000", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("owner emission: 180.0000 INTL (180000000000000000002 base units)", run.Stdout, StringComparison.Ordinal);
        Assert.Equal(4, run.Stdout.Split('\n').Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s+[0-3]\s+(yes|no)\s")));
    }

    [Theory]
    [InlineData("""{ "block": 1, "emission": "1", "neurons": [ { "uid": 0, "stake": "-1", "lastUpdate": 0, "registeredAt": 0 } ] }""", "$.neurons[0].stake")]
    [InlineData("""{ "block": 1, "emission": "1", "neurons": [ { "uid": 0, "stake": "1", "lastUpdate": 0, "registeredAt": 0 } ], "weights": { "0": { "3": 5 } } }""", "$.weights['0']['3']")]
    [InlineData("""{ "block": 1, "emission": "1", "neurons": [ { "uid": 0, "stake": "1", "lastUpdate": 0, "registeredAt": 0 }, { "uid": 0, "stake": "1", "lastUpdate": 0, "registeredAt": 0 } ] }""", "$.neurons[1].uid")]
    [InlineData("""{ "block": 1, "emission": "1", "neurons": [ ], "weights": { "0": { "0": 70000 } } }""", "$.weights['0']")]
    [InlineData("""{ "block": 1, "emission": "1", "neurons": [ """, "$")]
    public async Task Simulate_MalformedCase_FailsNamingThePath_AndPrintsNoResult(string json, string path)
    {
        string file = Path.Combine(Path.GetTempPath(), $"intelligence-case-{Guid.NewGuid():N}.json");
        File.WriteAllText(file, json);
        try
        {
            var run = await Run("epoch", "simulate", "--input", file, "--format", "json");
            Assert.NotEqual(0, run.ExitCode);
            Assert.Equal("", run.Stdout);
            Assert.Contains(path + ": ", run.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Simulate_MissingFile_FailsWithAClearMessage()
    {
        var run = await Run("epoch", "simulate", "--input", Path.Combine(Path.GetTempPath(), "no-such-case-" + Guid.NewGuid().ToString("N") + ".json"));
        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Contains("cannot read", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_UnknownFormat_IsAUsageError()
    {
        var run = await Run("epoch", "simulate", "--input", Path.Combine(Fixtures, "no-stake.json"), "--format", "xml");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("xml", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_AsAProcess_ExitsZeroAndPrintsJson()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "intelligence.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[] { dll, "epoch", "simulate", "--input", Path.Combine(Fixtures, "issue-example.json"), "--format", "json" })
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(Timeout);
        await process.WaitForExitAsync(cts.Token);
        Assert.Equal(0, process.ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(Fixtures, "issue-example.expected.json")), await stdout.WaitAsync(Timeout));
        Assert.Equal("", await stderr.WaitAsync(Timeout));
    }

    private static Task<(int ExitCode, string Stdout, string Stderr)> Run(params string[] args) => CliRunner.Run(Timeout, args);

}
