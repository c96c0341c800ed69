using Intelligence.State.Stores;
using StackExchange.Redis;

namespace Intelligence.State.Tests;

/// <summary>
/// The lease contract every backend meets: in memory, the SQLite lease file and Redis. <see cref="Peer"/> is a second
/// client of the same backend (its own Redis connection, its own SQLite connection to the file), as another worker
/// process would be; in memory it is the same object.
/// </summary>
public abstract class LeaseContractTests : IAsyncLifetime
{
    protected readonly ManualClock Clock = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    protected ILeaseStore Leases { get; set; } = null!;

    protected ILeaseStore Peer { get; set; } = null!;

    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);

    public abstract Task InitializeAsync();

    public abstract Task DisposeAsync();

    /// <summary>Lets a lease of <paramref name="ttl"/> taken just now run out (the clock for local stores, real time for Redis).</summary>
    private async Task ExpireAsync(string lease, TimeSpan ttl)
    {
        Clock.Advance(ttl + TimeSpan.FromMilliseconds(1));
        await Wait.UntilAsync(async () => await Leases.GetHolderAsync(lease) is null, what: "lease expiry");
    }

    [Fact]
    public async Task Acquire_FreeLease_OneHolder_OthersRefusedUntilReleased()
    {
        Assert.Null(await Wait.T(Leases.GetHolderAsync("duties")));
        Assert.True(await Wait.T(Leases.TryAcquireAsync("duties", "a", Long)));
        Assert.False(await Wait.T(Peer.TryAcquireAsync("duties", "b", Long)));
        var holder = await Wait.T(Peer.GetHolderAsync("duties"));
        Assert.Equal("a", holder!.Holder);
        Assert.InRange(holder.Remaining, Long - Wait.Timeout, Long);

        Assert.False(await Wait.T(Peer.ReleaseAsync("duties", "b")));
        Assert.Equal("a", (await Wait.T(Leases.GetHolderAsync("duties")))!.Holder);
        Assert.True(await Wait.T(Leases.ReleaseAsync("duties", "a")));
        Assert.False(await Wait.T(Leases.ReleaseAsync("duties", "a")));
        Assert.Null(await Wait.T(Leases.GetHolderAsync("duties")));
        Assert.True(await Wait.T(Peer.TryAcquireAsync("duties", "b", Long)));
        Assert.Equal("b", (await Wait.T(Leases.GetHolderAsync("duties")))!.Holder);

        // Leases are independent of one another.
        Assert.True(await Wait.T(Leases.TryAcquireAsync("worker:0", "a", Long)));
        Assert.True(await Wait.T(Peer.TryAcquireAsync("worker:1", "b", Long)));
    }

    [Fact]
    public async Task AcquireAndRenew_ByTheHolder_Extend_ByOthersNot()
    {
        var shortTtl = TimeSpan.FromSeconds(20);
        Assert.True(await Wait.T(Leases.TryAcquireAsync("l", "a", shortTtl)));
        Assert.True(await Wait.T(Leases.TryAcquireAsync("l", "a", Long)));
        Assert.True((await Wait.T(Leases.GetHolderAsync("l")))!.Remaining > shortTtl);
        Assert.True(await Wait.T(Leases.TryRenewAsync("l", "a", shortTtl)));
        Assert.InRange((await Wait.T(Leases.GetHolderAsync("l")))!.Remaining, TimeSpan.Zero, shortTtl);
        Assert.False(await Wait.T(Peer.TryRenewAsync("l", "b", Long)));
        Assert.False(await Wait.T(Peer.TryRenewAsync("free", "b", Long)));
        Assert.Null(await Wait.T(Peer.GetHolderAsync("free")));
        Assert.Equal("a", (await Wait.T(Peer.GetHolderAsync("l")))!.Holder);
    }

    [Fact]
    public async Task Expired_HolderLosesIt_AnotherTakesIt_AndTheOldOneCanNeitherRenewNorReleaseNorWrite()
    {
        // Long enough for the write below to land before a real (Redis) expiry on a loaded machine.
        var ttl = TimeSpan.FromSeconds(2);
        Assert.True(await Wait.T(Leases.TryAcquireAsync("d", "old", ttl)));
        Assert.True(await Wait.T(Leases.TryWriteAsync("d", "old", "pending", "reveal-me")));
        await ExpireAsync("d", ttl);

        Assert.False(await Wait.T(Leases.TryRenewAsync("d", "old", Long)));
        Assert.True(await Wait.T(Peer.TryAcquireAsync("d", "new", Long)));
        Assert.False(await Wait.T(Leases.TryRenewAsync("d", "old", Long)));
        Assert.False(await Wait.T(Leases.ReleaseAsync("d", "old")));
        Assert.False(await Wait.T(Leases.TryAcquireAsync("d", "old", Long)));

        // The record outlived its writer; the new holder reads it and owns it, the old one cannot touch it.
        Assert.Equal("reveal-me", await Wait.T(Peer.ReadAsync("d", "pending")));
        Assert.False(await Wait.T(Leases.TryWriteAsync("d", "old", "pending", "forged")));
        Assert.False(await Wait.T(Leases.TryWriteAsync("d", "old", "pending", null)));
        Assert.Equal("reveal-me", await Wait.T(Leases.ReadAsync("d", "pending")));
        Assert.True(await Wait.T(Peer.TryWriteAsync("d", "new", "pending", null)));
        Assert.Null(await Wait.T(Leases.ReadAsync("d", "pending")));
        Assert.Equal("new", (await Wait.T(Leases.GetHolderAsync("d")))!.Holder);
    }

    [Fact]
    public async Task Records_WrittenOnlyByTheHolder_ReadByAnyone_KeptAfterRelease()
    {
        Assert.Null(await Wait.T(Leases.ReadAsync("r", "k")));
        Assert.False(await Wait.T(Leases.TryWriteAsync("r", "a", "k", "v0")));
        Assert.Null(await Wait.T(Leases.ReadAsync("r", "k")));
        Assert.True(await Wait.T(Leases.TryAcquireAsync("r", "a", Long)));
        Assert.True(await Wait.T(Leases.TryWriteAsync("r", "a", "k", "v1")));
        Assert.True(await Wait.T(Leases.TryWriteAsync("r", "a", "other", "w")));
        Assert.False(await Wait.T(Peer.TryWriteAsync("r", "b", "k", "v2")));
        Assert.Equal("v1", await Wait.T(Peer.ReadAsync("r", "k")));
        Assert.True(await Wait.T(Leases.TryWriteAsync("r", "a", "k", "{\"json\": \"with 'quotes' and \\u00e9\"}")));
        Assert.Equal("{\"json\": \"with 'quotes' and \\u00e9\"}", await Wait.T(Peer.ReadAsync("r", "k")));

        Assert.True(await Wait.T(Leases.ReleaseAsync("r", "a")));
        Assert.Equal("w", await Wait.T(Peer.ReadAsync("r", "other")));
        Assert.False(await Wait.T(Leases.TryWriteAsync("r", "a", "k", "after release")));
        Assert.True(await Wait.T(Peer.TryAcquireAsync("r", "b", Long)));
        Assert.True(await Wait.T(Peer.TryWriteAsync("r", "b", "k", "")));
        Assert.Equal(string.Empty, await Wait.T(Leases.ReadAsync("r", "k")));
        Assert.Null(await Wait.T(Leases.ReadAsync("other-lease", "k")));
    }

    [Fact]
    public async Task Acquire_ManyContenders_ExactlyOneWins()
    {
        var attempts = Enumerable.Range(0, 32).Select(i => Task.Run(async () => await (i % 2 == 0 ? Leases : Peer).TryAcquireAsync("race", "h" + i, Long)));
        var results = await Wait.T(Task.WhenAll(attempts));
        Assert.Equal(1, results.Count(r => r));
        Assert.Equal("h" + Array.IndexOf(results, true), (await Wait.T(Leases.GetHolderAsync("race")))!.Holder);
    }

    [Fact]
    public async Task BadArguments_Throw()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Leases.TryAcquireAsync(string.Empty, "a", Long).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => Leases.TryAcquireAsync("a{b}", "a", Long).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => Leases.TryAcquireAsync("l", string.Empty, Long).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Leases.TryAcquireAsync("l", "a", TimeSpan.Zero).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Leases.TryRenewAsync("l", "a", TimeSpan.FromMilliseconds(-5)).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => Leases.TryWriteAsync("l", "a", string.Empty, "v").AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => Leases.ReadAsync("l", string.Empty).AsTask());
    }
}

public sealed class InMemoryLeaseTests : LeaseContractTests
{
    public override Task InitializeAsync()
    {
        Leases = new InMemoryLeaseStore(Clock);
        Peer = Leases;
        return Task.CompletedTask;
    }

    public override Task DisposeAsync() => Task.CompletedTask;
}

public sealed class SqliteLeaseTests : LeaseContractTests
{
    private readonly string _dir = Directory.CreateTempSubdirectory("intelligence-leases-").FullName;

    public override Task InitializeAsync()
    {
        var path = Path.Combine(_dir, SqliteLeaseStore.DefaultFileName);
        Leases = SqliteLeaseStore.Open(path, Clock);
        Peer = SqliteLeaseStore.Open(path, Clock);
        return Task.CompletedTask;
    }

    public override async Task DisposeAsync()
    {
        await ((SqliteLeaseStore)Leases).DisposeAsync();
        await ((SqliteLeaseStore)Peer).DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Reopened_RecordsAndLeaseSurvive_AGarbageFileIsATypedError()
    {
        var path = Path.Combine(_dir, SqliteLeaseStore.DefaultFileName);
        Assert.True(await Wait.T(Leases.TryAcquireAsync("d", "a", TimeSpan.FromMinutes(5))));
        Assert.True(await Wait.T(Leases.TryWriteAsync("d", "a", "pending", "{}")));
        await using (var reopened = SqliteLeaseStore.Open(path, Clock))
        {
            Assert.Equal("{}", await Wait.T(reopened.ReadAsync("d", "pending")));
            Assert.Equal("a", (await Wait.T(reopened.GetHolderAsync("d")))!.Holder);
        }

        var garbage = Path.Combine(_dir, "garbage.db");
        await File.WriteAllBytesAsync(garbage, Enumerable.Repeat((byte)0x5a, 8192).ToArray());
        var error = Assert.Throws<StateCorruptException>(() => SqliteLeaseStore.Open(garbage, Clock));
        Assert.Equal(garbage, error.Path);
        Assert.Equal(8192, new FileInfo(garbage).Length);
    }
}

public sealed class RedisLeaseTests(RedisFixture fixture) : LeaseContractTests, IClassFixture<RedisFixture>
{
    private string _prefix = null!;
    private IConnectionMultiplexer _redis = null!;
    private IConnectionMultiplexer _peer = null!;

    public override async Task InitializeAsync()
    {
        _prefix = "test:" + Guid.NewGuid().ToString("N") + ":";
        _redis = await Wait.T(StateStores.ConnectRedisAsync(new StateOptions { Redis = fixture.Server.ConnectionString() }));
        _peer = await Wait.T(StateStores.ConnectRedisAsync(new StateOptions { Redis = fixture.Server.ConnectionString() }));
        Leases = new RedisLeaseStore(_redis, _prefix);
        Peer = new RedisLeaseStore(_peer, _prefix);
    }

    public override async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _peer.DisposeAsync();
    }

    [Fact]
    public async Task Keys_LeaseAndRecordsShareOneHashTag_LeaseExpires_RecordsDoNot()
    {
        Assert.True(await Wait.T(Leases.TryAcquireAsync("validator:1:0xab:duties", "a", TimeSpan.FromSeconds(30))));
        Assert.True(await Wait.T(Leases.TryWriteAsync("validator:1:0xab:duties", "a", "pending-commit", "{}")));
        var db = _redis.GetDatabase();
        var lease = _prefix + "{lease:validator:1:0xab:duties}";
        var keys = _redis.GetServers()[0].Keys(pattern: _prefix + "*").Select(k => (string)k!).Order().ToList();
        Assert.Equal([lease, lease + ":pending-commit"], keys);
        Assert.Equal("a", (string?)await Wait.T(db.StringGetAsync(lease)));
        Assert.InRange((await Wait.T(db.KeyTimeToLiveAsync(lease)))!.Value, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.Null(await Wait.T(db.KeyTimeToLiveAsync(lease + ":pending-commit")));
        Assert.Throws<ArgumentException>(() => new RedisLeaseStore(_redis, "bad{prefix}:"));
    }

    [Fact]
    public async Task ServerKilledAndRestarted_DownIsTyped_LeaseAndRecordKeptByTheAof()
    {
        await using var server = await RedisServer.StartAsync();
        await using var redis = await Wait.T(StateStores.ConnectRedisAsync(new StateOptions { Redis = server.ConnectionString(TimeSpan.FromSeconds(1)) }));
        var leases = new RedisLeaseStore(redis, "test:");
        Assert.True(await Wait.T(leases.TryAcquireAsync("d", "a", TimeSpan.FromMinutes(5))));
        Assert.True(await Wait.T(leases.TryWriteAsync("d", "a", "pending-commit", "{\"salt\":\"ab\"}")));
        await server.KillAsync();

        await Assert.ThrowsAsync<StateUnavailableException>(() => Wait.T(leases.TryRenewAsync("d", "a", TimeSpan.FromMinutes(5))));
        await Assert.ThrowsAsync<StateUnavailableException>(() => Wait.T(leases.TryAcquireAsync("d", "b", TimeSpan.FromMinutes(5))));
        await Assert.ThrowsAsync<StateUnavailableException>(() => Wait.T(leases.ReadAsync("d", "pending-commit")));

        // appendfsync always: the holder and the pending record come back with the server.
        await server.RestartAsync();
        await Wait.UntilAsync(
            async () =>
            {
                try
                {
                    return await leases.ReadAsync("d", "pending-commit") == "{\"salt\":\"ab\"}";
                }
                catch (StateUnavailableException)
                {
                    return false;
                }
            },
            Wait.Long,
            "the record after the restart");
        Assert.Equal("a", (await Wait.T(leases.GetHolderAsync("d")))!.Holder);
        Assert.False(await Wait.T(leases.TryAcquireAsync("d", "b", TimeSpan.FromMinutes(5))));
        Assert.True(await Wait.T(leases.TryRenewAsync("d", "a", TimeSpan.FromMinutes(5))));
    }
}
