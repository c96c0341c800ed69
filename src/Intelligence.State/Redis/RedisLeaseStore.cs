using StackExchange.Redis;

namespace Intelligence.State.Stores;

/// <summary>
/// Redis leases shared by several processes: taking a free lease is one <c>SET NX PX</c>; renewing, releasing and
/// writing a guarded record compare the holder and act in one Lua script, so a holder whose lease expired (and was
/// taken by another) can neither extend it, free it nor overwrite the new holder's records. A lease is the string
/// <c>{prefix}{lease:&lt;name&gt;}</c> holding the holder id; its records are <c>…}:&lt;key&gt;</c> under the same hash tag,
/// without expiry (they outlive holders). Expiry is the server's clock.
/// </summary>
public sealed class RedisLeaseStore : ILeaseStore
{
    // KEYS: lease. ARGV: holder, ttl ms. Extends only the caller's own lease.
    private const string RenewLua = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          redis.call('PEXPIRE', KEYS[1], ARGV[2])
          return 1
        end
        return 0
        """;

    // KEYS: lease. ARGV: holder.
    private const string ReleaseLua = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then
          return redis.call('DEL', KEYS[1])
        end
        return 0
        """;

    // KEYS: lease. Holder and milliseconds left, or nil.
    private const string HolderLua = """
        local h = redis.call('GET', KEYS[1])
        if not h then
          return nil
        end
        return {h, redis.call('PTTL', KEYS[1])}
        """;

    // KEYS: lease, record. ARGV: holder, value, '1' to set or '0' to delete.
    private const string WriteLua = """
        if redis.call('GET', KEYS[1]) ~= ARGV[1] then
          return 0
        end
        if ARGV[3] == '1' then
          redis.call('SET', KEYS[2], ARGV[2])
        else
          redis.call('DEL', KEYS[2])
        end
        return 1
        """;

    private readonly IDatabase _db;
    private readonly string _prefix;

    /// <summary>Creates the store over <paramref name="redis"/> (shared by the process); keys start with <paramref name="keyPrefix"/>.</summary>
    public RedisLeaseStore(IConnectionMultiplexer redis, string keyPrefix = StateOptions.DefaultKeyPrefix, int database = -1)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _db = redis.GetDatabase(database);
        _prefix = RedisKeys.CheckPrefix(keyPrefix);
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryAcquireAsync(string lease, string holder, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease, holder, ttl);
        var key = RedisKeys.Lease(_prefix, lease);
        try
        {
            // SET NX PX takes a free lease atomically; when it is taken, the renew script extends it if it is ours.
            return await _db.StringSetAsync(key, holder, TimeSpan.FromMilliseconds(LeaseArgs.Milliseconds(ttl)), When.NotExists).WaitAsync(cancellationToken).ConfigureAwait(false)
                || await RenewAsync(key, holder, ttl, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryRenewAsync(string lease, string holder, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease, holder, ttl);
        try
        {
            return await RenewAsync(RedisKeys.Lease(_prefix, lease), holder, ttl, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> ReleaseAsync(string lease, string holder, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease, holder);
        try
        {
            var reply = await _db.ScriptEvaluateAsync(ReleaseLua, [RedisKeys.Lease(_prefix, lease)], [holder]).WaitAsync(cancellationToken).ConfigureAwait(false);
            return (long)reply == 1;
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <inheritdoc />
    public async ValueTask<LeaseHolder?> GetHolderAsync(string lease, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease);
        RedisResult reply;
        try
        {
            reply = await _db.ScriptEvaluateAsync(HolderLua, [RedisKeys.Lease(_prefix, lease)]).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }

        if (reply.IsNull)
        {
            return null;
        }

        if (reply.Resp2Type != ResultType.Array || reply.Length != 2)
        {
            throw new StateCorruptException("the lease script returned an unexpected reply");
        }

        // PTTL -1: a lease key someone stored without expiry; it lasts until released.
        var ms = (long)reply[1];
        return new LeaseHolder((string)reply[0]!, ms < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(ms));
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryWriteAsync(string lease, string holder, string key, string? value, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease, holder);
        ArgumentException.ThrowIfNullOrEmpty(key);
        try
        {
            var reply = await _db.ScriptEvaluateAsync(
                WriteLua,
                [RedisKeys.Lease(_prefix, lease), RedisKeys.LeaseRecord(_prefix, lease, key)],
                [holder, value ?? string.Empty, value is null ? "0" : "1"]).WaitAsync(cancellationToken).ConfigureAwait(false);
            return (long)reply == 1;
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <inheritdoc />
    public async ValueTask<string?> ReadAsync(string lease, string key, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease);
        ArgumentException.ThrowIfNullOrEmpty(key);
        try
        {
            return (string?)await _db.StringGetAsync(RedisKeys.LeaseRecord(_prefix, lease, key)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    private async Task<bool> RenewAsync(string key, string holder, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var reply = await _db.ScriptEvaluateAsync(RenewLua, [key], [holder, LeaseArgs.Milliseconds(ttl)]).WaitAsync(cancellationToken).ConfigureAwait(false);
        return (long)reply == 1;
    }
}
