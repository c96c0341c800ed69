using System.Globalization;
using Intelligence.Chain;
using StackExchange.Redis;

namespace Intelligence.State.Stores;

/// <summary>
/// Redis replay cache shared by miner replicas: <see cref="TryUseOnceAsync"/> is one <c>SET NX PX</c> per (caller,
/// nonce); <see cref="TryAdvanceAsync"/> compares and sets the caller's last nonce in one Lua script.
/// </summary>
public sealed class RedisReplayCache : IReplayCache
{
    // KEYS: caller key. ARGV: nonce (decimal, no leading zeros), ttl ms.
    // Nonces are compared as decimal strings (length, then bytes) so all 64 bits count, not Lua's 53.
    private const string AdvanceLua = """
        local cur = redis.call('GET', KEYS[1])
        local n = ARGV[1]
        if cur and (#cur > #n or (#cur == #n and cur >= n)) then
          return 0
        end
        redis.call('SET', KEYS[1], n, 'PX', ARGV[2])
        return 1
        """;

    private readonly IDatabase _db;
    private readonly string _prefix;

    /// <summary>Creates the cache over <paramref name="redis"/> (shared by the process); keys start with <paramref name="keyPrefix"/>.</summary>
    public RedisReplayCache(IConnectionMultiplexer redis, string keyPrefix = StateOptions.DefaultKeyPrefix, int database = -1)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _db = redis.GetDatabase(database);
        _prefix = RedisKeys.CheckPrefix(keyPrefix);
    }

    /// <inheritdoc />
    public ValueTask<bool> TryUseAsync(Address caller, ulong nonce, TimeSpan retention, CancellationToken cancellationToken) =>
        TryUseOnceAsync(caller.ToLowerHex(), nonce, retention, cancellationToken);

    /// <inheritdoc />
    public async ValueTask<bool> TryUseOnceAsync(string caller, ulong nonce, TimeSpan retention, CancellationToken cancellationToken = default)
    {
        ReplayArgs.Check(caller, retention);
        try
        {
            // SET NX is atomic on its own: the first replica to record the pair wins.
            return await _db.StringSetAsync(RedisKeys.UsedNonce(_prefix, caller, nonce), 1, TimeSpan.FromMilliseconds(ReplayArgs.Milliseconds(retention)), When.NotExists)
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> TryAdvanceAsync(string caller, ulong nonce, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        ReplayArgs.Check(caller, ttl);
        try
        {
            var reply = await _db.ScriptEvaluateAsync(
                AdvanceLua,
                [RedisKeys.LastNonce(_prefix, caller)],
                [nonce.ToString(CultureInfo.InvariantCulture), ReplayArgs.Milliseconds(ttl)]).WaitAsync(cancellationToken).ConfigureAwait(false);
            return (long)reply == 1;
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <inheritdoc />
    public async ValueTask<ulong?> GetLastAsync(string caller, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(caller);
        RedisValue raw;
        try
        {
            raw = await _db.StringGetAsync(RedisKeys.LastNonce(_prefix, caller)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }

        if (raw.IsNull)
        {
            return null;
        }

        return ulong.TryParse((string?)raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new StateCorruptException("stored nonce is not a decimal number");
    }
}
