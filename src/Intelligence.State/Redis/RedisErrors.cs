namespace Intelligence.State.Stores;

/// <summary>Maps StackExchange.Redis failures onto this library's <see cref="StateException"/> types.</summary>
internal static class RedisErrors
{
    /// <summary>
    /// The library exception for <paramref name="error"/>, or null when it is not a Redis failure (argument errors,
    /// cancellation pass through). Used as <c>catch (Exception e) when (RedisErrors.Map(e) is { } mapped)</c>.
    /// </summary>
    public static StateException? Map(Exception error) => error switch
    {
        StackExchange.Redis.RedisConnectionException e => new StateUnavailableException("Redis is unreachable: " + e.Message, e),
        StackExchange.Redis.RedisTimeoutException e => new StateUnavailableException("Redis did not answer in time: " + e.Message, e),
        StackExchange.Redis.RedisServerException e => new StateException("Redis refused the command: " + e.Message, e),
        StackExchange.Redis.RedisException e => new StateException("Redis command failed: " + e.Message, e),
        _ => null,
    };
}
