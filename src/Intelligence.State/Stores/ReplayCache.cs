using Intelligence.Chain;
using Intelligence.Protocol.Pipeline;

namespace Intelligence.State.Stores;

/// <summary>
/// Replay protection shared by several miner replicas, in two flavours: <see cref="TryAdvanceAsync"/> keeps the
/// last accepted nonce per caller (strictly increasing nonces), <see cref="TryUseOnceAsync"/> remembers each
/// (caller, nonce) pair (any order, each once; pair with a clock window that rejects old nonces).
/// Every replay cache is also the miner pipeline's <see cref="INonceStore"/>: <see cref="INonceStore.TryUseAsync"/> is
/// <see cref="TryUseOnceAsync"/> with the caller's lower-case hex address as the caller key.
/// </summary>
public interface IReplayCache : INonceStore
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
    public ValueTask<bool> TryUseAsync(Address caller, ulong nonce, TimeSpan retention, CancellationToken cancellationToken) =>
        TryUseOnceAsync(caller.ToLowerHex(), nonce, retention, cancellationToken);

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
