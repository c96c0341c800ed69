namespace Intelligence.State.Stores;

/// <summary>Token bucket shape: holds at most <paramref name="Capacity"/> tokens, refilled continuously.</summary>
/// <param name="Capacity">Burst size (tokens when full); positive.</param>
/// <param name="RefillPerSecond">Tokens added per second; zero means never refilled.</param>
public readonly record struct TokenBucketPolicy(double Capacity, double RefillPerSecond)
{
    internal void Check(double tokens)
    {
        if (!(Capacity > 0) || !double.IsFinite(Capacity))
        {
            throw new ArgumentOutOfRangeException(nameof(Capacity), "capacity must be a positive finite number");
        }

        if (!(RefillPerSecond >= 0) || !double.IsFinite(RefillPerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(RefillPerSecond), "refill rate must be a non-negative finite number");
        }

        if (!(tokens > 0) || tokens > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(tokens), "tokens must be in (0, capacity]");
        }
    }
}

/// <summary>Outcome of a token-bucket request.</summary>
/// <param name="Allowed">True when the tokens were taken.</param>
/// <param name="Remaining">Tokens left in the bucket afterwards.</param>
/// <param name="RetryAfter">When refused, how long until enough tokens exist; <see cref="Timeout.InfiniteTimeSpan"/> if never.</param>
public readonly record struct RateLimitDecision(bool Allowed, double Remaining, TimeSpan RetryAfter);

/// <summary>Atomic token-bucket rate limiting per key (e.g. per caller hotkey), shareable across replicas.</summary>
public interface IRateLimiter
{
    /// <summary>Takes <paramref name="tokens"/> from the bucket of <paramref name="key"/> when it holds enough.</summary>
    ValueTask<RateLimitDecision> TryAcquireAsync(string key, TokenBucketPolicy policy, double tokens = 1, CancellationToken cancellationToken = default);
}

/// <summary>The bucket arithmetic both implementations share (the Lua script repeats it step for step).</summary>
internal static class TokenBucket
{
    public static (RateLimitDecision Decision, double Tokens, double Stamp) Apply(double? storedTokens, double? storedStamp, TokenBucketPolicy policy, double nowMs, double want)
    {
        var tokens = policy.Capacity;
        var stamp = nowMs;
        if (storedTokens is { } t && storedStamp is { } s)
        {
            tokens = t;
            stamp = s;
        }

        if (nowMs > stamp)
        {
            tokens = Math.Min(policy.Capacity, tokens + ((nowMs - stamp) * policy.RefillPerSecond / 1000));
            stamp = nowMs;
        }

        if (tokens >= want)
        {
            return (new RateLimitDecision(true, tokens - want, TimeSpan.Zero), tokens - want, stamp);
        }

        var retry = policy.RefillPerSecond > 0
            ? TimeSpan.FromMilliseconds(Math.Ceiling((want - tokens) * 1000 / policy.RefillPerSecond))
            : Timeout.InfiniteTimeSpan;
        return (new RateLimitDecision(false, tokens, retry), tokens, stamp);
    }

    // Unix milliseconds (fraction kept): whole-millisecond instants are exact integers in a double.
    public static double NowMs(TimeProvider time) =>
        (time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / (double)TimeSpan.TicksPerMillisecond;
}

/// <summary>In-process token buckets.</summary>
public sealed class InMemoryRateLimiter : IRateLimiter
{
    // Past this many buckets, those that have refilled to full are forgotten (they carry no information).
    private const int SweepThreshold = 100_000;

    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    /// <summary>Creates the limiter; <paramref name="time"/> defaults to the system clock.</summary>
    public InMemoryRateLimiter(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <inheritdoc />
    public ValueTask<RateLimitDecision> TryAcquireAsync(string key, TokenBucketPolicy policy, double tokens = 1, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(TryAcquire(key, policy, tokens));

    /// <summary>Synchronous form, for hot paths that must not await (e.g. a blacklist check before any I/O).</summary>
    public RateLimitDecision TryAcquire(string key, TokenBucketPolicy policy, double tokens = 1)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        policy.Check(tokens);
        var now = TokenBucket.NowMs(_time);
        lock (_buckets)
        {
            var found = _buckets.TryGetValue(key, out var bucket);
            var (decision, left, stamp) = TokenBucket.Apply(found ? bucket.Tokens : null, found ? bucket.Stamp : null, policy, now, tokens);
            if (_buckets.Count >= SweepThreshold && !found)
            {
                foreach (var (k, b) in _buckets)
                {
                    if (b.Policy.RefillPerSecond > 0 && b.Tokens + ((now - b.Stamp) * b.Policy.RefillPerSecond / 1000) >= b.Policy.Capacity)
                    {
                        _buckets.Remove(k);
                    }
                }
            }

            _buckets[key] = new Bucket(left, stamp, policy);
            return decision;
        }
    }

    private readonly record struct Bucket(double Tokens, double Stamp, TokenBucketPolicy Policy);
}

/// <summary>
/// Redis token buckets: one hash per key updated by one Lua script, so replicas share a bucket without races.
/// Time comes from the caller's clock (<see cref="TimeProvider"/>); a key expires (in Redis' own time) a slack after
/// the bucket would be full again. Expiry only frees memory: a missing key reads as a full bucket.
/// </summary>
public sealed class RedisRateLimiter : IRateLimiter
{
    /// <summary>Default slack between "bucket full again" and the key's expiry (see the constructor).</summary>
    public static readonly TimeSpan DefaultIdleExpiry = TimeSpan.FromSeconds(60);

    // KEYS: bucket hash. ARGV: capacity, refill/s, now (ms), tokens wanted, expiry slack (ms).
    // Same steps as TokenBucket.Apply.
    private static readonly RedisScript AcquireScript = new("""
        local cap = tonumber(ARGV[1])
        local rate = tonumber(ARGV[2])
        local now = tonumber(ARGV[3])
        local want = tonumber(ARGV[4])
        local slack = tonumber(ARGV[5])
        local v = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
        local tokens = tonumber(v[1])
        local ts = tonumber(v[2])
        if tokens == nil or ts == nil then
          tokens = cap
          ts = now
        end
        if now > ts then
          tokens = math.min(cap, tokens + ((now - ts) * rate / 1000))
          ts = now
        end
        local allowed = 0
        if tokens >= want then
          tokens = tokens - want
          allowed = 1
        end
        local text = string.format('%.17g', tokens)
        redis.call('HSET', KEYS[1], 'tokens', text, 'ts', string.format('%.17g', ts))
        local ttl = 86400000
        if rate > 0 then
          ttl = math.ceil((cap - tokens) * 1000 / rate) + slack
        end
        redis.call('PEXPIRE', KEYS[1], ttl)
        return {allowed, text}
        """);

    private readonly RedisClient _client;
    private readonly string _prefix;
    private readonly TimeProvider _time;
    private readonly long _idleExpiryMs;

    /// <summary>
    /// Creates the limiter; keys start with <paramref name="keyPrefix"/>. A key expires <paramref name="idleExpiry"/>
    /// (default <see cref="DefaultIdleExpiry"/>) after its bucket would be full again, so a caller's clock that runs
    /// apart from Redis' (skew, a paused or hand-moved <see cref="TimeProvider"/>) cannot reset a bucket early.
    /// </summary>
    public RedisRateLimiter(RedisClient client, string keyPrefix = "intelligence:", TimeProvider? time = null, TimeSpan? idleExpiry = null)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _prefix = keyPrefix ?? throw new ArgumentNullException(nameof(keyPrefix));
        _time = time ?? TimeProvider.System;
        var slack = idleExpiry ?? DefaultIdleExpiry;
        ArgumentOutOfRangeException.ThrowIfLessThan(slack, TimeSpan.FromMilliseconds(1), nameof(idleExpiry));
        _idleExpiryMs = (long)Math.Ceiling(slack.TotalMilliseconds);
    }

    /// <inheritdoc />
    public async ValueTask<RateLimitDecision> TryAcquireAsync(string key, TokenBucketPolicy policy, double tokens = 1, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        policy.Check(tokens);
        var reply = await _client.ScriptEvaluateAsync(
            AcquireScript,
            [_prefix + "bucket:" + key],
            [policy.Capacity, policy.RefillPerSecond, TokenBucket.NowMs(_time), tokens, _idleExpiryMs],
            cancellationToken).ConfigureAwait(false);
        var items = reply.Items ?? throw new RedisUnexpectedReplyException("rate limit script returned no array");
        var allowed = items[0].AsInt64() == 1;
        var left = items[1].AsDouble();
        var retry = allowed ? TimeSpan.Zero
            : policy.RefillPerSecond > 0 ? TimeSpan.FromMilliseconds(Math.Ceiling((tokens - left) * 1000 / policy.RefillPerSecond))
            : Timeout.InfiniteTimeSpan;
        return new RateLimitDecision(allowed, left, retry);
    }
}
