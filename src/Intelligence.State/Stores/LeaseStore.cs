namespace Intelligence.State.Stores;

/// <summary>Who holds a lease now and how long it lasts unless renewed.</summary>
/// <param name="Holder">The holder id given to <see cref="ILeaseStore.TryAcquireAsync"/>.</param>
/// <param name="Remaining">Time left before the lease expires by itself.</param>
public sealed record LeaseHolder(string Holder, TimeSpan Remaining);

/// <summary>
/// Named leases that several processes race for (e.g. the one worker of a validator that sends its transactions), and
/// small text records guarded by a lease: only the lease's current holder may write them, anyone may read them, and
/// they outlive their writer so the next holder finds them (e.g. the reveal data of a pending weights commit).
/// A lease expires by itself unless its holder renews it; holder ids are the caller's (unique per process).
/// </summary>
public interface ILeaseStore
{
    /// <summary>
    /// Takes <paramref name="lease"/> for <paramref name="holder"/> for <paramref name="ttl"/> when nobody holds it (or
    /// its last holder let it expire); when <paramref name="holder"/> already holds it, extends it. True when held now.
    /// </summary>
    ValueTask<bool> TryAcquireAsync(string lease, string holder, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Extends the lease to <paramref name="ttl"/> from now, only while <paramref name="holder"/> holds it; false when lost.</summary>
    ValueTask<bool> TryRenewAsync(string lease, string holder, TimeSpan ttl, CancellationToken cancellationToken = default);

    /// <summary>Gives the lease up when <paramref name="holder"/> holds it (so another can take it at once); true when released.</summary>
    ValueTask<bool> ReleaseAsync(string lease, string holder, CancellationToken cancellationToken = default);

    /// <summary>The current holder, or null when the lease is free or expired.</summary>
    ValueTask<LeaseHolder?> GetHolderAsync(string lease, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the record <paramref name="key"/> of <paramref name="lease"/> (deletes it when <paramref name="value"/> is
    /// null) only while <paramref name="holder"/> holds the lease, atomically with that check; false (nothing written) otherwise.
    /// </summary>
    ValueTask<bool> TryWriteAsync(string lease, string holder, string key, string? value, CancellationToken cancellationToken = default);

    /// <summary>The record <paramref name="key"/> of <paramref name="lease"/>, or null; readable whoever holds the lease.</summary>
    ValueTask<string?> ReadAsync(string lease, string key, CancellationToken cancellationToken = default);
}

/// <summary>Argument checks shared by the lease store implementations.</summary>
internal static class LeaseArgs
{
    public static void Check(string lease)
    {
        ArgumentException.ThrowIfNullOrEmpty(lease);
        if (lease.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new ArgumentException("a lease name must not contain '{' or '}': the Redis store makes it a hash tag", nameof(lease));
        }
    }

    public static void Check(string lease, string holder)
    {
        Check(lease);
        ArgumentException.ThrowIfNullOrEmpty(holder);
    }

    public static void Check(string lease, string holder, TimeSpan ttl)
    {
        Check(lease, holder);
        if (ttl < TimeSpan.FromMilliseconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(ttl), "a lease lasts at least 1 ms");
        }
    }

    public static long Milliseconds(TimeSpan ttl) => (long)Math.Ceiling(ttl.TotalMilliseconds);
}

/// <summary>In-process leases (one process; tests). Records are lost with the process.</summary>
public sealed class InMemoryLeaseStore : ILeaseStore
{
    private readonly Dictionary<string, (string Holder, long ExpiresAt)> _leases = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Lease, string Key), string> _records = [];
    private readonly TimeProvider _time;

    /// <summary>Creates the store; <paramref name="time"/> defaults to the system clock.</summary>
    public InMemoryLeaseStore(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <inheritdoc />
    public ValueTask<bool> TryAcquireAsync(string lease, string holder, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease, holder, ttl);
        lock (_leases)
        {
            var now = Now();
            if (_leases.TryGetValue(lease, out var current) && current.ExpiresAt > now && current.Holder != holder)
            {
                return ValueTask.FromResult(false);
            }

            _leases[lease] = (holder, now + LeaseArgs.Milliseconds(ttl));
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> TryRenewAsync(string lease, string holder, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease, holder, ttl);
        lock (_leases)
        {
            var now = Now();
            if (!Holds(lease, holder, now))
            {
                return ValueTask.FromResult(false);
            }

            _leases[lease] = (holder, now + LeaseArgs.Milliseconds(ttl));
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ReleaseAsync(string lease, string holder, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease, holder);
        lock (_leases)
        {
            return ValueTask.FromResult(Holds(lease, holder, Now()) && _leases.Remove(lease));
        }
    }

    /// <inheritdoc />
    public ValueTask<LeaseHolder?> GetHolderAsync(string lease, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease);
        lock (_leases)
        {
            var now = Now();
            return ValueTask.FromResult(_leases.TryGetValue(lease, out var current) && current.ExpiresAt > now
                ? new LeaseHolder(current.Holder, TimeSpan.FromMilliseconds(current.ExpiresAt - now))
                : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> TryWriteAsync(string lease, string holder, string key, string? value, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease, holder);
        ArgumentException.ThrowIfNullOrEmpty(key);
        lock (_leases)
        {
            if (!Holds(lease, holder, Now()))
            {
                return ValueTask.FromResult(false);
            }

            if (value is null)
            {
                _records.Remove((lease, key));
            }
            else
            {
                _records[(lease, key)] = value;
            }

            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<string?> ReadAsync(string lease, string key, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease);
        ArgumentException.ThrowIfNullOrEmpty(key);
        lock (_leases)
        {
            return ValueTask.FromResult(_records.GetValueOrDefault((lease, key)));
        }
    }

    private bool Holds(string lease, string holder, long now) =>
        _leases.TryGetValue(lease, out var current) && current.ExpiresAt > now && current.Holder == holder;

    private long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}
