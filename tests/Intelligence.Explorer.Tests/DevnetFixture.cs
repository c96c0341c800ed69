using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Intelligence.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;

namespace Intelligence.Explorer.Tests;

/// <summary>
/// One devnet for every explorer test: a real anvil, the contracts deployed by forge, a subnet with two validators
/// and three miners driven through a few epochs, and the explorer (real Kestrel on a free loopback port, its own
/// SQLite folder) indexing it. The browser (Debian's chromium, headless) is started once, on first use.
/// </summary>
public sealed class DevnetFixture : IAsyncLifetime
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private AnvilProcess? _anvil;
    private TcpListener? _axon;
    private RefusingPort? _refusing;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private readonly SemaphoreSlim _browserGate = new(1, 1);

    public Uri Rpc => _anvil!.Endpoint;

    public Intelligence.Chain.Rpc.EthClient Eth => _anvil!.Client;

    public string AddressesFile { get; private set; } = "";

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "explorer-test-" + Guid.NewGuid().ToString("N"));

    internal DevnetDriver Driver { get; private set; } = null!;

    public WebApplication App { get; private set; } = null!;

    public Uri Url { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    /// <summary>The port miner 1 serves (a listener held by the fixture, so the live probe reaches it).</summary>
    public int ReachableAxonPort => ((IPEndPoint)_axon!.LocalEndpoint).Port;

    /// <summary>A port refusing connections, served by miner 2.</summary>
    public int RefusedAxonPort => _refusing!.Port;

    /// <summary>The last epoch run by the fixture itself (before any test ran more).</summary>
    public ulong SetUpEpoch { get; private set; }

    /// <summary>Where screenshots go: the test project's TestResults/screenshots.</summary>
    public static string ArtifactsDir
    {
        get
        {
            var dir = Path.Combine(RepoPaths.Root(), "tests", "Intelligence.Explorer.Tests", "TestResults", "screenshots");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    public async Task InitializeAsync()
    {
        _anvil = await AnvilProcess.StartAsync(Path.Combine(RepoPaths.Tools(), "bin", "anvil"));
        // A cold forge cache compiles the contracts first (minutes on a loaded machine); later runs take seconds.
        // Other test projects may compile the same contracts folder at the same moment: one retry covers a clash.
        try
        {
            AddressesFile = await RepoPaths.DeployWithForgeAsync(Rpc, TimeSpan.FromMinutes(8));
        }
        catch (InvalidOperationException)
        {
            AddressesFile = await RepoPaths.DeployWithForgeAsync(Rpc, TimeSpan.FromMinutes(8));
        }
        _axon = new TcpListener(IPAddress.Loopback, 0);
        _axon.Start();
        _refusing = new RefusingPort();
        Driver = new DevnetDriver(Eth);
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await Driver.SetUpAsync(AddressesFile, validators: 2, [ReachableAxonPort, RefusedAxonPort, 1], cts.Token);
        for (var round = 0; round < 2; round++)
        {
            await Driver.SetWeightsAsync(cts.Token);
            SetUpEpoch = await Driver.EpochAsync(cts.Token);
        }
        (App, Url) = await StartExplorerAsync(DataDir);
        Http = new HttpClient { BaseAddress = Url, Timeout = Timeout };
        await WaitForEpochAsync(SetUpEpoch);
    }

    /// <summary>Starts an explorer on <paramref name="dataDir"/> against this devnet.</summary>
    public async Task<(WebApplication App, Uri Url)> StartExplorerAsync(string dataDir, string? addressesFile = null)
    {
        var (app, problems) = ExplorerApp.Build(
        [
            "--Chain:RpcUrl", Rpc.ToString(), "--Chain:AddressesFile", addressesFile ?? AddressesFile, "--Explorer:Urls", "http://127.0.0.1:0",
            "--Explorer:DataDir", dataDir, "--Explorer:PollInterval", "00:00:00.200", "--Explorer:ReorgDepth", "64",
            "--Logging:LogLevel:Default", "Warning",
        ]);
        Assert.True(app is not null, string.Join("\n", problems));
        await app.StartAsync().WaitAsync(Timeout);
        return (app, new Uri(ExplorerApp.Addresses(app).Single()));
    }

    /// <summary>Waits until the explorer has indexed epoch <paramref name="epoch"/> of the subnet.</summary>
    public Task WaitForEpochAsync(ulong epoch, HttpClient? http = null) =>
        WaitUntilAsync(async () =>
        {
            using var response = await (http ?? Http).GetAsync($"/api/subnets/{Driver.Netuid}/epochs");
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }
            var doc = await response.Content.ReadFromJsonAsync<JsonElement>();
            return doc.GetProperty("epochs").EnumerateArray().Any(e => e.GetProperty("epoch").GetUInt64() == epoch);
        }, $"epoch {epoch} indexed");

    /// <summary>Waits until <paramref name="condition"/> holds, polled every 100 ms; throws after <see cref="Timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        if (!await Poll.UntilAsync(condition, Timeout, TimeSpan.FromMilliseconds(100)))
        {
            throw new TimeoutException($"timed out waiting for {what}");
        }
    }

    /// <summary>The shared headless chromium (Debian's /usr/bin/chromium, or PLAYWRIGHT_CHROMIUM).</summary>
    public async Task<IBrowser> BrowserAsync()
    {
        await _browserGate.WaitAsync(Timeout);
        try
        {
            if (_browser is null)
            {
                _playwright = await Playwright.CreateAsync().WaitAsync(Timeout);
                var path = Environment.GetEnvironmentVariable("PLAYWRIGHT_CHROMIUM") is { Length: > 0 } p ? p : "/usr/bin/chromium";
                _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
                {
                    ExecutablePath = path,
                    Headless = true,
                    // Root in a container has no user namespace sandbox.
                    Args = ["--no-sandbox", "--disable-dev-shm-usage"],
                }).WaitAsync(Timeout);
            }
            return _browser;
        }
        finally
        {
            _browserGate.Release();
        }
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }
        _playwright?.Dispose();
        Http?.Dispose();
        if (App is not null)
        {
            await App.StopAsync();
            await App.DisposeAsync();
        }
        Driver?.Dispose();
        _anvil?.Dispose();
        _axon?.Stop();
        _refusing?.Dispose();
        if (File.Exists(AddressesFile))
        {
            File.Delete(AddressesFile);
        }
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DevnetCollection : ICollectionFixture<DevnetFixture>
{
    public const string Name = "devnet";
}
