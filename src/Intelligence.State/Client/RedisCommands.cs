using System.Runtime.CompilerServices;
using Intelligence.State.Resp;

namespace Intelligence.State;

/// <summary>When SET writes its value.</summary>
public enum SetCondition
{
    /// <summary>Always.</summary>
    Always,
    /// <summary>Only when the key does not exist (NX).</summary>
    NotExists,
    /// <summary>Only when the key exists (XX).</summary>
    Exists,
}

/// <summary>
/// Typed Redis commands, shared by <see cref="RedisClient"/> (sent at once) and <see cref="RedisBatch"/>
/// (sent together on <see cref="RedisBatch.Send"/>). Replies from RESP2 and RESP3 are normalised.
/// </summary>
public abstract class RedisCommands
{
    private protected RedisCommands()
    {
    }

    /// <summary>The connection commands go to.</summary>
    private protected abstract RedisConnection Connection { get; }

    /// <summary>Sends (or, in a batch, queues) one command; <paramref name="convert"/> turns its reply into the result.</summary>
    private protected abstract ValueTask<T> SendAsync<T>(RedisArg[] args, Func<RespValue, T> convert, CancellationToken cancellationToken);

    private ValueTask<RespValue> SendAsync(RedisArg[] args, CancellationToken cancellationToken) =>
        SendAsync(args, static r => r, cancellationToken);

    /// <summary>Sends any command (name first) and returns the raw reply; server errors throw.</summary>
    public ValueTask<RespValue> ExecuteAsync(params RedisArg[] args) => SendAsync(args, default);

    /// <summary>Sends any command (name first) with a cancellation token.</summary>
    public ValueTask<RespValue> ExecuteAsync(RedisArg[] args, CancellationToken cancellationToken) => SendAsync(args, cancellationToken);

    /// <summary>PING; returns the server's answer ("PONG").</summary>
    public ValueTask<string?> PingAsync(CancellationToken cancellationToken = default) =>
        SendAsync(["PING"], static r => r.AsString(), cancellationToken);

    // ---- strings ----

    /// <summary>GET: the value, or null when the key does not exist.</summary>
    public ValueTask<byte[]?> GetAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["GET", key], ToBytes, cancellationToken);

    /// <summary>GET decoded as UTF-8.</summary>
    public ValueTask<string?> GetStringAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["GET", key], static r => r.AsString(), cancellationToken);

    /// <summary>SET with optional expiry (PX) and condition (NX/XX); true when the value was written.</summary>
    public ValueTask<bool> SetAsync(string key, RedisArg value, TimeSpan? expiry = null, SetCondition when = SetCondition.Always, CancellationToken cancellationToken = default)
    {
        var count = 3 + (expiry is null ? 0 : 2) + (when == SetCondition.Always ? 0 : 1);
        var args = new RedisArg[count];
        args[0] = "SET";
        args[1] = key;
        args[2] = value;
        var i = 3;
        if (expiry is { } ttl)
        {
            args[i++] = "PX";
            args[i++] = ToMilliseconds(ttl);
        }

        if (when != SetCondition.Always)
        {
            args[i] = when == SetCondition.NotExists ? "NX" : "XX";
        }

        return SendAsync(args, static r => !r.IsNull, cancellationToken);
    }

    /// <summary>INCR: adds one and returns the new value.</summary>
    public ValueTask<long> IncrementAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["INCR", key], static r => r.AsInt64(), cancellationToken);

    /// <summary>INCRBY: adds <paramref name="delta"/> and returns the new value.</summary>
    public ValueTask<long> IncrementAsync(string key, long delta, CancellationToken cancellationToken = default) =>
        SendAsync(["INCRBY", key, delta], static r => r.AsInt64(), cancellationToken);

    // ---- keys ----

    /// <summary>DEL: removes keys, returns how many existed.</summary>
    public ValueTask<long> DeleteAsync(params string[] keys) =>
        SendAsync(Prefixed("DEL", keys), static r => r.AsInt64(), default);

    /// <summary>EXISTS: how many of the keys exist.</summary>
    public ValueTask<long> ExistsAsync(params string[] keys) =>
        SendAsync(Prefixed("EXISTS", keys), static r => r.AsInt64(), default);

    /// <summary>EXPIRE (whole seconds): true when the key exists and got the timeout.</summary>
    public ValueTask<bool> ExpireAsync(string key, TimeSpan expiry, CancellationToken cancellationToken = default) =>
        SendAsync(["EXPIRE", key, (long)Math.Ceiling(expiry.TotalSeconds)], static r => r.AsInt64() == 1, cancellationToken);

    /// <summary>PEXPIRE (milliseconds): true when the key exists and got the timeout.</summary>
    public ValueTask<bool> PExpireAsync(string key, TimeSpan expiry, CancellationToken cancellationToken = default) =>
        SendAsync(["PEXPIRE", key, ToMilliseconds(expiry)], static r => r.AsInt64() == 1, cancellationToken);

    /// <summary>PTTL: remaining time, or null when the key does not exist or has no expiry.</summary>
    public ValueTask<TimeSpan?> TimeToLiveAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync<TimeSpan?>(["PTTL", key], static r => r.AsInt64() is var ms and >= 0 ? TimeSpan.FromMilliseconds(ms) : null, cancellationToken);

    /// <summary>SCAN over keys matching <paramref name="pattern"/>; each key once per full iteration (Redis' guarantee).</summary>
    public async IAsyncEnumerable<string> ScanAsync(string pattern = "*", int pageSize = 100, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var cursor = "0";
        do
        {
            var reply = await Connection.ExecuteAsync(["SCAN", cursor, "MATCH", pattern, "COUNT", pageSize], null, cancellationToken).ConfigureAwait(false);
            var items = reply.Items ?? throw new RedisUnexpectedReplyException("SCAN reply is not an array");
            if (items.Length != 2 || items[1].Items is not { } keys)
            {
                throw new RedisUnexpectedReplyException("SCAN reply is not [cursor, keys]");
            }

            cursor = items[0].AsString() ?? "0";
            foreach (var key in keys)
            {
                yield return key.AsString()!;
            }
        }
        while (cursor != "0");
    }

    // ---- hashes ----

    /// <summary>HSET of one field: true when the field is new.</summary>
    public ValueTask<bool> HashSetAsync(string key, string field, RedisArg value, CancellationToken cancellationToken = default) =>
        SendAsync(["HSET", key, field, value], static r => r.AsInt64() == 1, cancellationToken);

    /// <summary>HSET of several fields: how many were new.</summary>
    public async ValueTask<long> HashSetAsync(string key, IEnumerable<KeyValuePair<string, RedisArg>> fields, CancellationToken cancellationToken = default)
    {
        var args = new List<RedisArg> { "HSET", key };
        foreach (var (field, value) in fields)
        {
            args.Add(field);
            args.Add(value);
        }

        return await SendAsync([.. args], static r => r.AsInt64(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>HGET: the field's value or null.</summary>
    public ValueTask<byte[]?> HashGetAsync(string key, string field, CancellationToken cancellationToken = default) =>
        SendAsync(["HGET", key, field], ToBytes, cancellationToken);

    /// <summary>HGET decoded as UTF-8.</summary>
    public ValueTask<string?> HashGetStringAsync(string key, string field, CancellationToken cancellationToken = default) =>
        SendAsync(["HGET", key, field], static r => r.AsString(), cancellationToken);

    /// <summary>HGETALL: every field and value (empty when the key does not exist).</summary>
    public ValueTask<Dictionary<string, byte[]>> HashGetAllAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["HGETALL", key], ToDictionary, cancellationToken);

    private static Dictionary<string, byte[]> ToDictionary(RespValue reply)
    {
        var items = reply.Items ?? throw new RedisUnexpectedReplyException("HGETALL reply is not a map or array");
        var result = new Dictionary<string, byte[]>(items.Length / 2, StringComparer.Ordinal);
        for (var i = 0; i + 1 < items.Length; i += 2)
        {
            result[items[i].AsString()!] = items[i + 1].Bytes ?? [];
        }

        return result;
    }

    /// <summary>HDEL: how many of the fields existed.</summary>
    public ValueTask<long> HashDeleteAsync(string key, params string[] fields) =>
        SendAsync(Prefixed("HDEL", [key, .. fields]), static r => r.AsInt64(), default);

    /// <summary>HINCRBY: the field's new integer value.</summary>
    public ValueTask<long> HashIncrementAsync(string key, string field, long delta, CancellationToken cancellationToken = default) =>
        SendAsync(["HINCRBY", key, field, delta], static r => r.AsInt64(), cancellationToken);

    /// <summary>HINCRBYFLOAT: the field's new value.</summary>
    public ValueTask<double> HashIncrementAsync(string key, string field, double delta, CancellationToken cancellationToken = default) =>
        SendAsync(["HINCRBYFLOAT", key, field, delta], static r => r.AsDouble(), cancellationToken);

    /// <summary>HEXISTS.</summary>
    public ValueTask<bool> HashExistsAsync(string key, string field, CancellationToken cancellationToken = default) =>
        SendAsync(["HEXISTS", key, field], static r => r.AsBoolean(), cancellationToken);

    /// <summary>HLEN: number of fields.</summary>
    public ValueTask<long> HashLengthAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["HLEN", key], static r => r.AsInt64(), cancellationToken);

    // ---- sorted sets ----

    /// <summary>ZADD of one member: true when it is new.</summary>
    public ValueTask<bool> SortedSetAddAsync(string key, string member, double score, CancellationToken cancellationToken = default) =>
        SendAsync(["ZADD", key, score, member], static r => r.AsInt64() == 1, cancellationToken);

    /// <summary>ZSCORE: the member's score or null.</summary>
    public ValueTask<double?> SortedSetScoreAsync(string key, string member, CancellationToken cancellationToken = default) =>
        SendAsync<double?>(["ZSCORE", key, member], static r => r.IsNull ? null : r.AsDouble(), cancellationToken);

    /// <summary>ZINCRBY: the member's new score.</summary>
    public ValueTask<double> SortedSetIncrementAsync(string key, string member, double delta, CancellationToken cancellationToken = default) =>
        SendAsync(["ZINCRBY", key, delta, member], static r => r.AsDouble(), cancellationToken);

    /// <summary>ZREM of one member: true when it existed.</summary>
    public ValueTask<bool> SortedSetRemoveAsync(string key, string member, CancellationToken cancellationToken = default) =>
        SendAsync(["ZREM", key, member], static r => r.AsInt64() == 1, cancellationToken);

    /// <summary>ZCARD: number of members.</summary>
    public ValueTask<long> SortedSetLengthAsync(string key, CancellationToken cancellationToken = default) =>
        SendAsync(["ZCARD", key], static r => r.AsInt64(), cancellationToken);

    /// <summary>ZRANK: zero-based rank by ascending score, or null.</summary>
    public ValueTask<long?> SortedSetRankAsync(string key, string member, CancellationToken cancellationToken = default) =>
        SendAsync<long?>(["ZRANK", key, member], static r => r.IsNull ? null : r.AsInt64(), cancellationToken);

    /// <summary>ZRANGE start stop WITHSCORES: members by rank with their scores.</summary>
    public ValueTask<IReadOnlyList<(string Member, double Score)>> SortedSetRangeWithScoresAsync(string key, long start, long stop, CancellationToken cancellationToken = default) =>
        SendAsync(["ZRANGE", key, start, stop, "WITHSCORES"], ToScoredMembers, cancellationToken);

    private static IReadOnlyList<(string Member, double Score)> ToScoredMembers(RespValue reply)
    {
        var items = reply.Items ?? throw new RedisUnexpectedReplyException("ZRANGE reply is not an array");
        var result = new List<(string, double)>();
        if (items.Length > 0 && items[0].IsAggregate)
        {
            // RESP3: [[member, score], ...]
            foreach (var pair in items)
            {
                var p = pair.Items!;
                result.Add((p[0].AsString()!, p[1].AsDouble()));
            }
        }
        else
        {
            // RESP2: [member, score, member, score, ...]
            for (var i = 0; i + 1 < items.Length; i += 2)
            {
                result.Add((items[i].AsString()!, items[i + 1].AsDouble()));
            }
        }

        return result;
    }

    /// <summary>ZRANGE min max BYSCORE: members whose score is in [min, max].</summary>
    public ValueTask<string[]> SortedSetRangeByScoreAsync(string key, double min, double max, CancellationToken cancellationToken = default) =>
        SendAsync(["ZRANGE", key, min, max, "BYSCORE"], static reply => (reply.Items ?? throw new RedisUnexpectedReplyException("ZRANGE reply is not an array")).Select(i => i.AsString()!).ToArray(), cancellationToken);

    // ---- scripting ----

    /// <summary>
    /// EVALSHA with the script's digest; on NOSCRIPT (server restarted or flushed) loads it with
    /// SCRIPT LOAD and retries once.
    /// </summary>
    public async ValueTask<RespValue> ScriptEvaluateAsync(RedisScript script, IReadOnlyList<string> keys, IReadOnlyList<RedisArg> args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(script);
        try
        {
            return await SendAsync(ScriptArgs("EVALSHA", script.Sha1, keys, args), cancellationToken).ConfigureAwait(false);
        }
        catch (RedisNoScriptException)
        {
            await Connection.ExecuteAsync(["SCRIPT", "LOAD", script.Text], null, cancellationToken).ConfigureAwait(false);
            return await Connection.ExecuteAsync(ScriptArgs("EVALSHA", script.Sha1, keys, args), null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>EVAL of source text (no caching).</summary>
    public ValueTask<RespValue> EvalAsync(string script, IReadOnlyList<string> keys, IReadOnlyList<RedisArg> args, CancellationToken cancellationToken = default) =>
        SendAsync(ScriptArgs("EVAL", script, keys, args), cancellationToken);

    /// <summary>SCRIPT LOAD: caches the script on the server, returns its SHA1.</summary>
    public ValueTask<string> ScriptLoadAsync(string script, CancellationToken cancellationToken = default) =>
        SendAsync(["SCRIPT", "LOAD", script], static r => r.AsString()!, cancellationToken);

    // ---- pub/sub ----

    /// <summary>PUBLISH: how many subscribers received the message.</summary>
    public ValueTask<long> PublishAsync(string channel, RedisArg message, CancellationToken cancellationToken = default) =>
        SendAsync(["PUBLISH", channel, message], static r => r.AsInt64(), cancellationToken);

    private static RedisArg[] ScriptArgs(string command, string scriptOrSha, IReadOnlyList<string> keys, IReadOnlyList<RedisArg> args)
    {
        var all = new RedisArg[3 + keys.Count + args.Count];
        all[0] = command;
        all[1] = scriptOrSha;
        all[2] = keys.Count;
        for (var i = 0; i < keys.Count; i++)
        {
            all[3 + i] = keys[i];
        }

        for (var i = 0; i < args.Count; i++)
        {
            all[3 + keys.Count + i] = args[i];
        }

        return all;
    }

    private static RedisArg[] Prefixed(string command, string[] rest)
    {
        var args = new RedisArg[rest.Length + 1];
        args[0] = command;
        for (var i = 0; i < rest.Length; i++)
        {
            args[i + 1] = rest[i];
        }

        return args;
    }

    private static byte[]? ToBytes(RespValue reply) => reply.IsNull ? null : reply.Bytes ?? throw new RedisUnexpectedReplyException($"expected a string reply, got {reply.Type}");

    private static long ToMilliseconds(TimeSpan span) =>
        span > TimeSpan.Zero ? Math.Max(1, (long)Math.Ceiling(span.TotalMilliseconds)) : throw new ArgumentOutOfRangeException(nameof(span), "expiry must be positive");
}
