using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Intelligence.State.Stores;
using Intelligence.Validator;
using StackExchange.Redis;

namespace Intelligence.Network.Tests;

/// <summary>The validator's shared score store against a real redis-server that dies and comes back (AOF on).</summary>
public sealed class RedisOutageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("intelligence-redis-").FullName;
    private Process? _redis;

    [Fact]
    public async Task ScoreStore_RedisDown_KeepsScoresInProcess_ReportsDegraded_AndCatchesUpWhenBack()
    {
        var port = FreePort();
        await using var client = await StartRedisAndConnectAsync(port);
        string? degraded = null;
        var store = await ResilientScoreStore.OpenAsync(new RedisScoreStore(client, "test:"), 1, r => degraded = r, TimeSpan.FromSeconds(1), CancellationToken.None);
        var twin = new InMemoryScoreStore();
        var samples = new[] { 0.9, 0.8, 0.95, 0.7, 0.85, 0.6, 0.99 };
        var at = DateTimeOffset.UtcNow;
        async Task Feed(double s)
        {
            await store.UpdateAsync(1, 4, "0xabc", s, 0.3, at).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            await twin.UpdateAsync(1, 4, "0xabc", s, 0.3, at);
        }

        foreach (var s in samples[..3])
        {
            await Feed(s);
        }
        Assert.Null(degraded);

        _redis!.Kill();
        await _redis.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        foreach (var s in samples[3..6])
        {
            await Feed(s);
        }
        Assert.NotNull(degraded);
        Assert.True(store.Backlog > 0);
        // Reads come from the in-process copy meanwhile, with every sample in it.
        var during = (await store.GetAllAsync(1).AsTask().WaitAsync(TimeSpan.FromSeconds(10))).Single();
        Assert.Equal((await twin.GetAsync(1, 4))!.Score, during.Score, 12);

        await StartRedisAsync(port);
        await Feed(samples[6]);
        // The client reconnects with backoff; each update tries the replay again (the condition is the empty queue).
        await Waits.UntilAsync(async () =>
        {
            if (store.Backlog == 0)
            {
                return true;
            }
            await store.GetAllAsync(1).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            await store.UpdateAsync(1, 5, "0xdef", 0.5, 0.3, at).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            return store.Backlog == 0;
        }, TimeSpan.FromSeconds(30), () => $"backlog {store.Backlog}, degraded {degraded}");
        Assert.Equal(0, store.Backlog);
        Assert.Null(degraded);
        var remote = await new RedisScoreStore(client, "test:").GetAsync(1, 4).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var expected = (await twin.GetAsync(1, 4))!;
        Assert.NotNull(remote);
        Assert.Equal(expected.SampleCount, remote.SampleCount);
        Assert.Equal(expected.Score, remote.Score, 12);
    }

    [Fact]
    public async Task ScoreStore_WholeStepsInBatches_RedisDownMidway_RemoteEndsAsIfNeverDown()
    {
        var port = FreePort();
        await using var client = await StartRedisAndConnectAsync(port);
        string? degraded = null;
        IScoreStore store = await ResilientScoreStore.OpenAsync(new RedisScoreStore(client, "step:"), 2, r => degraded = r, TimeSpan.FromSeconds(1), CancellationToken.None);
        IScoreStore twin = new InMemoryScoreStore();
        var hotkeys = Enumerable.Range(0, 8).Select(uid => new NeuronHotkey(uid, "hk" + uid)).ToList();
        var at = DateTimeOffset.UtcNow;
        var step = 0;
        async Task<IReadOnlyList<int>> Step()
        {
            var reset = await store.SyncHotkeysAsync(2, hotkeys).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(reset, await twin.SyncHotkeysAsync(2, hotkeys));
            var samples = hotkeys.Select(h => new ScoreSample(2, h.Uid, h.Hotkey, ((step * 7) + h.Uid) % 10 / 10.0, 0.2, at.AddSeconds(step))).ToList();
            step++;
            var records = await store.UpdateManyAsync(samples).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            var expected = await twin.UpdateManyAsync(samples);
            Assert.Equal(expected.Select(r => (r.Uid, r.SampleCount)), records.Select(r => (r.Uid, r.SampleCount)));
            return reset;
        }

        await Step();
        await Step();
        Assert.Null(degraded);

        _redis!.Kill();
        await _redis.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        hotkeys[3] = new NeuronHotkey(3, "new3");
        Assert.Equal([3], await Step());
        await Step();
        Assert.NotNull(degraded);
        Assert.Equal(16, ((ResilientScoreStore)store).Backlog);

        await StartRedisAsync(port);
        // The client reconnects with backoff; each step tries the replay again (the condition is the empty queue).
        await Waits.UntilAsync(async () =>
        {
            if (((ResilientScoreStore)store).Backlog == 0)
            {
                return true;
            }
            await Step();
            return ((ResilientScoreStore)store).Backlog == 0;
        }, TimeSpan.FromSeconds(30), () => $"backlog {((ResilientScoreStore)store).Backlog}, degraded {degraded}");
        Assert.Equal(0, ((ResilientScoreStore)store).Backlog);
        Assert.Null(degraded);
        var remote = await new RedisScoreStore(client, "step:").GetAllAsync(2).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var expectedAll = await twin.GetAllAsync(2);
        Assert.Equal(expectedAll.Select(r => (r.Uid, r.Hotkey, r.SampleCount)), remote.Select(r => (r.Uid, r.Hotkey, r.SampleCount)));
        Assert.All(expectedAll.Zip(remote), p => Assert.Equal(p.First.Score, p.Second.Score, 12));
    }

    private async Task<IConnectionMultiplexer> StartRedisAndConnectAsync(int port)
    {
        await StartRedisAsync(port);
        return await StateStores.ConnectRedisAsync(new StateOptions { Redis = string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port},syncTimeout=1000,asyncTimeout=1000,connectTimeout=1000") }).WaitAsync(TimeSpan.FromSeconds(10));
    }

    private async Task StartRedisAsync(int port)
    {
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _dir, "--appendonly", "yes", "--appendfsync", "always", "--save", "" })
        {
            start.ArgumentList.Add(a);
        }
        _redis = Process.Start(start)!;
        _redis.OutputDataReceived += (_, _) => { };
        _redis.ErrorDataReceived += (_, _) => { };
        _redis.BeginOutputReadLine();
        _redis.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(2));
                return;
            }
            catch (Exception e) when (e is SocketException or TimeoutException && DateTime.UtcNow < deadline)
            {
                // Not listening yet: the condition is the port accepting.
                await Task.Delay(50);
            }
        }
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        if (_redis is { HasExited: false })
        {
            _redis.Kill();
            _redis.WaitForExit(5000);
        }
        _redis?.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // redis may hold its AOF for a moment.
        }
    }
}
