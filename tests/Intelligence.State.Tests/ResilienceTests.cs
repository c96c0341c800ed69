using System.Collections.Concurrent;
using System.Diagnostics;
using Intelligence.State.Stores;
using Intelligence.Testing;

namespace Intelligence.State.Tests;

public class ConcurrencyTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task TenThousandConcurrentStoreOps_EachResultIsItsCallersOwn()
    {
        // 10 000 operations start at once against fsync-always AOF on a possibly loaded machine: what is tested is
        // that each result is right for its caller, so operations get a patient timeout and the whole a long wait.
        await using var stores = await fixture.Server.OpenStoresAsync(Wait.PatientCommand);
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        var policy = new TokenBucketPolicy(3, 0);
        var allowed = new ConcurrentDictionary<int, int>();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ops = Enumerable.Range(0, 10_000).Select(i => Task.Run(async () =>
        {
            await start.Task;
            switch (i % 4)
            {
                case 0: // one update per uid: the reply is that uid's own first sample
                    var record = await stores.Scores.UpdateAsync(20, i, "hk" + i, i / 10_000.0, 0.5, at);
                    Assert.Equal(new ScoreRecord(20, i, "hk" + i, ScoreRecord.Ema(0, i / 10_000.0, 0.5), 1, at.ToUnixTimeMilliseconds()), record);
                    break;
                case 1: // each caller's nonce once, then its replay refused
                    Assert.True(await stores.Replay.TryUseOnceAsync("c" + i, (ulong)i, TimeSpan.FromMinutes(5)));
                    Assert.False(await stores.Replay.TryUseOnceAsync("c" + i, (ulong)i, TimeSpan.FromMinutes(5)));
                    break;
                case 2: // 250 keys, ten callers each on a 3-token bucket: exactly three allowed per key (counted below)
                    if ((await stores.Limiter.TryAcquireAsync("k" + (i / 4 % 250), policy)).Allowed)
                    {
                        allowed.AddOrUpdate(i / 4 % 250, 1, (_, n) => n + 1);
                    }

                    break;
                default: // many workers on 25 uids: none of their updates lost (counted below)
                    await stores.Scores.UpdateAsync(21, i % 25, "hk", 1.0, 0.5, at);
                    break;
            }
        })).ToArray();
        start.SetResult();
        await Wait.T(Task.WhenAll(ops), Wait.Long);

        var shared = await Wait.T(stores.Scores.GetAllAsync(21));
        Assert.Equal(25, shared.Count);
        Assert.All(shared, r => Assert.Equal(100, r.SampleCount));
        Assert.Equal(2500, (await Wait.T(stores.Scores.GetAllAsync(20))).Count);
        Assert.Equal(250, allowed.Count);
        Assert.All(allowed.Values, n => Assert.Equal(3, n));
    }
}

public class ResilienceTests
{
    [Fact]
    public async Task ServerKilledMidLoad_TypedErrorsWithinTimeout_ResumesWithoutRestart()
    {
        await using var server = await RedisServer.StartAsync();
        var timeout = TimeSpan.FromSeconds(2);
        await using var stores = await server.OpenStoresAsync(timeout);
        using var stop = new CancellationTokenSource();
        var failures = new ConcurrentBag<Exception>();
        var slowest = new ConcurrentBag<TimeSpan>();
        var acked = new long[16];
        var successes = 0L;
        var at = DateTimeOffset.UnixEpoch;

        // Load: each worker updates its own uid and remembers how many updates Redis acknowledged.
        var workers = Enumerable.Range(0, acked.Length).Select(w => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var watch = Stopwatch.StartNew();
                try
                {
                    var record = await stores.Scores.UpdateAsync(30, w, "hk", 0.5, 0.5, at);
                    Volatile.Write(ref acked[w], record.SampleCount);
                    Interlocked.Increment(ref successes);
                }
                catch (Exception ex)
                {
                    failures.Add(ex);
                    slowest.Add(watch.Elapsed);
                    await Task.Delay(10); // a failing backend is not hammered; this is pacing, not synchronisation
                }
            }
        })).ToArray();

        await Wait.UntilAsync(() => Task.FromResult(Interlocked.Read(ref successes) > 500), Wait.Long, "load running");
        await server.KillAsync();
        await Wait.UntilAsync(() => Task.FromResult(failures.Count >= 16), Wait.Long, "operations failing while Redis is down");

        await server.RestartAsync();
        var before = Interlocked.Read(ref successes);
        await Wait.UntilAsync(() => Task.FromResult(Interlocked.Read(ref successes) > before + 500), Wait.Long, "load resumed after restart");
        stop.Cancel();
        await Wait.T(Task.WhenAll(workers), Wait.Long);

        // While down: only the typed error, and none waited much past its timeout (slack for a loaded machine).
        Assert.All(failures, ex => Assert.IsType<StateUnavailableException>(ex));
        Assert.All(slowest, took => Assert.True(took < timeout + TimeSpan.FromSeconds(8), $"a failing operation took {took}"));

        // After: every acknowledged update survived the SIGKILL (appendfsync always), none applied twice unseen.
        foreach (var w in Enumerable.Range(0, acked.Length))
        {
            var stored = (await Wait.T(stores.Scores.GetAsync(30, w)))!;
            Assert.True(stored.SampleCount >= acked[w], $"uid {w}: stored {stored.SampleCount} < acknowledged {acked[w]}");
        }
    }

    [Fact]
    public async Task ServerStaysDown_EveryStoreFailsTypedWithinTimeout_ThenRecovers()
    {
        await using var server = await RedisServer.StartAsync();
        await using var stores = await server.OpenStoresAsync(TimeSpan.FromSeconds(1));
        Assert.True(await Wait.T(stores.Replay.TryUseOnceAsync("a", 1, TimeSpan.FromMinutes(1))));
        await server.KillAsync();

        var watch = Stopwatch.StartNew();
        await Assert.ThrowsAsync<StateUnavailableException>(() => Wait.T(stores.Scores.UpdateAsync(1, 1, "hk", 0.5, 0.5, DateTimeOffset.UnixEpoch)));
        await Assert.ThrowsAsync<StateUnavailableException>(() => Wait.T(stores.Scores.GetAllAsync(1)));
        await Assert.ThrowsAsync<StateUnavailableException>(() => Wait.T(stores.Replay.TryUseOnceAsync("a", 2, TimeSpan.FromMinutes(1))));
        await Assert.ThrowsAsync<StateUnavailableException>(() => Wait.T(stores.Nonces.TryUseAsync(default, 2, TimeSpan.FromMinutes(1), CancellationToken.None)));
        await Assert.ThrowsAsync<StateUnavailableException>(() => Wait.T(stores.Limiter.TryAcquireAsync("k", new TokenBucketPolicy(1, 1))));
        Assert.True(watch.Elapsed < Wait.Timeout, $"five failing operations took {watch.Elapsed}");

        await server.RestartAsync();
        await Wait.UntilAsync(
            async () =>
            {
                try
                {
                    return !await stores.Replay.TryUseOnceAsync("a", 1, TimeSpan.FromMinutes(1)); // remembered across the restart
                }
                catch (StateUnavailableException)
                {
                    return false;
                }
            },
            Wait.Long,
            "stores answering after restart");
    }

    [Fact]
    public async Task Cancellation_StopsWaiting_TypedAsCancelled()
    {
        await using var server = await RedisServer.StartAsync();
        await using var stores = await server.OpenStoresAsync(Wait.PatientCommand);
        await server.KillAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Wait.T(stores.Scores.GetAsync(1, 1, cts.Token)));
    }

    [Fact]
    public async Task Open_NothingListening_StartsAnyway_OrFailsTypedWithAbortConnect()
    {
        using var port = new RefusingPort();
        var connection = $"127.0.0.1:{port.Port},connectTimeout=500,asyncTimeout=500,syncTimeout=500";

        // Default: a node starts while Redis is down and its operations fail typed until Redis is back.
        await using (var stores = await Wait.T(StateStores.OpenAsync(new StateOptions { Redis = connection })))
        {
            await Assert.ThrowsAsync<StateUnavailableException>(() => Wait.T(stores.Scores.GetAsync(1, 1)));
        }

        // abortConnect=true: opening itself fails, typed.
        await Assert.ThrowsAsync<StateUnavailableException>(() => Wait.T(StateStores.OpenAsync(new StateOptions { Redis = connection + ",abortConnect=true" })));
    }

    [Fact]
    public async Task Options_Invalid_OneMessagePerProblem()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => StateStores.OpenAsync(new StateOptions { KeyPrefix = "a{b}", Netuid = -1 }));
        Assert.Contains("DataDirectory", error.Message, StringComparison.Ordinal);
        Assert.Contains("KeyPrefix", error.Message, StringComparison.Ordinal);
        Assert.Contains("Netuid", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => StateStores.OpenAsync(new StateOptions { Redis = "127.0.0.1:1,nonsense-option=1" }));
        Assert.Equal("intelligence:devnet:n3:", new StateOptions { Network = "devnet", Netuid = 3 }.CallerPrefix);
        Assert.Equal("intelligence:devnet:", new StateOptions { Network = "devnet", Netuid = 3 }.ScorePrefix);
    }
}
