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
