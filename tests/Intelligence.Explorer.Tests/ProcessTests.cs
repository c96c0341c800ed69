using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Intelligence.Explorer.Tests;

/// <summary>The <c>intelligence-explorer</c> executable: help, bad configuration, and the ready line tools wait for.</summary>
[Collection(DevnetCollection.Name)]
public partial class ProcessTests(DevnetFixture devnet)
{
    private static ProcessStartInfo Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "intelligence-explorer.dll"));
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        return start;
    }

    private static async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        using var p = Process.Start(Start(args))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(DevnetFixture.Timeout);
        return (p.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Help_ListsEveryOption_AndExitsZero()
    {
        var (code, stdout, _) = await RunAsync("--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--Chain:RpcUrl", "--Chain:AddressesFile", "--Explorer:Urls", "--Explorer:DataDir", "--Explorer:ReorgDepth", "--Explorer:PollInterval" })
        {
            Assert.Contains(option, stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BadConfiguration_PrintsOneLinePerProblem_AndExitsOne()
    {
        var (code, stdout, stderr) = await RunAsync("--Chain:RpcUrl", "ftp://x", "--Explorer:PollInterval", "-00:00:01", "--Explorer:Urls", "nonsense");
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.Contains("Chain:RpcUrl", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Chain:AddressesFile: required", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Explorer:PollInterval", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("Explorer:Urls", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MalformedAddressesFile_NamesTheField()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, """{ "chainId": 31337, "network": "0x12", "token": "0x12", "views": "0x12", "startBlock": 0 }""");
            var (code, _, stderr) = await RunAsync("--Chain:AddressesFile", file);
            Assert.Equal(1, code);
            Assert.Contains("'network'", stderr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Start_PrintsTheReadyLine_AndServesThePages()
    {
        var dir = Path.Combine(Path.GetTempPath(), "explorer-process-" + Guid.NewGuid().ToString("N"));
        using var p = Process.Start(Start("--Chain:RpcUrl", devnet.Rpc.ToString(), "--Chain:AddressesFile", devnet.AddressesFile,
            "--Explorer:Urls", "http://127.0.0.1:0", "--Explorer:DataDir", dir))!;
        _ = p.StandardError.ReadToEndAsync();
        try
        {
            string? url = null;
            while (url is null)
            {
                var line = await p.StandardOutput.ReadLineAsync().WaitAsync(DevnetFixture.Timeout);
                Assert.True(line is not null, "the explorer exited before it was ready");
                if (ReadyLine().Match(line!) is { Success: true } m)
                {
                    url = m.Groups[1].Value;
                }
            }
            _ = p.StandardOutput.ReadToEndAsync();
            using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = DevnetFixture.Timeout };
            var html = await http.GetStringAsync("/");
            Assert.Contains("Intelligence Explorer", html, StringComparison.Ordinal);
            Assert.Contains("/assets/network.js", html, StringComparison.Ordinal);
            Assert.Contains("Charts", await http.GetStringAsync("/assets/charts.js"), StringComparison.Ordinal);
        }
        finally
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync().WaitAsync(DevnetFixture.Timeout);
            Directory.Delete(dir, recursive: true);
        }
    }

    [GeneratedRegex(@"^ready explorer url=(http://127\.0\.0\.1:\d+)$")]
    private static partial Regex ReadyLine();
}
