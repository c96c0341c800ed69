namespace Intelligence.State.Stores;

/// <summary>
/// The three stores a node needs, built together: in-process by default (a single node needs nothing else
/// installed), or over Redis when several validator workers or miner replicas must share them.
/// </summary>
/// <param name="Scores">Validator EMA scores.</param>
/// <param name="Replay">Miner nonce/replay cache.</param>
/// <param name="Limiter">Token-bucket rate limiter.</param>
public sealed record StateStores(IScoreStore Scores, IReplayCache Replay, IRateLimiter Limiter)
{
    /// <summary>In-process stores; <paramref name="time"/> defaults to the system clock.</summary>
    public static StateStores InMemory(TimeProvider? time = null) =>
        new(new InMemoryScoreStore(), new InMemoryReplayCache(time), new InMemoryRateLimiter(time));

    /// <summary>Redis-backed stores over <paramref name="client"/>, every key under <paramref name="keyPrefix"/>.</summary>
    public static StateStores Redis(RedisClient client, string keyPrefix = "intelligence:", TimeProvider? time = null) =>
        new(new RedisScoreStore(client, keyPrefix), new RedisReplayCache(client, keyPrefix), new RedisRateLimiter(client, keyPrefix, time));
}
