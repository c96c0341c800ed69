using System.Globalization;
using StackExchange.Redis;

namespace Intelligence.State.Stores;

/// <summary>
/// Redis score store over a shared <see cref="IConnectionMultiplexer"/>: one hash per (netuid, uid) plus a sorted-set
/// index per subnet, both under the subnet's hash tag. Updates run as one server-side Lua script (EVALSHA), so
/// concurrent workers never lose an update; Redis persistence (AOF/RDB) carries scores across restarts.
/// </summary>
public sealed class RedisScoreStore : IScoreStore
{
    // KEYS: record hash, subnet index. ARGV: hotkey, sample, alpha, at (unix ms), uid.
    // EMA arithmetic in Lua doubles, stored with 17 significant digits so it round-trips exactly.
    internal const string UpdateLua = """
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
        """;

    // KEYS: record hash. ARGV: new hotkey. Resets only when a record exists under another hotkey.
    private const string SyncLua = """
        local hk = redis.call('HGET', KEYS[1], 'hotkey')
        if hk and hk ~= ARGV[1] then
          redis.call('HSET', KEYS[1], 'hotkey', ARGV[1], 'ema', '0', 'count', '0', 'last', '0')
          return 1
        end
        return 0
        """;

    // KEYS: record hash, subnet index. ARGV: uid. Deletes both together.
    private const string RemoveLua = """
        local n = redis.call('DEL', KEYS[1])
        redis.call('ZREM', KEYS[2], ARGV[1])
        return n
        """;

    private static readonly RedisValue[] RecordFields = ["hotkey", "ema", "count", "last"];

    private readonly IDatabase _db;
    private readonly string _prefix;

    /// <summary>Creates the store over <paramref name="redis"/> (shared by the process); every key starts with <paramref name="keyPrefix"/>.</summary>
    public RedisScoreStore(IConnectionMultiplexer redis, string keyPrefix = StateOptions.DefaultKeyPrefix, int database = -1)
    {
        ArgumentNullException.ThrowIfNull(redis);
        _db = redis.GetDatabase(database);
        _prefix = RedisKeys.CheckPrefix(keyPrefix);
    }

    /// <inheritdoc />
    public async ValueTask<ScoreRecord> UpdateAsync(int netuid, int uid, string hotkey, double sample, double alpha, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid, hotkey, sample, alpha);
        try
        {
            return Updated(netuid, uid, hotkey, at, await Update(_db, netuid, uid, hotkey, sample, alpha, at).WaitAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>All samples of a validator step written together (one pipelined batch, each update its own script).</summary>
    public async ValueTask<IReadOnlyList<ScoreRecord>> UpdateManyAsync(IReadOnlyList<ScoreSample> samples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(samples);
        foreach (var s in samples)
        {
            ScoreArgs.Check(s.Netuid, s.Uid, s.Hotkey, s.Sample, s.Alpha);
        }

        var batch = _db.CreateBatch();
        var pending = new Task<RedisResult>[samples.Count];
        for (var i = 0; i < pending.Length; i++)
        {
            var s = samples[i];
            pending[i] = Update(batch, s.Netuid, s.Uid, s.Hotkey, s.Sample, s.Alpha, s.At);
        }

        batch.Execute();
        var result = new ScoreRecord[pending.Length];
        try
        {
            for (var i = 0; i < pending.Length; i++)
            {
                var s = samples[i];
                result[i] = Updated(s.Netuid, s.Uid, s.Hotkey, s.At, await pending[i].WaitAsync(cancellationToken).ConfigureAwait(false));
            }
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }

        return result;
    }

    /// <inheritdoc />
    public async ValueTask<ScoreRecord?> GetAsync(int netuid, int uid, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid);
        try
        {
            return Parse(netuid, uid, await _db.HashGetAsync(RedisKeys.Record(_prefix, netuid, uid), RecordFields).WaitAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ScoreRecord>> GetAllAsync(int netuid, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(netuid);
        try
        {
            var uids = await _db.SortedSetRangeByRankWithScoresAsync(RedisKeys.Index(_prefix, netuid)).WaitAsync(cancellationToken).ConfigureAwait(false);
            var reads = uids.Select(u => (Uid: (int)u.Score, Read: _db.HashGetAsync(RedisKeys.Record(_prefix, netuid, (int)u.Score), RecordFields))).ToList();
            var result = new List<ScoreRecord>(reads.Count);
            foreach (var (uid, read) in reads)
            {
                if (Parse(netuid, uid, await read.WaitAsync(cancellationToken).ConfigureAwait(false)) is { } record)
                {
                    result.Add(record);
                }
            }

            return result;
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> SyncHotkeyAsync(int netuid, int uid, string hotkey, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid);
        ArgumentException.ThrowIfNullOrEmpty(hotkey);
        try
        {
            return (long)await Sync(_db, netuid, uid, hotkey).WaitAsync(cancellationToken).ConfigureAwait(false) == 1;
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>Syncs every neuron of the subnet in one pipelined batch (each reset its own script, as one sync).</summary>
    public async ValueTask<IReadOnlyList<int>> SyncHotkeysAsync(int netuid, IReadOnlyList<NeuronHotkey> neurons, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, neurons);
        var batch = _db.CreateBatch();
        var pending = new Task<RedisResult>[neurons.Count];
        for (var i = 0; i < pending.Length; i++)
        {
            pending[i] = Sync(batch, netuid, neurons[i].Uid, neurons[i].Hotkey);
        }

        batch.Execute();
        var reset = new List<int>();
        try
        {
            for (var i = 0; i < pending.Length; i++)
            {
                if ((long)await pending[i].WaitAsync(cancellationToken).ConfigureAwait(false) == 1)
                {
                    reset.Add(neurons[i].Uid);
                }
            }
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }

        return reset;
    }

    /// <inheritdoc />
    public async ValueTask<bool> RemoveAsync(int netuid, int uid, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid);
        try
        {
            var reply = await _db.ScriptEvaluateAsync(RemoveLua, [RedisKeys.Record(_prefix, netuid, uid), RedisKeys.Index(_prefix, netuid)], [uid]).WaitAsync(cancellationToken).ConfigureAwait(false);
            return (long)reply == 1;
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    private Task<RedisResult> Sync(IDatabaseAsync db, int netuid, int uid, string hotkey) =>
        db.ScriptEvaluateAsync(SyncLua, [RedisKeys.Record(_prefix, netuid, uid)], [hotkey]);

    private Task<RedisResult> Update(IDatabaseAsync db, int netuid, int uid, string hotkey, double sample, double alpha, DateTimeOffset at) =>
        db.ScriptEvaluateAsync(
            UpdateLua,
            [RedisKeys.Record(_prefix, netuid, uid), RedisKeys.Index(_prefix, netuid)],
            [hotkey, Text(sample), Text(alpha), at.ToUnixTimeMilliseconds(), uid]);

    private static ScoreRecord Updated(int netuid, int uid, string hotkey, DateTimeOffset at, RedisResult reply)
    {
        if (reply.Resp2Type != ResultType.Array || reply.Length < 2)
        {
            throw new StateCorruptException("the score update script returned an unexpected reply");
        }

        return new ScoreRecord(netuid, uid, hotkey, Number((string?)reply[0], "ema"), (long)reply[1], at.ToUnixTimeMilliseconds());
    }

    // "R" gives the shortest text that parses back to the same double: Lua's tonumber reads it exactly.
    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static ScoreRecord? Parse(int netuid, int uid, RedisValue[] fields)
    {
        if (fields[0].IsNull)
        {
            return null;
        }

        return new ScoreRecord(netuid, uid, fields[0]!, Number(fields[1], "ema"), (long)Number(fields[2], "count"), (long)Number(fields[3], "last"));
    }

    private static double Number(string? text, string field) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value)
            ? value
            : throw new StateCorruptException($"score record field '{field}' is missing or not a number");
}
