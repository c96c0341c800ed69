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
    // KEYS[1]: the subnet index; KEYS[1 + i]: record hash i (all under the subnet's hash tag). ARGV[5i-4 .. 5i]: hotkey,
    // sample, alpha, at (unix ms), uid of update i. Applied in order, so a uid may appear more than once. EMA arithmetic
    // in Lua doubles, stored with 17 significant digits so it round-trips exactly. Returns ema text, count, reset per update.
    internal const string UpdateLua = """
        local out = {}
        for i = 1, #KEYS - 1 do
          local key, a = KEYS[i + 1], (i - 1) * 5
          local old = redis.call('HMGET', key, 'hotkey', 'ema', 'count')
          local ema, count, reset = 0, 0, 0
          if old[1] then
            if old[1] == ARGV[a + 1] then
              ema = tonumber(old[2]) or 0
              count = tonumber(old[3]) or 0
            else
              reset = 1
            end
          end
          local alpha = tonumber(ARGV[a + 3])
          ema = (alpha * tonumber(ARGV[a + 2])) + ((1 - alpha) * ema)
          count = count + 1
          local text = string.format('%.17g', ema)
          redis.call('HSET', key, 'hotkey', ARGV[a + 1], 'ema', text, 'count', tostring(count), 'last', ARGV[a + 4])
          redis.call('ZADD', KEYS[1], tonumber(ARGV[a + 5]), ARGV[a + 5])
          out[#out + 1] = text
          out[#out + 1] = count
          out[#out + 1] = reset
        end
        return out
        """;

    /// <summary>Most updates one script call carries: long enough to amortise a call, short enough not to hold Redis up (each update is a few microseconds there).</summary>
    internal const int UpdatesPerScript = 64;

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
            ScoreSample[] one = [new(netuid, uid, hotkey, sample, alpha, at)];
            var result = new ScoreRecord[1];
            Updated(one, 0, 1, await Update(_db, one, 0, 1).WaitAsync(cancellationToken).ConfigureAwait(false), result);
            return result[0];
        }
        catch (Exception e) when (RedisErrors.Map(e) is { } mapped)
        {
            throw mapped;
        }
    }

    /// <summary>
    /// All samples of a validator step written together: one script call per run of up to <see cref="UpdatesPerScript"/>
    /// consecutive samples of one subnet (atomic per call), the calls pipelined in one batch.
    /// </summary>
    public async ValueTask<IReadOnlyList<ScoreRecord>> UpdateManyAsync(IReadOnlyList<ScoreSample> samples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(samples);
        foreach (var s in samples)
        {
            ScoreArgs.Check(s.Netuid, s.Uid, s.Hotkey, s.Sample, s.Alpha);
        }

        var batch = _db.CreateBatch();
        var pending = new List<(int First, int Count, Task<RedisResult> Reply)>();
        for (var first = 0; first < samples.Count;)
        {
            var count = 1;
            while (count < UpdatesPerScript && first + count < samples.Count && samples[first + count].Netuid == samples[first].Netuid)
            {
                count++;
            }

            pending.Add((first, count, Update(batch, samples, first, count)));
            first += count;
        }

        batch.Execute();
        var result = new ScoreRecord[samples.Count];
        try
        {
            foreach (var (first, count, reply) in pending)
            {
                Updated(samples, first, count, await reply.WaitAsync(cancellationToken).ConfigureAwait(false), result);
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

    // One script call for samples[first .. first + count), all of one subnet.
    private Task<RedisResult> Update(IDatabaseAsync db, IReadOnlyList<ScoreSample> samples, int first, int count)
    {
        var netuid = samples[first].Netuid;
        var keys = new RedisKey[count + 1];
        var values = new RedisValue[count * 5];
        keys[0] = RedisKeys.Index(_prefix, netuid);
        for (var i = 0; i < count; i++)
        {
            var s = samples[first + i];
            keys[i + 1] = RedisKeys.Record(_prefix, netuid, s.Uid);
            values[(i * 5) + 0] = s.Hotkey;
            values[(i * 5) + 1] = Text(s.Sample);
            values[(i * 5) + 2] = Text(s.Alpha);
            values[(i * 5) + 3] = s.At.ToUnixTimeMilliseconds();
            values[(i * 5) + 4] = s.Uid;
        }

        return db.ScriptEvaluateAsync(UpdateLua, keys, values);
    }

    private static void Updated(IReadOnlyList<ScoreSample> samples, int first, int count, RedisResult reply, ScoreRecord[] result)
    {
        if (reply.Resp2Type != ResultType.Array || reply.Length != count * 3)
        {
            throw new StateCorruptException("the score update script returned an unexpected reply");
        }

        for (var i = 0; i < count; i++)
        {
            var s = samples[first + i];
            result[first + i] = new ScoreRecord(s.Netuid, s.Uid, s.Hotkey, Number((string?)reply[i * 3], "ema"), (long)reply[(i * 3) + 1], s.At.ToUnixTimeMilliseconds());
        }
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
