using System.Globalization;

namespace Intelligence.State.Stores;

/// <summary>
/// Replay protection shared by several miner replicas, in two flavours: <see cref="TryAdvanceAsync"/> keeps the
/// last accepted nonce per caller (strictly increasing nonces), <see cref="TryUseOnceAsync"/> remembers each
/// (caller, nonce) pair (any order, each once; pair with a clock window that rejects old nonces).
/// </summary>
public interface IReplayCache
{
    /// <summary>Records (caller, nonce) as used and returns true, or false when it was already used within <paramref name="retention"/>.</summary>
    ValueTask<bool> TryUseOnceAsync(string caller, ulong nonce, TimeSpan retention, CancellationToken cancellationToken = default);

    /// <summary>Accepts and records <paramref name="nonce"/> when it exceeds the caller's last one; false for a replay.</summary>
    ValueTask<bool> TryAdvanceAsync(string caller, ulong nonce, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>The caller's last accepted nonce, or null when none is remembered.</summary>
    ValueTask<ulong?> GetLastAsync(string caller, CancellationToken cancellationToken = default);
}

/// <summary>In-process replay cache (one miner process).</summary>
public sealed class InMemoryReplayCache : IReplayCache
{
    private readonly Dictionary<string, (ulong Nonce, long ExpiresAt)> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Caller, ulong Nonce), long> _used = [];
    private readonly TimeProvider _time;
    private long _nextSweep;

    /// <summary>Creates the cache; <paramref name="time"/> defaults to the system clock.</summary>
    public InMemoryReplayCache(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <inheritdoc />
    public ValueTask<bool> TryAdvanceAsync(string caller, ulong nonce, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ReplayArgs.Check(caller, ttl);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_entries)
        {
            SweepExpired(now);
            if (_entries.TryGetValue(caller, out var entry) && entry.ExpiresAt > now && entry.Nonce >= nonce)
            {
                return ValueTask.FromResult(false);
            }

            _entries[caller] = (nonce, now + ReplayArgs.Milliseconds(ttl));
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> TryUseOnceAsync(string caller, ulong nonce, TimeSpan retention, CancellationToken cancellationToken = default)
    {
        ReplayArgs.Check(caller, retention);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_entries)
        {
            SweepExpired(now);
            if (_used.TryGetValue((caller, nonce), out var expiresAt) && expiresAt > now)
            {
                return ValueTask.FromResult(false);
            }

            _used[(caller, nonce)] = now + ReplayArgs.Milliseconds(retention);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<ulong?> GetLastAsync(string caller, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(caller);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        lock (_entries)
        {
            return ValueTask.FromResult<ulong?>(_entries.TryGetValue(caller, out var e) && e.ExpiresAt > now ? e.Nonce : null);
        }
    }

    // Drop expired callers at most once a second so memory stays bounded by live callers.
    private void SweepExpired(long now)
    {
        if (now < _nextSweep)
        {
            return;
        }

        _nextSweep = now + 1000;
        foreach (var (caller, entry) in _entries)
        {
            if (entry.ExpiresAt <= now)
            {
                _entries.Remove(caller);
            }
        }

        foreach (var (pair, expiresAt) in _used)
        {
            if (expiresAt <= now)
            {
                _used.Remove(pair);
            }
        }
    }
}

/// <summary>Redis replay cache: one string key per caller, compared and set in one Lua script (atomic across replicas).</summary>
public sealed class RedisReplayCache : IReplayCache
{
    // KEYS: caller key. ARGV: nonce (decimal, no leading zeros), ttl ms.
    // Nonces are compared as decimal strings (length, then bytes) so all 64 bits count, not Lua's 53.
    private static readonly RedisScript AdvanceScript = new("""
        local cur = redis.call('GET', KEYS[1])
        local n = ARGV[1]
        if cur and (#cur > #n or (#cur == #n and cur >= n)) then
          return 0
        end
        redis.call('SET', KEYS[1], n, 'PX', ARGV[2])
        return 1
        """);

    private readonly RedisClient _client;
    private readonly string _prefix;

    /// <summary>Creates the cache over <paramref name="client"/>; keys start with <paramref name="keyPrefix"/>.</summary>
    public RedisReplayCache(RedisClient client, string keyPrefix = "intelligence:")
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _prefix = keyPrefix ?? throw new ArgumentNullException(nameof(keyPrefix));
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryAdvanceAsync(string caller, ulong nonce, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ReplayArgs.Check(caller, ttl);
        var reply = await _client.ScriptEvaluateAsync(
            AdvanceScript,
            [_prefix + "nonce:" + caller],
            [nonce.ToString(CultureInfo.InvariantCulture), ReplayArgs.Milliseconds(ttl)],
            cancellationToken).ConfigureAwait(false);
        return reply.AsInt64() == 1;
    }

    /// <inheritdoc />
    public ValueTask<bool> TryUseOnceAsync(string caller, ulong nonce, TimeSpan retention, CancellationToken cancellationToken = default)
    {
        ReplayArgs.Check(caller, retention);
        // SET NX is atomic on its own: the first replica to record the pair wins.
        return _client.SetAsync(
            _prefix + "used:" + caller + ":" + nonce.ToString(CultureInfo.InvariantCulture),
            1,
            TimeSpan.FromMilliseconds(ReplayArgs.Milliseconds(retention)),
            SetCondition.NotExists,
            cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<ulong?> GetLastAsync(string caller, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(caller);
        var raw = await _client.GetAsync(_prefix + "nonce:" + caller, cancellationToken).ConfigureAwait(false);
        if (raw is null)
        {
            return null;
        }

        return ulong.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new RedisUnexpectedReplyException("stored nonce is not a decimal number");
    }
}

internal static class ReplayArgs
{
    public static void Check(string caller, TimeSpan ttl)
    {
        ArgumentException.ThrowIfNullOrEmpty(caller);
        if (ttl <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ttl), "ttl must be positive");
        }
    }

    public static long Milliseconds(TimeSpan ttl) => Math.Max(1, (long)Math.Ceiling(ttl.TotalMilliseconds));
}
