using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Intelligence.Consensus;
using Intelligence.Consensus.Cases;
using Intelligence.Explorer.Indexing;
using Microsoft.Playwright;

namespace Intelligence.Explorer.Tests;

/// <summary>
/// The pages in a real browser (Debian's chromium, headless, through Playwright) against the shared devnet: they render
/// without console errors, show the on-chain values, sort and search, update live, and the epoch page's case file
/// reproduces the credited emissions. Screenshots go to TestResults/screenshots.
/// </summary>
[Collection(DevnetCollection.Name)]
public class BrowserTests(DevnetFixture devnet)
{
    private const float WaitMs = 30_000;

    private async Task<(IPage Page, List<string> Errors, IBrowserContext Context)> OpenAsync(string path)
    {
        var browser = await devnet.BrowserAsync();
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 }, AcceptDownloads = true });
        context.SetDefaultTimeout(WaitMs);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (errors)
                {
                    errors.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (errors)
            {
                errors.Add(error);
            }
        };
        await page.GotoAsync(new Uri(devnet.Url, path).ToString());
        return (page, errors, context);
    }

    private static async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DevnetFixture.ArtifactsDir, name + ".png"), FullPage = true });

    private ChainReader Chain() => new(devnet.Rpc, ChainReader.LoadDeployment(devnet.AddressesFile), TimeSpan.FromSeconds(10));

    [Fact]
    public async Task EveryPage_Renders_WithoutConsoleErrors()
    {
        var netuid = devnet.Driver.Netuid;
        var pages = new (string Path, string Ready, string Shot)[]
        {
            ("/", "[data-testid=subnets] tbody tr", "network"),
            ($"/subnets/{netuid}", "[data-testid=metagraph] tbody tr", "subnet"),
            ($"/subnets/{netuid}/epochs/{devnet.SetUpEpoch}", "[data-testid=verdict]", "epoch"),
            ($"/neurons/{devnet.Driver.Hotkeys[0].Address}", "[data-testid=history] tbody tr", "neuron-validator"),
            ($"/neurons/{devnet.Driver.Hotkeys[2].Address}", "[data-testid=health-" + netuid.ToString(CultureInfo.InvariantCulture) + "] .badge", "neuron-miner"),
        };
        foreach (var (path, ready, shot) in pages)
        {
            var (page, errors, context) = await OpenAsync(path);
            await using (context)
            {
                await page.Locator(ready).First.WaitForAsync();
                // Charts are drawn after the data arrives; the live badge turns on once the event stream is open.
                await page.Locator("#live.on").WaitForAsync();
                await ScreenshotAsync(page, shot);
                Assert.True(errors.Count == 0, $"{path}: {string.Join("\n", errors)}");
                Assert.Equal(0, await page.Locator("[data-testid=error]").CountAsync());
            }
        }
    }

    [Fact]
    public async Task NetworkPage_ShowsTheSubnet_AndTheScheduleWithHalvings()
    {
        var (page, errors, context) = await OpenAsync("/");
        await using (context)
        {
            var row = page.Locator($"[data-testid=subnets] tbody tr[data-key='{devnet.Driver.Netuid}']");
            await row.WaitForAsync();
            Assert.Equal("8", await row.Locator("td[data-col=tempo]").InnerTextAsync());
            Assert.Equal("3", await row.Locator("td[data-col=miners]").InnerTextAsync());
            Assert.Equal("2", await row.Locator("td[data-col=validators]").InnerTextAsync());
            Assert.Equal("100.00%", await row.Locator("td[data-col=share]").InnerTextAsync());
            Assert.Matches("in \\d+ blocks|due now", await row.Locator("td[data-col=next]").InnerTextAsync());
            await page.Locator("[data-testid=schedule-chart] svg").WaitForAsync();
            Assert.Contains("halving 1", await page.Locator("[data-testid=schedule-chart]").InnerTextAsync(), StringComparison.Ordinal);
            Assert.True(await page.Locator("[data-testid=supply-chart] circle").CountAsync() >= 4);
            Assert.Empty(errors);
        }
    }

    [Fact]
    public async Task SubnetPage_MetagraphTable_ShowsTheOnChainValues()
    {
        var (page, errors, context) = await OpenAsync($"/subnets/{devnet.Driver.Netuid}");
        await using (context)
        {
            await page.Locator("[data-testid=metagraph] tbody tr").First.WaitForAsync();
            using var chain = Chain();
            var expected = await chain.MetagraphAsync(devnet.Driver.Netuid, await chain.HeadAsync(CancellationToken.None), CancellationToken.None).WaitAsync(DevnetFixture.Timeout);
            var rows = page.Locator("[data-testid=metagraph] tbody tr");
            Assert.Equal(expected.Count, await rows.CountAsync());
            foreach (var n in expected)
            {
                var row = page.Locator($"[data-testid=metagraph] tbody tr[data-key='{n.Uid}']");
                Assert.Equal(n.Hotkey, await row.Locator("td[data-col=hotkey] a").GetAttributeAsync("title"));
                Assert.Equal(n.Coldkey, await row.Locator("td[data-col=coldkey] span").GetAttributeAsync("title"));
                Assert.Equal(Tokens(n.Stake), await row.Locator("td[data-col=stake]").InnerTextAsync());
                Assert.Equal(Tokens(n.Emission), await row.Locator("td[data-col=emission]").InnerTextAsync());
                Assert.Equal(n.Incentive / 65535.0, double.Parse(await row.Locator("td[data-col=incentive]").InnerTextAsync(), CultureInfo.InvariantCulture), 4);
                Assert.Equal(n.Dividends / 65535.0, double.Parse(await row.Locator("td[data-col=dividends]").InnerTextAsync(), CultureInfo.InvariantCulture), 4);
                Assert.Equal(n.ValidatorPermit ? "yes" : "no", await row.Locator("td[data-col=permit]").InnerTextAsync());
                Assert.Equal(n.Axon.Endpoint ?? "—", await row.Locator("td[data-col=axon]").InnerTextAsync());
            }
            Assert.Contains("commitReveal", await page.Locator("[data-testid=hyperparameters]").InnerTextAsync(), StringComparison.Ordinal);
            Assert.True(await page.Locator("[data-testid=chart-incentive] circle").CountAsync() == expected.Count);
            // A hotkey links to its neuron page.
            await page.Locator("[data-testid=metagraph] tbody tr[data-key='1'] td[data-col=hotkey] a").ClickAsync();
            await page.WaitForURLAsync($"**/neurons/{expected[1].Hotkey}");
            await page.Locator("[data-testid=history] tbody tr").First.WaitForAsync();
            Assert.Empty(errors);
        }
    }

    [Fact]
    public async Task SubnetPage_Metagraph_SortsByAColumn_AndFiltersBySearch()
    {
        var (page, errors, context) = await OpenAsync($"/subnets/{devnet.Driver.Netuid}");
        await using (context)
        {
            await page.Locator("[data-testid=metagraph] tbody tr").First.WaitForAsync();
            using var chain = Chain();
            var neurons = await chain.MetagraphAsync(devnet.Driver.Netuid, await chain.HeadAsync(CancellationToken.None), CancellationToken.None).WaitAsync(DevnetFixture.Timeout);

            var stakeHeader = page.Locator("[data-testid=metagraph] th[data-key=stake]");
            await stakeHeader.ClickAsync();
            var descending = neurons.OrderByDescending(n => n.Stake).ThenBy(n => n.Uid).Select(n => n.Uid.ToString(CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(descending.Take(2), (await UidsAsync(page)).Take(2));
            Assert.Equal("sortable num sorted-desc", await stakeHeader.GetAttributeAsync("class"));
            await stakeHeader.ClickAsync();
            Assert.Equal(descending.Reverse().TakeLast(2), (await UidsAsync(page)).TakeLast(2));

            var search = page.Locator("[data-testid=metagraph-search]");
            var miner = neurons[2];
            await search.FillAsync(miner.Hotkey.ToLowerInvariant());
            Assert.Equal(["2"], await UidsAsync(page));
            await search.FillAsync($"127.0.0.1:{devnet.RefusedAxonPort}");
            Assert.Equal(["3"], await UidsAsync(page));
            await search.FillAsync("no such neuron");
            Assert.Empty(await UidsAsync(page));
            await search.FillAsync("");
            Assert.Equal(neurons.Count, (await UidsAsync(page)).Length);
            Assert.Empty(errors);
        }
    }

    private static async Task<string[]> UidsAsync(IPage page) =>
        (await page.Locator("[data-testid=metagraph] tbody tr td[data-col=uid]").AllInnerTextsAsync()).ToArray();

    [Fact]
    public async Task SubnetPage_ANewEpoch_AppearsWithoutReload()
    {
        var (page, errors, context) = await OpenAsync($"/subnets/{devnet.Driver.Netuid}");
        await using (context)
        {
            await page.Locator("[data-testid=epochs] tbody tr").First.WaitForAsync();
            await page.Locator("#live.on").WaitForAsync();
            await page.EvaluateAsync("() => { window.__sameDocument = true; }");
            using var cts = new CancellationTokenSource(DevnetFixture.Timeout);
            await devnet.Driver.SetWeightsAsync(cts.Token);
            var epoch = await devnet.Driver.EpochAsync(cts.Token);
            await page.Locator($"[data-testid=epochs] tbody tr[data-key='{epoch}']").WaitForAsync();
            Assert.True(await page.EvaluateAsync<bool>("() => window.__sameDocument === true"), "the page was reloaded");
            Assert.Equal("identical", await page.Locator($"[data-testid=epochs] tbody tr[data-key='{epoch}'] td[data-col=verdict]").InnerTextAsync());
            Assert.Empty(errors);
        }
    }

    [Fact]
    public async Task EpochPage_TheSimulateCommandOnTheDownloadedCase_ReproducesTheCreditedEmissions()
    {
        var netuid = devnet.Driver.Netuid;
        var (page, errors, context) = await OpenAsync($"/subnets/{netuid}/epochs/{devnet.SetUpEpoch}");
        await using (context)
        {
            Assert.Equal("identical", await page.Locator("[data-testid=verdict]").InnerTextAsync());
            var command = await page.Locator("[data-testid=simulate-command]").InnerTextAsync();
            var file = $"subnet-{netuid}-epoch-{devnet.SetUpEpoch}.json";
            Assert.Equal($"intelligence epoch simulate --input {file} --format json", command);
            Assert.Equal($"/subnets/{netuid}/epochs/{devnet.SetUpEpoch - 1}", await page.Locator("[data-testid=previous]").GetAttributeAsync("href"));
            // The weights heatmap has one cell per (uid, uid).
            Assert.Equal(25, await page.Locator("[data-testid=weights-heatmap] rect").CountAsync());

            var download = await page.RunAndWaitForDownloadAsync(() => page.Locator("[data-testid=case-download]").ClickAsync());
            Assert.Equal(file, download.SuggestedFilename);
            var folder = Directory.CreateTempSubdirectory("explorer-case-");
            try
            {
                await download.SaveAsAsync(Path.Combine(folder.FullName, file));
                var credited = (await page.Locator("[data-testid=credited] tbody tr td[data-col=emission]").AllInnerTextsAsync()).ToArray();
                Assert.Equal(5, credited.Length);

                // The library the command runs...
                var result = YumaEpoch.Run(CaseReader.Parse(await File.ReadAllTextAsync(Path.Combine(folder.FullName, file))));
                Assert.Equal(credited, result.Emission.Select(CaseWriter.Amount).ToArray());

                // ...and the command itself, exactly as the page prints it, with `intelligence` being the built CLI.
                var cli = Path.Combine(RepoPaths.Root(), "src", "Intelligence.Cli", "bin", "Release", "net10.0", "intelligence.dll");
                var start = new ProcessStartInfo("dotnet") { WorkingDirectory = folder.FullName, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                start.ArgumentList.Add(cli);
                foreach (var arg in command.Split(' ').Skip(1))
                {
                    start.ArgumentList.Add(arg);
                }
                using var process = Process.Start(start)!;
                var stdout = process.StandardOutput.ReadToEndAsync();
                var stderr = process.StandardError.ReadToEndAsync();
                await process.WaitForExitAsync().WaitAsync(DevnetFixture.Timeout);
                Assert.True(process.ExitCode == 0, await stderr);
                using var json = JsonDocument.Parse(await stdout);
                Assert.Equal(credited, json.RootElement.GetProperty("neurons").EnumerateArray().Select(n => n.GetProperty("emission").GetString()!).ToArray());
                Assert.Equal(await page.Locator("[data-testid=owner-emission]").InnerTextAsync(), Tokens(System.Numerics.BigInteger.Parse(json.RootElement.GetProperty("ownerEmission").GetString()!, CultureInfo.InvariantCulture)));
            }
            finally
            {
                folder.Delete(recursive: true);
            }
            Assert.Empty(errors);
        }
    }

    [Fact]
    public async Task NeuronPage_ShowsHistoryWeightsAxonAndLiveHealth()
    {
        var netuid = devnet.Driver.Netuid;
        var (page, errors, context) = await OpenAsync($"/neurons/{devnet.Driver.Hotkeys[2].Address}");
        await using (context)
        {
            await page.Locator($"[data-testid=health-{netuid}] .badge").WaitForAsync();
            Assert.StartsWith("reachable", await page.Locator($"[data-testid=health-{netuid}] .badge").InnerTextAsync(), StringComparison.Ordinal);
            Assert.Equal($"127.0.0.1:{devnet.ReachableAxonPort}", await page.Locator("[data-testid=axon]").InnerTextAsync());
            Assert.True(await page.Locator("[data-testid=history] tbody tr").CountAsync() >= 4);
            Assert.True(await page.Locator("[data-testid=chart-fractions] circle").CountAsync() >= 4);
            Assert.Empty(errors);
        }
    }

    /// <summary>What App.tokens renders: base units truncated to 4 decimals, with thousands separators.</summary>
    private static string Tokens(System.Numerics.BigInteger amount)
    {
        var whole = amount / System.Numerics.BigInteger.Pow(10, 14);
        return ((decimal)whole / 10_000m).ToString("#,##0.0000", CultureInfo.InvariantCulture);
    }
}
