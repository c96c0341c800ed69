using System.Text.Json;
using Intelligence.State.Stores;

namespace Intelligence.Validator;

/// <summary>
/// The embedded score store: the records in memory, written to one JSON file in the data folder after every step
/// (temporary file then rename, so a crash leaves the old or the new file, never half of one). Same semantics as the
/// other <see cref="IScoreStore"/>s: EMA by <see cref="ScoreRecord.Ema"/>, reset when a UID's hotkey changes.
/// </summary>
public sealed class FileScoreStore : IScoreStore
{
    private readonly string _path;
    private readonly Lock _lock = new();
    private readonly Dictionary<(int Netuid, int Uid), ScoreRecord> _records = [];

    private FileScoreStore(string path) => _path = path;

    /// <summary>Opens (or creates) the store file.</summary>
    public static FileScoreStore Open(string path)
    {
        var store = new FileScoreStore(path);
        if (File.Exists(path))
        {
            var records = JsonSerializer.Deserialize<List<ScoreRecord>>(File.ReadAllText(path)) ?? [];
            foreach (var r in records)
            {
                store._records[(r.Netuid, r.Uid)] = r;
            }
        }
        return store;
    }

    /// <summary>Writes the records to disk.</summary>
    public void Flush()
    {
        List<ScoreRecord> all;
        lock (_lock)
        {
            all = [.. _records.Values.OrderBy(r => r.Netuid).ThenBy(r => r.Uid)];
        }
        var dir = Path.GetDirectoryName(Path.GetFullPath(_path))!;
        Directory.CreateDirectory(dir);
        var tmp = _path + ".tmp";
        using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            JsonSerializer.Serialize(file, all);
            file.Flush(flushToDisk: true);
        }
        File.Move(tmp, _path, overwrite: true);
    }

    /// <inheritdoc />
    public ValueTask<ScoreRecord> UpdateAsync(int netuid, int uid, string hotkey, double sample, double alpha, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(hotkey);
        if (!double.IsFinite(sample) || !(alpha > 0 && alpha <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(sample), "sample must be finite and alpha in (0, 1]");
        }
        lock (_lock)
        {
            var ms = at.ToUnixTimeMilliseconds();
            var updated = _records.TryGetValue((netuid, uid), out var old) && old.Hotkey == hotkey
                ? old with { Score = ScoreRecord.Ema(old.Score, sample, alpha), SampleCount = old.SampleCount + 1, LastQueryUnixMs = ms }
                : new ScoreRecord(netuid, uid, hotkey, ScoreRecord.Ema(0, sample, alpha), 1, ms);
            _records[(netuid, uid)] = updated;
            return ValueTask.FromResult(updated);
        }
    }

    /// <inheritdoc />
    public ValueTask<ScoreRecord?> GetAsync(int netuid, int uid, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_records.TryGetValue((netuid, uid), out var r) ? r : null);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ScoreRecord>> GetAllAsync(int netuid, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<ScoreRecord> all = [.. _records.Values.Where(r => r.Netuid == netuid).OrderBy(r => r.Uid)];
            return ValueTask.FromResult(all);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> SyncHotkeyAsync(int netuid, int uid, string hotkey, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_records.TryGetValue((netuid, uid), out var r) && r.Hotkey != hotkey)
            {
                _records[(netuid, uid)] = new ScoreRecord(netuid, uid, hotkey, 0, 0, 0);
                return ValueTask.FromResult(true);
            }
            return ValueTask.FromResult(false);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(int netuid, int uid, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_records.Remove((netuid, uid)));
        }
    }
}
