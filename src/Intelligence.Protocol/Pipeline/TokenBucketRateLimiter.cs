using System.Collections.Concurrent;
using System.Diagnostics;
using Intelligence.Chain;

namespace Intelligence.Protocol.Pipeline;

/// <summary>A token bucket per caller: <c>burst</c> requests at once, refilled at <c>ratePerSecond</c>.</summary>
public sealed class TokenBucketRateLimiter : IRateLimiter
{
    private readonly ConcurrentDictionary<Address, Bucket> _buckets = new();
    private readonly double _ratePerTick;
    private readonly double _burst;

    /// <summary>Creates a limiter.</summary>
    public TokenBucketRateLimiter(double ratePerSecond, int burst)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(burst);
        _ratePerTick = ratePerSecond / Stopwatch.Frequency;
        _burst = burst;
    }

    /// <inheritdoc />
    public bool TryAcquire(Address caller)
    {
        // A static factory: a lambda over _burst would allocate a delegate on every call.
        var bucket = _buckets.GetOrAdd(caller, static (_, burst) => new Bucket(burst, Stopwatch.GetTimestamp()), _burst);
        lock (bucket)
        {
            var now = Stopwatch.GetTimestamp();
            bucket.Tokens = Math.Min(_burst, bucket.Tokens + ((now - bucket.Last) * _ratePerTick));
            bucket.Last = now;
            if (bucket.Tokens < 1)
            {
                return false;
            }

            bucket.Tokens -= 1;
            return true;
        }
    }

    private sealed class Bucket(double tokens, long last)
    {
        public double Tokens = tokens;
        public long Last = last;
    }
}
