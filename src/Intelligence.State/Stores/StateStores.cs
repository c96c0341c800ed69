using StackExchange.Redis;

namespace Intelligence.State.Stores;

/// <summary>
/// The three stores a node needs, built together: over Redis when several validator workers or miner replicas share
/// them, the embedded file store (scores in SQLite; replay cache and rate limiter in memory, their state being
/// short-lived) for a single node, or all in memory for tests. Dispose it to close what it opened.
/// </summary>
/// <param name="Scores">Validator EMA scores.</param>
/// <param name="Replay">Miner nonce/replay cache; it is also the miner pipeline's nonce store (<see cref="Nonces"/>).</param>
/// <param name="Limiter">Token-bucket rate limiter.</param>
public sealed record StateStores(IScoreStore Scores, IReplayCache Replay, IRateLimiter Limiter) : IAsyncDisposable
{
    private IAsyncDisposable? _owned;

    /// <summary>The replay cache as the miner pipeline's <see cref="Protocol.Pipeline.INonceStore"/> (the same object).</summary>
    public Protocol.Pipeline.INonceStore Nonces => Replay;

    /// <summary>Which backend holds the scores: "redis", "file" or "memory".</summary>
    public string Backend { get; private init; } = "memory";

    /// <summary>
    /// Opens what <paramref name="options"/> names: Redis (one <see cref="ConnectionMultiplexer"/> for the process,
    /// owned by the result) when <see cref="StateOptions.Redis"/> is set, else the embedded file store in
    /// <see cref="StateOptions.DataDirectory"/>, or memory when <see cref="StateOptions.InMemory"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid (one line per problem).</exception>
    /// <exception cref="StateUnavailableException">Redis could not be reached (with <c>abortConnect=true</c>).</exception>
    /// <exception cref="StateCorruptException">The embedded file is corrupt; it is left as is.</exception>
    public static async Task<StateStores> OpenAsync(StateOptions options, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join(Environment.NewLine, problems), nameof(options));
        }

        if (options.InMemory)
        {
            return InMemory(time);
        }

        if (!string.IsNullOrWhiteSpace(options.Redis))
        {
            var redis = await ConnectRedisAsync(options, cancellationToken).ConfigureAwait(false);
            return Redis(redis, options.ScorePrefix, time, options.CallerPrefix) with { _owned = redis, Backend = "redis" };
        }

        return File(options.DataDirectory!, time);
    }

    /// <summary>
    /// Connects the process' one multiplexer from <see cref="StateOptions.Redis"/>. Unless the connection string says
    /// otherwise, a Redis that is down at start does not fail the node (<c>abortConnect=false</c>): operations raise
    /// <see cref="StateUnavailableException"/> until it is back, and the multiplexer reconnects by itself.
    /// </summary>
    public static async Task<ConnectionMultiplexer> ConnectRedisAsync(StateOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Redis);
        ConfigurationOptions config;
        try
        {
            config = ConfigurationOptions.Parse(options.Redis);
        }
        catch (ArgumentException e)
        {
            // The library's message names the bad option, never the password's value.
            throw new ArgumentException("State:Redis is not a valid connection string: " + e.Message, nameof(options));
        }

        if (!options.Redis.Contains("abortConnect", StringComparison.OrdinalIgnoreCase))
        {
            config.AbortOnConnectFail = false;
        }

        if (options.RedisCaCertificatePath is { } ca)
        {
            config.TrustIssuer(ca);
        }

        try
        {
            return await ConnectionMultiplexer.ConnectAsync(config).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>In-process stores; <paramref name="time"/> defaults to the system clock.</summary>
    public static StateStores InMemory(TimeProvider? time = null) =>
        new(new InMemoryScoreStore(), new InMemoryReplayCache(time), new InMemoryRateLimiter(time));

    /// <summary>
    /// Redis stores over the process' shared <paramref name="redis"/> (not owned: the caller disposes it). Score keys
    /// start with <paramref name="keyPrefix"/>, replay and rate-limit keys with <paramref name="callerPrefix"/> (default the same).
    /// </summary>
    public static StateStores Redis(IConnectionMultiplexer redis, string keyPrefix = StateOptions.DefaultKeyPrefix, TimeProvider? time = null, string? callerPrefix = null) =>
        new(new RedisScoreStore(redis, keyPrefix), new RedisReplayCache(redis, callerPrefix ?? keyPrefix), new RedisRateLimiter(redis, callerPrefix ?? keyPrefix, time)) { Backend = "redis" };

    /// <summary>The embedded default: scores in <see cref="SqliteScoreStore.DefaultFileName"/> under <paramref name="dataDirectory"/>, the rest in memory.</summary>
    /// <exception cref="StateCorruptException">The file is corrupt; it is left as is.</exception>
    public static StateStores File(string dataDirectory, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        var scores = SqliteScoreStore.Open(Path.Combine(dataDirectory, SqliteScoreStore.DefaultFileName));
        return new StateStores(scores, new InMemoryReplayCache(time), new InMemoryRateLimiter(time)) { _owned = scores, Backend = "file" };
    }

    /// <summary>Closes the Redis connection or the file this instance opened (nothing for memory or a caller's multiplexer).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _owned, null) is { } owned)
        {
            await owned.DisposeAsync().ConfigureAwait(false);
        }
    }
}
