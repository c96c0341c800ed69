using Intelligence.Chain;
using INonceStore = Intelligence.Protocol.Pipeline.INonceStore;
using Intelligence.State.Stores;
using StackExchange.Redis;

namespace Intelligence.State.Tests;

/// <summary>A clock the tests move by hand.</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>
/// The one contract every backend must meet; run against in-memory, the embedded SQLite file and Redis by the
/// subclasses below (the file backend keeps its replay cache and rate limiter in memory, as a node does).
/// </summary>
public abstract class StoreContractTests : IAsyncLifetime
{
    protected readonly ManualClock Clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    protected StateStores Stores { get; set; } = null!;

    private IScoreStore Scores => Stores.Scores;

    private IReplayCache Replay => Stores.Replay;

    private IRateLimiter Limiter => Stores.Limiter;

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);

    // ---- score store ----

    [Fact]
    public async Task Score_FirstUpdate_StartsEmaFromZero()
    {
        var record = await Wait.T(Scores.UpdateAsync(1, 7, "hk", 0.8, 0.1, T0));
        Assert.Equal(new ScoreRecord(1, 7, "hk", ScoreRecord.Ema(0, 0.8, 0.1), 1, T0.ToUnixTimeMilliseconds()), record);
        Assert.Equal(record, await Wait.T(Scores.GetAsync(1, 7)));
        Assert.Null(await Wait.T(Scores.GetAsync(1, 8)));
        Assert.Null(await Wait.T(Scores.GetAsync(2, 7)));
    }

    [Fact]
    public async Task Score_SequenceOfUpdates_MatchesEmaRecurrenceExactly()
    {
        var expected = 0.0;
        var samples = new[] { 0.5, 1.0, 0.0, 0.25, 0.9, 1e-9, 0.333333333333 };
        for (var i = 0; i < samples.Length; i++)
        {
            expected = ScoreRecord.Ema(expected, samples[i], 0.3);
            var record = await Wait.T(Scores.UpdateAsync(3, 1, "hk", samples[i], 0.3, T0.AddSeconds(i)));
            Assert.Equal(expected, record.Score);
            Assert.Equal(i + 1, record.SampleCount);
            Assert.Equal(T0.AddSeconds(i), record.LastQuery);
        }

        Assert.Equal(expected, (await Wait.T(Scores.GetAsync(3, 1)))!.Score);
    }

    [Fact]
    public async Task Score_ConcurrentUpdatesFromManyWorkers_NoneLost()
    {
        var updates = Enumerable.Range(0, 400).Select(i => Task.Run(async () => await Scores.UpdateAsync(4, i % 4, "hk" + (i % 4), 1.0, 0.5, T0)));
        await Wait.T(Task.WhenAll(updates));
        foreach (var uid in Enumerable.Range(0, 4))
        {
            var record = (await Wait.T(Scores.GetAsync(4, uid)))!;
            Assert.Equal(100, record.SampleCount);
            Assert.Equal(1.0 - Math.Pow(0.5, 100), record.Score, 12);
        }
    }

    [Fact]
    public async Task Score_HotkeyChangesOnUpdate_ResetsBeforeApplying()
    {
        await Wait.T(Scores.UpdateAsync(5, 2, "old", 1.0, 0.5, T0));
        await Wait.T(Scores.UpdateAsync(5, 2, "old", 1.0, 0.5, T0));
        var record = await Wait.T(Scores.UpdateAsync(5, 2, "new", 0.4, 0.5, T0.AddSeconds(1)));
        Assert.Equal(new ScoreRecord(5, 2, "new", 0.2, 1, T0.AddSeconds(1).ToUnixTimeMilliseconds()), record);
    }

    [Fact]
    public async Task Score_SyncHotkey_ResetsOnlyWhenDifferent()
    {
        Assert.False(await Wait.T(Scores.SyncHotkeyAsync(6, 0, "a")));
        Assert.Null(await Wait.T(Scores.GetAsync(6, 0)));
        await Wait.T(Scores.UpdateAsync(6, 0, "a", 1.0, 0.5, T0));
        Assert.False(await Wait.T(Scores.SyncHotkeyAsync(6, 0, "a")));
        Assert.Equal(0.5, (await Wait.T(Scores.GetAsync(6, 0)))!.Score);
        Assert.True(await Wait.T(Scores.SyncHotkeyAsync(6, 0, "b")));
        Assert.Equal(new ScoreRecord(6, 0, "b", 0, 0, 0), await Wait.T(Scores.GetAsync(6, 0)));
        var next = await Wait.T(Scores.UpdateAsync(6, 0, "b", 1.0, 0.5, T0));
        Assert.Equal((0.5, 1L), (next.Score, next.SampleCount));
    }

    [Fact]
    public async Task Score_SyncHotkeys_ResetsChangedSlotsOnly_ReturnsTheirUidsInOrder()
    {
        foreach (var uid in new[] { 0, 1, 2, 3 })
        {
            await Wait.T(Scores.UpdateAsync(11, uid, "hk" + uid, 1.0, 0.5, T0));
        }

        await Wait.T(Scores.UpdateAsync(12, 1, "hk1", 1.0, 0.5, T0));
        IReadOnlyList<NeuronHotkey> metagraph = [new(3, "new3"), new(0, "hk0"), new(1, "new1"), new(2, "hk2"), new(7, "never-scored")];
        var reset = await Wait.T(Scores.SyncHotkeysAsync(11, metagraph));
        Assert.Equal([3, 1], reset);
        Assert.Equal(new ScoreRecord(11, 3, "new3", 0, 0, 0), await Wait.T(Scores.GetAsync(11, 3)));
        Assert.Equal(new ScoreRecord(11, 1, "new1", 0, 0, 0), await Wait.T(Scores.GetAsync(11, 1)));
        Assert.Equal((0.5, 1L), ((await Wait.T(Scores.GetAsync(11, 0)))!.Score, (await Wait.T(Scores.GetAsync(11, 0)))!.SampleCount));
        Assert.Equal("hk2", (await Wait.T(Scores.GetAsync(11, 2)))!.Hotkey);
        Assert.Null(await Wait.T(Scores.GetAsync(11, 7)));
        Assert.Equal("hk1", (await Wait.T(Scores.GetAsync(12, 1)))!.Hotkey);

        // Same metagraph again: nothing left to reset; an empty one is fine.
        Assert.Empty(await Wait.T(Scores.SyncHotkeysAsync(11, metagraph)));
        Assert.Empty(await Wait.T(Scores.SyncHotkeysAsync(11, [])));
    }

    [Fact]
    public async Task Score_SyncHotkeys_BadEntry_ThrowsBeforeChangingAnything()
    {
        await Wait.T(Scores.UpdateAsync(13, 0, "hk0", 1.0, 0.5, T0));
        await Assert.ThrowsAsync<ArgumentException>(() => Scores.SyncHotkeysAsync(13, [new(0, "other"), new(1, "")]).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Scores.SyncHotkeysAsync(13, [new(0, "other"), new(-1, "x")]).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Scores.SyncHotkeysAsync(-1, [new(0, "other")]).AsTask());
        Assert.Equal("hk0", (await Wait.T(Scores.GetAsync(13, 0)))!.Hotkey);
    }

    [Fact]
    public async Task Score_GetAll_OrderedByUidAndPerSubnet()
    {
        foreach (var uid in new[] { 9, 2, 5 })
        {
            await Wait.T(Scores.UpdateAsync(7, uid, "hk" + uid, uid / 10.0, 1.0, T0));
        }

        await Wait.T(Scores.UpdateAsync(8, 1, "other", 1, 1, T0));
        var all = await Wait.T(Scores.GetAllAsync(7));
        Assert.Equal([2, 5, 9], all.Select(r => r.Uid));
        Assert.Equal([0.2, 0.5, 0.9], all.Select(r => r.Score));
        Assert.True(await Wait.T(Scores.RemoveAsync(7, 5)));
        Assert.False(await Wait.T(Scores.RemoveAsync(7, 5)));
        Assert.Equal([2, 9], (await Wait.T(Scores.GetAllAsync(7))).Select(r => r.Uid));
        Assert.Empty(await Wait.T(Scores.GetAllAsync(99)));
    }

    [Fact]
    public async Task Score_BadArguments_Throw()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Scores.UpdateAsync(1, 1, "hk", double.NaN, 0.1, T0).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Scores.UpdateAsync(1, 1, "hk", 0.5, 0, T0).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Scores.UpdateAsync(1, 1, "hk", 0.5, 1.5, T0).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Scores.UpdateAsync(-1, 1, "hk", 0.5, 0.1, T0).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => Scores.UpdateAsync(1, 1, string.Empty, 0.5, 0.1, T0).AsTask());
    }

    [Fact]
    public async Task Score_UpdateMany_SameAsOneByOne_InOrder()
    {
        var samples = Enumerable.Range(0, 40).Select(i => new ScoreSample(9, i % 8, "hk" + (i % 8), (i * 37 % 100) / 100.0, 0.15, T0.AddSeconds(i))).ToList();
        var records = await Wait.T(Scores.UpdateManyAsync(samples));
        Assert.Equal(40, records.Count);
        foreach (var uid in Enumerable.Range(0, 8))
        {
            var expected = 0.0;
            var mine = samples.Where(s => s.Uid == uid).ToList();
            foreach (var s in mine)
            {
                expected = ScoreRecord.Ema(expected, s.Sample, s.Alpha);
            }

            Assert.Equal(new ScoreRecord(9, uid, "hk" + uid, expected, mine.Count, mine[^1].At.ToUnixTimeMilliseconds()), await Wait.T(Scores.GetAsync(9, uid)));
            Assert.Equal(expected, records.Last(r => r.Uid == uid).Score);
        }

        Assert.Empty(await Wait.T(Scores.UpdateManyAsync([])));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Scores.UpdateManyAsync([new ScoreSample(9, 0, "hk0", 0.5, 0.1, T0), new ScoreSample(9, 0, "hk0", double.PositiveInfinity, 0.1, T0)]).AsTask());
        Assert.Equal(5, (await Wait.T(Scores.GetAsync(9, 0)))!.SampleCount);
    }

    [Fact]
    public async Task Score_UpdateMany_LongStepAcrossSubnets_SameAsOneByOne()
    {
        // 300 samples: runs of 45 alternate between two subnets, so a step spans several script calls on Redis.
        var samples = Enumerable.Range(0, 300).Select(i => new ScoreSample(11 + (i / 45 % 2), i % 13, "hk" + (i % 13), (i * 71 % 100) / 97.0, 0.2, T0.AddSeconds(i))).ToList();
        var records = await Wait.T(Scores.UpdateManyAsync(samples));

        var expected = new Dictionary<(int, int), (double Score, long Count)>();
        for (var i = 0; i < samples.Count; i++)
        {
            var s = samples[i];
            var (score, count) = expected.GetValueOrDefault((s.Netuid, s.Uid));
            expected[(s.Netuid, s.Uid)] = (ScoreRecord.Ema(score, s.Sample, s.Alpha), count + 1);
            Assert.Equal(new ScoreRecord(s.Netuid, s.Uid, s.Hotkey, expected[(s.Netuid, s.Uid)].Score, count + 1, s.At.ToUnixTimeMilliseconds()), records[i]);
        }

        foreach (var ((netuid, uid), (score, count)) in expected)
        {
            var stored = await Wait.T(Scores.GetAsync(netuid, uid));
            Assert.Equal(BitConverter.DoubleToInt64Bits(score), BitConverter.DoubleToInt64Bits(stored!.Score));
            Assert.Equal(count, stored.SampleCount);
        }
    }

    [Fact]
    public async Task Score_ExtremeValues_RoundTripBitExact()
    {
        double[] samples = [double.Epsilon, 1e308, -1e308, 0.1, 1.0 / 3, -2.5e-300, 123456789.123456789];
        var expected = 0.0;
        foreach (var (sample, i) in samples.Select((s, i) => (s, i)))
        {
            expected = ScoreRecord.Ema(expected, sample, 0.7);
            Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits((await Wait.T(Scores.UpdateAsync(10, 3, "x", sample, 0.7, T0.AddSeconds(i)))).Score));
        }

        Assert.Equal(BitConverter.DoubleToInt64Bits(expected), BitConverter.DoubleToInt64Bits((await Wait.T(Scores.GetAsync(10, 3)))!.Score));
    }

    // ---- replay cache ----

    [Fact]
    public async Task NonceStore_IsTheReplayCache_EachPairOnce()
    {
        INonceStore nonces = Stores.Nonces;
        Assert.Same(Replay, nonces);
        var alice = new Address(Enumerable.Range(1, 20).Select(i => (byte)i).ToArray());
        var bob = new Address(Enumerable.Range(2, 20).Select(i => (byte)i).ToArray());
        var retention = TimeSpan.FromMinutes(1);
        Assert.True(await Wait.T(nonces.TryUseAsync(alice, 5, retention, CancellationToken.None)));
        Assert.False(await Wait.T(nonces.TryUseAsync(alice, 5, retention, CancellationToken.None)));
        Assert.True(await Wait.T(nonces.TryUseAsync(bob, 5, retention, CancellationToken.None)));
        Assert.True(await Wait.T(nonces.TryUseAsync(alice, 4, retention, CancellationToken.None)));

        // Same pair through the string API: the caller key is the lower-case hex address.
        Assert.False(await Wait.T(Replay.TryUseOnceAsync(alice.ToLowerHex(), 4, retention)));
    }

    [Fact]
    public async Task Replay_IncreasingNoncesAccepted_RepeatsAndOlderRefused()
    {
        var ttl = TimeSpan.FromMinutes(5);
        Assert.Null(await Wait.T(Replay.GetLastAsync("alice")));
        Assert.True(await Wait.T(Replay.TryAdvanceAsync("alice", 10, ttl)));
        Assert.False(await Wait.T(Replay.TryAdvanceAsync("alice", 10, ttl)));
        Assert.False(await Wait.T(Replay.TryAdvanceAsync("alice", 9, ttl)));
        Assert.True(await Wait.T(Replay.TryAdvanceAsync("alice", 11, ttl)));
        Assert.True(await Wait.T(Replay.TryAdvanceAsync("bob", 1, ttl)));
        Assert.Equal(11UL, await Wait.T(Replay.GetLastAsync("alice")));
        Assert.Equal(1UL, await Wait.T(Replay.GetLastAsync("bob")));
    }

    [Fact]
    public async Task Replay_FullSixtyFourBitRange_ComparedExactly()
    {
        var ttl = TimeSpan.FromMinutes(5);
        // Neighbours above 2^53 collapse in a double; they must stay distinct here.
        Assert.True(await Wait.T(Replay.TryAdvanceAsync("c", 9_007_199_254_740_993, ttl)));
        Assert.False(await Wait.T(Replay.TryAdvanceAsync("c", 9_007_199_254_740_992, ttl)));
        Assert.True(await Wait.T(Replay.TryAdvanceAsync("c", 9_007_199_254_740_994, ttl)));
        Assert.True(await Wait.T(Replay.TryAdvanceAsync("c", ulong.MaxValue, ttl)));
        Assert.False(await Wait.T(Replay.TryAdvanceAsync("c", ulong.MaxValue, ttl)));
        Assert.Equal(ulong.MaxValue, await Wait.T(Replay.GetLastAsync("c")));
        Assert.True(await Wait.T(Replay.TryAdvanceAsync("d", 0, ttl)));
        Assert.False(await Wait.T(Replay.TryAdvanceAsync("d", 0, ttl)));
    }

    [Fact]
    public async Task Replay_ConcurrentSameNonce_ExactlyOneWins()
    {
        var attempts = Enumerable.Range(0, 64).Select(_ => Task.Run(async () => await Replay.TryAdvanceAsync("race", 42, TimeSpan.FromMinutes(1))));
        var results = await Wait.T(Task.WhenAll(attempts));
        Assert.Equal(1, results.Count(r => r));
    }

    [Fact]
    public async Task Replay_AfterTtl_CallerForgotten()
    {
        Assert.True(await Wait.T(Replay.TryAdvanceAsync("eve", 100, TimeSpan.FromMilliseconds(40))));
        Clock.Advance(TimeSpan.FromMilliseconds(41)); // in-process stores read this clock; Redis expires by its own
        await Wait.UntilAsync(async () => await Replay.GetLastAsync("eve") is null, what: "nonce expiry");
        Assert.True(await Wait.T(Replay.TryAdvanceAsync("eve", 5, TimeSpan.FromMinutes(1))));
    }

    [Fact]
    public async Task UseOnce_EachPairOnce_AnyOrder()
    {
        var retention = TimeSpan.FromMinutes(5);
        Assert.True(await Wait.T(Replay.TryUseOnceAsync("v1", 50, retention)));
        Assert.True(await Wait.T(Replay.TryUseOnceAsync("v1", 49, retention)));
        Assert.False(await Wait.T(Replay.TryUseOnceAsync("v1", 50, retention)));
        Assert.True(await Wait.T(Replay.TryUseOnceAsync("v2", 50, retention)));
        Assert.True(await Wait.T(Replay.TryUseOnceAsync("v1", ulong.MaxValue, retention)));
        Assert.False(await Wait.T(Replay.TryUseOnceAsync("v1", ulong.MaxValue, retention)));
        var race = await Wait.T(Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () => await Replay.TryUseOnceAsync("v3", 7, retention)))));
        Assert.Equal(1, race.Count(r => r));
    }

    [Fact]
    public async Task UseOnce_AfterRetention_PairForgotten()
    {
        Assert.True(await Wait.T(Replay.TryUseOnceAsync("v4", 1, TimeSpan.FromMilliseconds(40))));
        Clock.Advance(TimeSpan.FromMilliseconds(41));
        await Wait.UntilAsync(async () => await Replay.TryUseOnceAsync("v4", 1, TimeSpan.FromMinutes(1)), what: "pair expiry");
        Assert.False(await Wait.T(Replay.TryUseOnceAsync("v4", 1, TimeSpan.FromMinutes(1))));
    }

    [Fact]
    public async Task Replay_BadArguments_Throw()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Replay.TryAdvanceAsync(string.Empty, 1, TimeSpan.FromSeconds(1)).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Replay.TryAdvanceAsync("x", 1, TimeSpan.Zero).AsTask());
    }

    // ---- rate limiter ----

    [Fact]
    public async Task Limiter_BurstThenRefillOverTime()
    {
        var policy = new TokenBucketPolicy(3, 2); // 3 burst, 2 tokens per second
        for (var i = 0; i < 3; i++)
        {
            var ok = await Wait.T(Limiter.TryAcquireAsync("k", policy));
            Assert.True(ok.Allowed);
            Assert.Equal(2 - i, ok.Remaining);
        }

        var refused = await Wait.T(Limiter.TryAcquireAsync("k", policy));
        Assert.Equal(new RateLimitDecision(false, 0, TimeSpan.FromMilliseconds(500)), refused);
        Clock.Advance(TimeSpan.FromMilliseconds(250));
        var stillRefused = await Wait.T(Limiter.TryAcquireAsync("k", policy));
        Assert.Equal(new RateLimitDecision(false, 0.5, TimeSpan.FromMilliseconds(250)), stillRefused);
        Clock.Advance(TimeSpan.FromMilliseconds(250));
        Assert.Equal(new RateLimitDecision(true, 0, TimeSpan.Zero), await Wait.T(Limiter.TryAcquireAsync("k", policy)));
        Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(2, (await Wait.T(Limiter.TryAcquireAsync("k", policy))).Remaining);
    }

    [Fact]
    public async Task Limiter_KeysIndependent_AndWeightedRequests()
    {
        var policy = new TokenBucketPolicy(10, 1);
        Assert.True((await Wait.T(Limiter.TryAcquireAsync("a", policy, 10))).Allowed);
        Assert.False((await Wait.T(Limiter.TryAcquireAsync("a", policy, 1))).Allowed);
        Assert.Equal(6, (await Wait.T(Limiter.TryAcquireAsync("b", policy, 4))).Remaining);
    }

    [Fact]
    public async Task Limiter_ConcurrentRequests_NeverExceedCapacity()
    {
        var policy = new TokenBucketPolicy(50, 0);
        var attempts = Enumerable.Range(0, 200).Select(_ => Task.Run(async () => await Limiter.TryAcquireAsync("hot", policy)));
        var results = await Wait.T(Task.WhenAll(attempts));
        Assert.Equal(50, results.Count(r => r.Allowed));
        Assert.All(results.Where(r => !r.Allowed), r => Assert.Equal(Timeout.InfiniteTimeSpan, r.RetryAfter));
    }

    [Fact]
    public async Task Limiter_BadPolicy_Throws()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Limiter.TryAcquireAsync("x", new TokenBucketPolicy(0, 1)).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Limiter.TryAcquireAsync("x", new TokenBucketPolicy(5, -1)).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Limiter.TryAcquireAsync("x", new TokenBucketPolicy(5, 1), 6).AsTask());
    }
}

public sealed class InMemoryStoreTests : StoreContractTests
{
    public override Task InitializeAsync()
    {
        Stores = StateStores.InMemory(Clock);
        return Task.CompletedTask;
    }

    public override Task DisposeAsync() => Task.CompletedTask;
}

public sealed class SqliteStoreTests : StoreContractTests
{
    private readonly string _dir = Directory.CreateTempSubdirectory("intelligence-state-").FullName;

    public override async Task InitializeAsync()
    {
        Stores = await StateStores.OpenAsync(new StateOptions { DataDirectory = _dir }, Clock);
        Assert.IsType<SqliteScoreStore>(Stores.Scores);
        Assert.Equal("file", Stores.Backend);
    }

    public override async Task DisposeAsync()
    {
        await Stores.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}

public sealed class RedisStoreTests(RedisFixture fixture) : StoreContractTests, IClassFixture<RedisFixture>
{
    private string _prefix = null!;
    private IConnectionMultiplexer _redis = null!;

    public override async Task InitializeAsync()
    {
        _prefix = "test:" + Guid.NewGuid().ToString("N") + ":";
        _redis = await Wait.T(StateStores.ConnectRedisAsync(new StateOptions { Redis = fixture.Server.ConnectionString() }));
        Stores = StateStores.Redis(_redis, _prefix, Clock);
        Assert.IsType<RedisScoreStore>(Stores.Scores);
    }

    public override async Task DisposeAsync() => await _redis.DisposeAsync();

    [Fact]
    public async Task Keys_SubnetScoresShareOneHashTag_CallerKeysUnderPrefix()
    {
        await Wait.T(Stores.Scores.UpdateAsync(12, 4, "hk", 0.5, 0.5, DateTimeOffset.UnixEpoch));
        await Wait.T(Stores.Replay.TryUseOnceAsync("caller", 9, TimeSpan.FromMinutes(1)));
        var keys = _redis.GetServers()[0].Keys(pattern: _prefix + "*").Select(k => (string)k!).Order().ToList();
        Assert.Equal([_prefix + "used:caller:9", _prefix + "{s12}:score:4", _prefix + "{s12}:scores"], keys);

        // Both keys of the update script hash to one Cluster slot.
        // Both keys of the update script carry one hash tag (Cluster hashes only the text between the first braces).
        Assert.Equal(["s12", "s12"], keys.Skip(1).Select(k => k[(k.IndexOf('{') + 1)..k.IndexOf('}')]));
        Assert.Throws<ArgumentException>(() => new RedisScoreStore(_redis, "bad{prefix}:"));
    }

    [Fact]
    public async Task Limiter_KeyExpiresSlackAfterFullAgain_NotBefore()
    {
        var prefix = "test:" + Guid.NewGuid().ToString("N") + ":";
        var db = _redis.GetDatabase();

        // Emptied 4-token bucket at 2 tokens/s: full again in 2 s, so the key lives 2 s + the default 60 s slack.
        var limiter = new RedisRateLimiter(_redis, prefix, Clock);
        Assert.True((await Wait.T(limiter.TryAcquireAsync("slow", new TokenBucketPolicy(4, 2), 4))).Allowed);
        var ttl = await Wait.T(db.KeyTimeToLiveAsync(prefix + "bucket:slow"));
        Assert.InRange(ttl!.Value, RedisRateLimiter.DefaultIdleExpiry + TimeSpan.FromSeconds(2) - Wait.Timeout, RedisRateLimiter.DefaultIdleExpiry + TimeSpan.FromSeconds(2));

        // A 1 ms refill and a 1 ms slack: the key must go away by itself (polled, bounded by Wait.Timeout).
        var brief = new RedisRateLimiter(_redis, prefix, Clock, TimeSpan.FromMilliseconds(1));
        Assert.True((await Wait.T(brief.TryAcquireAsync("quick", new TokenBucketPolicy(1, 1000)))).Allowed);
        await Wait.UntilAsync(async () => !await db.KeyExistsAsync(prefix + "bucket:quick"), what: "idle bucket key expiry");

        Assert.Throws<ArgumentOutOfRangeException>(() => new RedisRateLimiter(_redis, prefix, Clock, TimeSpan.Zero));
    }

    [Fact]
    public async Task CorruptRecord_ReadGivesTypedError()
    {
        var db = _redis.GetDatabase();
        await Wait.T(db.HashSetAsync(_prefix + "{s13}:score:1", [new("hotkey", "hk"), new("ema", "not-a-number"), new("count", "1"), new("last", "0")]));
        await Assert.ThrowsAsync<StateCorruptException>(() => Wait.T(Stores.Scores.GetAsync(13, 1)));
    }
}
