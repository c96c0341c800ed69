using System.Net.Http.Json;
using System.Text.Json;

namespace Intelligence.Explorer.Tests;

/// <summary>The index: it resumes from SQLite after a restart, and rolls back epochs a reorganisation replaced.</summary>
[Collection(DevnetCollection.Name)]
public class IndexTests(DevnetFixture devnet)
{
    private static async Task<JsonElement> StatusAsync(HttpClient http) =>
        await http.GetFromJsonAsync<JsonElement>("/api/status").WaitAsync(DevnetFixture.Timeout);

    private static async Task<ulong[]> EpochNumbersAsync(HttpClient http, ushort netuid)
    {
        var doc = await http.GetFromJsonAsync<JsonElement>($"/api/subnets/{netuid}/epochs").WaitAsync(DevnetFixture.Timeout);
        return doc.GetProperty("epochs").EnumerateArray().Select(e => e.GetProperty("epoch").GetUInt64()).ToArray();
    }

    [Fact]
    public async Task Restart_ResumesFromTheStoredBlock_WithTheHistoryKept()
    {
        var dir = Path.Combine(Path.GetTempPath(), "explorer-restart-" + Guid.NewGuid().ToString("N"));
        try
        {
            ulong indexedTo;
            ulong[] epochs;
            var (first, url) = await devnet.StartExplorerAsync(dir);
            await using (first)
            {
                using var http = new HttpClient { BaseAddress = url, Timeout = DevnetFixture.Timeout };
                await devnet.WaitForEpochAsync(devnet.SetUpEpoch, http);
                await DevnetFixture.WaitUntilAsync(async () => (await StatusAsync(http)).GetProperty("state").GetString() == "following", "following");
                var status = await StatusAsync(http);
                Assert.Equal(0UL, status.GetProperty("resumedFrom").GetUInt64());
                indexedTo = status.GetProperty("indexedTo").GetUInt64();
                epochs = await EpochNumbersAsync(http, devnet.Driver.Netuid);
                await first.StopAsync().WaitAsync(DevnetFixture.Timeout);
            }

            var (second, url2) = await devnet.StartExplorerAsync(dir);
            await using (second)
            {
                using var http = new HttpClient { BaseAddress = url2, Timeout = DevnetFixture.Timeout };
                await DevnetFixture.WaitUntilAsync(async () => (await StatusAsync(http)).GetProperty("state").GetString() == "following", "following after restart");
                var status = await StatusAsync(http);
                // It started after the block it had stored, not from the deployment again.
                Assert.True(status.GetProperty("resumedFrom").GetUInt64() > indexedTo, status.ToString());
                Assert.Subset(new HashSet<ulong>(await EpochNumbersAsync(http, devnet.Driver.Netuid)), new HashSet<ulong>(epochs));
                await second.StopAsync().WaitAsync(DevnetFixture.Timeout);
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task AddressesOfAnotherChain_StatusIsAnError_AndTheDataEndpointsAnswer503()
    {
        var file = Path.GetTempFileName();
        var dir = Path.Combine(Path.GetTempPath(), "explorer-wrong-chain-" + Guid.NewGuid().ToString("N"));
        try
        {
            var json = await File.ReadAllTextAsync(devnet.AddressesFile);
            await File.WriteAllTextAsync(file, json.Replace("\"chainId\": 31337", "\"chainId\": 31338", StringComparison.Ordinal));
            Assert.Contains("31338", await File.ReadAllTextAsync(file), StringComparison.Ordinal);
            var (app, url) = await devnet.StartExplorerAsync(dir, file);
            await using (app)
            {
                using var http = new HttpClient { BaseAddress = url, Timeout = DevnetFixture.Timeout };
                await DevnetFixture.WaitUntilAsync(async () => (await StatusAsync(http)).GetProperty("state").GetString() == "error", "the error state");
                Assert.Contains("chain id 31337", (await StatusAsync(http)).GetProperty("lastError").GetString(), StringComparison.Ordinal);
                using var response = await http.GetAsync("/api/network");
                Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Contains("error", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
                await app.StopAsync().WaitAsync(DevnetFixture.Timeout);
            }
        }
        finally
        {
            File.Delete(file);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Reorg_ReplacedEpochIsRolledBack_AndTheNewChainIndexed()
    {
        var netuid = devnet.Driver.Netuid;
        using var cts = new CancellationTokenSource(DevnetFixture.Timeout);
        var snapshot = (await devnet.Eth.Rpc.CallAsync("evm_snapshot", [], cts.Token)).GetString()!;
        await devnet.Driver.SetWeightsAsync(cts.Token);
        var replaced = await devnet.Driver.EpochAsync(cts.Token);
        await devnet.WaitForEpochAsync(replaced);
        var blockBefore = (await devnet.Http.GetFromJsonAsync<JsonElement>($"/api/subnets/{netuid}/epochs/{replaced}")).GetProperty("epoch").GetProperty("block").GetUInt64();
        var reorgsBefore = (await StatusAsync(devnet.Http)).GetProperty("reorgs").GetUInt64();

        // Back to before that epoch, then a longer chain without it: the explorer's newest checkpoint is gone.
        Assert.True((await devnet.Eth.Rpc.CallAsync("evm_revert", [snapshot], cts.Token)).GetBoolean());
        devnet.Driver.ResetNonces();
        await devnet.Driver.MineAsync(12, cts.Token); // past the replaced epoch's block, so the new one lands later
        await DevnetFixture.WaitUntilAsync(async () => (await StatusAsync(devnet.Http)).GetProperty("reorgs").GetUInt64() > reorgsBefore, "the reorganisation seen");
        Assert.DoesNotContain(replaced, await EpochNumbersAsync(devnet.Http, netuid));

        // The same epoch number on the new chain, at another block, is indexed and replays identically.
        var again = await devnet.Driver.EpochAsync(cts.Token);
        Assert.Equal(replaced, again);
        await devnet.WaitForEpochAsync(again);
        var detail = await devnet.Http.GetFromJsonAsync<JsonElement>($"/api/subnets/{netuid}/epochs/{again}");
        Assert.NotEqual(blockBefore, detail.GetProperty("epoch").GetProperty("block").GetUInt64());
        Assert.Equal("identical", detail.GetProperty("epoch").GetProperty("verdict").GetString());
    }
}
