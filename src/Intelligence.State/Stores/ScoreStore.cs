using System.Collections.Concurrent;
using System.Globalization;
using Intelligence.State.Resp;

namespace Intelligence.State.Stores;

/// <summary>A validator's running score for one neuron.</summary>
/// <param name="Netuid">Subnet id.</param>
/// <param name="Uid">Neuron slot within the subnet.</param>
/// <param name="Hotkey">Hotkey the scores belong to; a different hotkey in the slot resets them.</param>
/// <param name="Score">Exponential moving average of samples (starts from 0).</param>
/// <param name="SampleCount">Samples folded in since the last reset.</param>
/// <param name="LastQueryUnixMs">When the last sample was taken (Unix milliseconds).</param>
public sealed record ScoreRecord(int Netuid, int Uid, string Hotkey, double Score, long SampleCount, long LastQueryUnixMs)
{
    /// <summary>The last query time as a timestamp.</summary>
    public DateTimeOffset LastQuery => DateTimeOffset.FromUnixTimeMilliseconds(LastQueryUnixMs);

    /// <summary>
    /// The EMA step every implementation uses: <c>alpha * sample + (1 - alpha) * previous</c>, evaluated in
    /// that order in IEEE doubles (Lua on the Redis side computes the same expression).
    /// </summary>
    public static double Ema(double previous, double sample, double alpha) => (alpha * sample) + ((1 - alpha) * previous);
}

/// <summary>Per (netuid, uid) EMA scores that many validator workers update atomically and that outlive restarts.</summary>
public interface IScoreStore
{
    /// <summary>
    /// Folds <paramref name="sample"/> into the EMA of (netuid, uid) atomically. When the stored hotkey differs
    /// from <paramref name="hotkey"/> the record restarts from zero first. Returns the record after the update.
    /// </summary>
    ValueTask<ScoreRecord> UpdateAsync(int netuid, int uid, string hotkey, double sample, double alpha, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The record of (netuid, uid), or null when none.</summary>
    ValueTask<ScoreRecord?> GetAsync(int netuid, int uid, CancellationToken cancellationToken = default);

    /// <summary>Every record of a subnet, ordered by uid.</summary>
    ValueTask<IReadOnlyList<ScoreRecord>> GetAllAsync(int netuid, CancellationToken cancellationToken = default);

    /// <summary>After a metagraph sync: when (netuid, uid) holds another hotkey, reset it to zero under the new one. True when reset.</summary>
    ValueTask<bool> SyncHotkeyAsync(int netuid, int uid, string hotkey, CancellationToken cancellationToken = default);

    /// <summary>Deletes the record; true when it existed.</summary>
    ValueTask<bool> RemoveAsync(int netuid, int uid, CancellationToken cancellationToken = default);
}

/// <summary>Argument checks shared by the score store implementations.</summary>
internal static class ScoreArgs
{
    public static void Check(int netuid, int uid)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(netuid);
        ArgumentOutOfRangeException.ThrowIfNegative(uid);
    }

    public static void Check(int netuid, int uid, string hotkey, double sample, double alpha)
    {
        Check(netuid, uid);
        ArgumentException.ThrowIfNullOrEmpty(hotkey);
        if (!double.IsFinite(sample))
        {
            throw new ArgumentOutOfRangeException(nameof(sample), "sample must be a finite number");
        }

        if (!(alpha > 0 && alpha <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), "alpha must be in (0, 1]");
        }
    }
}

/// <summary>In-process score store: the embedded default for a single validator (lost when the process exits).</summary>
public sealed class InMemoryScoreStore : IScoreStore
{
    private readonly ConcurrentDictionary<(int Netuid, int Uid), ScoreRecord> _records = new();

    /// <inheritdoc />
    public ValueTask<ScoreRecord> UpdateAsync(int netuid, int uid, string hotkey, double sample, double alpha, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid, hotkey, sample, alpha);
        var at_ms = at.ToUnixTimeMilliseconds();
        var updated = _records.AddOrUpdate(
            (netuid, uid),
            static (k, s) => new ScoreRecord(k.Netuid, k.Uid, s.hotkey, ScoreRecord.Ema(0, s.sample, s.alpha), 1, s.at_ms),
            static (k, old, s) => old.Hotkey == s.hotkey
                ? old with { Score = ScoreRecord.Ema(old.Score, s.sample, s.alpha), SampleCount = old.SampleCount + 1, LastQueryUnixMs = s.at_ms }
                : new ScoreRecord(k.Netuid, k.Uid, s.hotkey, ScoreRecord.Ema(0, s.sample, s.alpha), 1, s.at_ms),
            (hotkey, sample, alpha, at_ms));
        return ValueTask.FromResult(updated);
    }

    /// <inheritdoc />
    public ValueTask<ScoreRecord?> GetAsync(int netuid, int uid, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid);
        return ValueTask.FromResult(_records.TryGetValue((netuid, uid), out var r) ? r : null);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ScoreRecord>> GetAllAsync(int netuid, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(netuid);
        IReadOnlyList<ScoreRecord> all = _records.Values.Where(r => r.Netuid == netuid).OrderBy(r => r.Uid).ToList();
        return ValueTask.FromResult(all);
    }

    /// <inheritdoc />
    public ValueTask<bool> SyncHotkeyAsync(int netuid, int uid, string hotkey, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid);
        ArgumentException.ThrowIfNullOrEmpty(hotkey);
        while (_records.TryGetValue((netuid, uid), out var current))
        {
            if (current.Hotkey == hotkey)
            {
                return ValueTask.FromResult(false);
            }

            if (_records.TryUpdate((netuid, uid), new ScoreRecord(netuid, uid, hotkey, 0, 0, 0), current))
            {
                return ValueTask.FromResult(true);
            }
        }

        return ValueTask.FromResult(false);
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(int netuid, int uid, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid);
        return ValueTask.FromResult(_records.TryRemove((netuid, uid), out _));
    }
}

/// <summary>
/// Redis score store: one hash per (netuid, uid) plus a sorted-set index per subnet. Updates run as one Lua
/// script, so concurrent workers never lose an update; Redis persistence (AOF/RDB) carries scores across restarts.
/// </summary>
public sealed class RedisScoreStore : IScoreStore
{
    // KEYS: record hash, subnet index. ARGV: hotkey, sample, alpha, at (unix ms), uid.
    // EMA arithmetic in Lua doubles, stored with 17 significant digits so it round-trips exactly.
    private static readonly RedisScript UpdateScript = new("""
        local hk = redis.call('HGET', KEYS[1], 'hotkey')
        local ema, count, reset = 0, 0, 0
        if hk then
          if hk == ARGV[1] then
            ema = tonumber(redis.call('HGET', KEYS[1], 'ema')) or 0
            count = tonumber(redis.call('HGET', KEYS[1], 'count')) or 0
          else
            reset = 1
          end
        end
        local alpha = tonumber(ARGV[3])
        ema = (alpha * tonumber(ARGV[2])) + ((1 - alpha) * ema)
        count = count + 1
        local text = string.format('%.17g', ema)
        redis.call('HSET', KEYS[1], 'hotkey', ARGV[1], 'ema', text, 'count', tostring(count), 'last', ARGV[4])
        redis.call('ZADD', KEYS[2], tonumber(ARGV[5]), ARGV[5])
        return {text, count, reset}
        """);

    // KEYS: record hash. ARGV: new hotkey. Resets only when a record exists under another hotkey.
    private static readonly RedisScript SyncScript = new("""
        local hk = redis.call('HGET', KEYS[1], 'hotkey')
        if hk and hk ~= ARGV[1] then
          redis.call('HSET', KEYS[1], 'hotkey', ARGV[1], 'ema', '0', 'count', '0', 'last', '0')
          return 1
        end
        return 0
        """);

    private readonly RedisClient _client;
    private readonly string _prefix;

    /// <summary>Creates the store over <paramref name="client"/>; every key starts with <paramref name="keyPrefix"/>.</summary>
    public RedisScoreStore(RedisClient client, string keyPrefix = "intelligence:")
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        _prefix = keyPrefix ?? throw new ArgumentNullException(nameof(keyPrefix));
    }

    private string RecordKey(int netuid, int uid) => string.Create(CultureInfo.InvariantCulture, $"{_prefix}score:{netuid}:{uid}");

    private string IndexKey(int netuid) => string.Create(CultureInfo.InvariantCulture, $"{_prefix}scores:{netuid}");

    /// <inheritdoc />
    public async ValueTask<ScoreRecord> UpdateAsync(int netuid, int uid, string hotkey, double sample, double alpha, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid, hotkey, sample, alpha);
        var atMs = at.ToUnixTimeMilliseconds();
        var reply = await _client.ScriptEvaluateAsync(UpdateScript, [RecordKey(netuid, uid), IndexKey(netuid)], [hotkey, sample, alpha, atMs, uid], cancellationToken).ConfigureAwait(false);
        var items = reply.Items ?? throw new RedisUnexpectedReplyException("score update script returned no array");
        return new ScoreRecord(netuid, uid, hotkey, items[0].AsDouble(), items[1].AsInt64(), atMs);
    }

    /// <inheritdoc />
    public async ValueTask<ScoreRecord?> GetAsync(int netuid, int uid, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid);
        return Parse(netuid, uid, await _client.HashGetAllAsync(RecordKey(netuid, uid), cancellationToken).ConfigureAwait(false));
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ScoreRecord>> GetAllAsync(int netuid, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(netuid);
        var uids = await _client.SortedSetRangeWithScoresAsync(IndexKey(netuid), 0, -1, cancellationToken).ConfigureAwait(false);
        var batch = _client.CreateBatch();
        var reads = uids.Select(u => (Uid: (int)u.Score, Read: batch.HashGetAllAsync(RecordKey(netuid, (int)u.Score), cancellationToken))).ToList();
        batch.Send();
        var result = new List<ScoreRecord>(reads.Count);
        foreach (var (uid, read) in reads)
        {
            if (Parse(netuid, uid, await read.ConfigureAwait(false)) is { } record)
            {
                result.Add(record);
            }
        }

        return result;
    }

    /// <inheritdoc />
    public async ValueTask<bool> SyncHotkeyAsync(int netuid, int uid, string hotkey, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid);
        ArgumentException.ThrowIfNullOrEmpty(hotkey);
        var reply = await _client.ScriptEvaluateAsync(SyncScript, [RecordKey(netuid, uid)], [hotkey], cancellationToken).ConfigureAwait(false);
        return reply.AsInt64() == 1;
    }

    /// <inheritdoc />
    public async ValueTask<bool> RemoveAsync(int netuid, int uid, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid);
        var batch = _client.CreateBatch();
        var deleted = batch.DeleteAsync(RecordKey(netuid, uid));
        var unindexed = batch.ExecuteAsync(["ZREM", IndexKey(netuid), uid], cancellationToken);
        batch.Send();
        await unindexed.ConfigureAwait(false);
        return await deleted.ConfigureAwait(false) == 1;
    }

    private static ScoreRecord? Parse(int netuid, int uid, Dictionary<string, byte[]> fields)
    {
        if (!fields.TryGetValue("hotkey", out var hotkey))
        {
            return null;
        }

        return new ScoreRecord(
            netuid,
            uid,
            System.Text.Encoding.UTF8.GetString(hotkey),
            Number(fields, "ema", out var ema) ? ema : throw Corrupt("ema"),
            Number(fields, "count", out var count) ? (long)count : throw Corrupt("count"),
            Number(fields, "last", out var last) ? (long)last : throw Corrupt("last"));
    }

    private static bool Number(Dictionary<string, byte[]> fields, string name, out double value)
    {
        value = 0;
        return fields.TryGetValue(name, out var raw) && RespFormat.TryParseDouble(raw, out value);
    }

    private static RedisUnexpectedReplyException Corrupt(string field) => new($"score record field '{field}' is missing or not a number");
}
