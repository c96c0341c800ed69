using System.Globalization;
using StackExchange.Redis;

namespace Intelligence.State.Stores;

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
    private const string AcquireLua = """
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
        """;

    private readonly IDatabase _db;
    private readonly string _prefix;
    private readonly TimeProvider _time;
    private readonly long _idleExpiryMs;

    /// <summary>
    /// Creates the limiter over <paramref name="redis"/>; keys start with <paramref name="keyPrefix"/>. A key expires
    /// <paramref name="idleExpiry"/> (default <see cref="DefaultIdleExpiry"/>) after its bucket would be full again, so a
    /// caller's clock that runs apart from Redis' (skew, a paused or hand-moved <see cref="TimeProvider"/>) cannot reset
    /// a bucket early.
    /// </summary>
    public RedisRateLimiter(IConnectionMultiplexer redis, string keyPrefix = StateOptions.DefaultKeyPrefix, TimeProvider? time = null, TimeSpan? idleExpiry = null, int database = -1)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _db = redis.GetDatabase(database);
        _prefix = RedisKeys.CheckPrefix(keyPrefix);
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
        RedisResult reply;
        try
        {
            reply = await _db.ScriptEvaluateAsync(
                AcquireLua,
                [RedisKeys.Bucket(_prefix, key)],
                [Text(policy.Capacity), Text(policy.RefillPerSecond), Text(TokenBucket.NowMs(_time)), Text(tokens), _idleExpiryMs]).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }

        if (reply.Resp2Type != ResultType.Array || reply.Length < 2
            || !double.TryParse((string?)reply[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var left))
        {
            throw new StateCorruptException("the rate limit script returned an unexpected reply");
        }

        var allowed = (long)reply[0] == 1;
        var retry = allowed ? TimeSpan.Zero
            : policy.RefillPerSecond > 0 ? TimeSpan.FromMilliseconds(Math.Ceiling((tokens - left) * 1000 / policy.RefillPerSecond))
            : Timeout.InfiniteTimeSpan;
        return new RateLimitDecision(allowed, left, retry);
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
