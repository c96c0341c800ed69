using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Intelligence.State.Stores;

/// <summary>
/// The embedded default: scores in one SQLite file in the node's data folder (WAL journal, <c>synchronous=FULL</c>), so
/// an update is acknowledged only after its commit reached the disk and a SIGKILL or power cut loses none of them.
/// One writer loop owns the connection and commits whatever is queued as one transaction (group commit): many
/// concurrent updates, or one <see cref="UpdateManyAsync"/> per validator step, share one fsync.
/// A file that is empty, truncated, corrupt or not a score store raises <see cref="StateCorruptException"/> and is
/// left untouched; it is never replaced by an empty store.
/// </summary>
public sealed class SqliteScoreStore : IScoreStore, IAsyncDisposable
{
    /// <summary>File name inside the data folder.</summary>
    public const string DefaultFileName = "scores.db";

    // "INTS": marks the file as ours, so another SQLite database in the same place is refused, not reused.
    private const long ApplicationId = 0x494E5453;
    private const long SchemaVersion = 1;
    private const int MaxBatch = 4096;
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    private readonly SqliteConnection _connection;
    private readonly Channel<Operation> _queue = Channel.CreateUnbounded<Operation>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private readonly SqliteCommand _select;
    private readonly SqliteCommand _upsert;
    private readonly SqliteCommand _delete;
    private readonly SqliteCommand _selectAll;

    private SqliteScoreStore(string path, SqliteConnection connection)
    {
        Path = path;
        _connection = connection;
        _select = Command("SELECT hotkey, ema, count, last_ms FROM scores WHERE netuid = $netuid AND uid = $uid", "$netuid", "$uid");
        _upsert = Command(
            "INSERT INTO scores (netuid, uid, hotkey, ema, count, last_ms) VALUES ($netuid, $uid, $hotkey, $ema, $count, $last) "
            + "ON CONFLICT (netuid, uid) DO UPDATE SET hotkey = excluded.hotkey, ema = excluded.ema, count = excluded.count, last_ms = excluded.last_ms",
            "$netuid", "$uid", "$hotkey", "$ema", "$count", "$last");
        _delete = Command("DELETE FROM scores WHERE netuid = $netuid AND uid = $uid", "$netuid", "$uid");
        _selectAll = Command("SELECT uid, hotkey, ema, count, last_ms FROM scores WHERE netuid = $netuid ORDER BY uid", "$netuid");
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens the store at <paramref name="path"/>, creating it (and its folder) when the file does not exist. An existing
    /// file is checked first (SQLite header, our application id and schema version, <c>PRAGMA quick_check</c>).
    /// </summary>
    /// <exception cref="StateCorruptException">The file exists but is empty, truncated, corrupt or not a score store.</exception>
    public static SqliteScoreStore Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        path = System.IO.Path.GetFullPath(path);
        if (!File.Exists(path))
        {
            try
            {
                Create(path);
            }
            catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
            {
                throw new StateException($"score store {path} could not be created: {e.Message}", e);
            }
        }
        else if (new FileInfo(path).Length == 0)
        {
            throw new StateCorruptException($"score store {path} is empty (truncated to zero bytes); it was left as is: restore it from a backup, or move it away to start with no scores", path);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWrite, Pooling = false }.ToString());
        try
        {
            connection.Open();
            Check(connection, path);
            Execute(connection, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000;");
            return new SqliteScoreStore(path, connection);
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw e.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase
                ? new StateCorruptException($"score store {path} is corrupt ({e.Message}); it was left as is: restore it from a backup, or move it away to start with no scores", path, e)
                : new StateException($"score store {path} could not be opened: {e.Message}", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public ValueTask<ScoreRecord> UpdateAsync(int netuid, int uid, string hotkey, double sample, double alpha, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid, hotkey, sample, alpha);
        var s = new ScoreSample(netuid, uid, hotkey, sample, alpha, at);
        return Enqueue(() => Apply(s), cancellationToken);
    }

    /// <summary>Folds the whole step in one transaction: one durable commit for all of its samples.</summary>
    public ValueTask<IReadOnlyList<ScoreRecord>> UpdateManyAsync(IReadOnlyList<ScoreSample> samples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var copy = samples.ToArray();
        foreach (var s in copy)
        {
            ScoreArgs.Check(s.Netuid, s.Uid, s.Hotkey, s.Sample, s.Alpha);
        }

        return Enqueue<IReadOnlyList<ScoreRecord>>(() => Array.ConvertAll(copy, Apply), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<ScoreRecord?> GetAsync(int netuid, int uid, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid);
        return Enqueue(() => Read(netuid, uid), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ScoreRecord>> GetAllAsync(int netuid, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(netuid);
        return Enqueue<IReadOnlyList<ScoreRecord>>(
            () =>
            {
                _selectAll.Parameters[0].Value = netuid;
                using var reader = _selectAll.ExecuteReader();
                var all = new List<ScoreRecord>();
                while (reader.Read())
                {
                    all.Add(new ScoreRecord(netuid, reader.GetInt32(0), reader.GetString(1), reader.GetDouble(2), reader.GetInt64(3), reader.GetInt64(4)));
                }

                return all;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<bool> SyncHotkeyAsync(int netuid, int uid, string hotkey, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid);
        ArgumentException.ThrowIfNullOrEmpty(hotkey);
        return Enqueue(() => Reset(netuid, uid, hotkey), cancellationToken);
    }

    /// <summary>Syncs every neuron of the subnet in one transaction: one durable commit for the whole metagraph.</summary>
    public ValueTask<IReadOnlyList<int>> SyncHotkeysAsync(int netuid, IReadOnlyList<NeuronHotkey> neurons, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, neurons);
        var copy = neurons.ToArray();
        return Enqueue<IReadOnlyList<int>>(() => [.. copy.Where(n => Reset(netuid, n.Uid, n.Hotkey)).Select(n => n.Uid)], cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(int netuid, int uid, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid);
        return Enqueue(
            () =>
            {
                _delete.Parameters[0].Value = netuid;
                _delete.Parameters[1].Value = uid;
                return _delete.ExecuteNonQuery() == 1;
            },
            cancellationToken);
    }

    /// <summary>Stops the writer after the queued operations are committed, then closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_queue.Writer.TryComplete())
        {
            await _loop.ConfigureAwait(false);
            foreach (var command in new[] { _select, _upsert, _delete, _selectAll })
            {
                command.Dispose();
            }

            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static void Create(string path)
    {
        var folder = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(folder);

        // Built under a temporary name and renamed into place, so a crash mid-creation never leaves a half-made
        // (or zero-byte) file at the real path for the next start to mistake for a store.
        var temporary = path + ".new-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = temporary, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString()))
            {
                connection.Open();
                Execute(connection, $"""
                    PRAGMA application_id = {ApplicationId};
                    PRAGMA user_version = {SchemaVersion};
                    CREATE TABLE scores (
                      netuid INTEGER NOT NULL, uid INTEGER NOT NULL, hotkey TEXT NOT NULL,
                      ema REAL NOT NULL, count INTEGER NOT NULL, last_ms INTEGER NOT NULL,
                      PRIMARY KEY (netuid, uid)) WITHOUT ROWID;
                    """);
            }

            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs.
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static void Check(SqliteConnection connection, string path)
    {
        var id = Scalar(connection, "PRAGMA application_id");
        var version = Scalar(connection, "PRAGMA user_version");
        if (id != ApplicationId)
        {
            throw new StateCorruptException($"{path} is a SQLite file but not an Intelligence score store (application id {id}); it was left as is", path);
        }

        if (version != SchemaVersion)
        {
            throw new StateCorruptException($"score store {path} has schema version {version}, this build reads version {SchemaVersion}; it was left as is", path);
        }

        using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA quick_check";
        var problems = new List<string>();
        using (var reader = check.ExecuteReader())
        {
            while (reader.Read())
            {
                problems.Add(reader.GetString(0));
            }
        }

        if (problems is not ["ok"])
        {
            throw new StateCorruptException($"score store {path} is corrupt ({string.Join("; ", problems.Take(3))}); it was left as is: restore it from a backup, or move it away to start with no scores", path);
        }
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params string[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    private ScoreRecord Apply(ScoreSample s)
    {
        var at = s.At.ToUnixTimeMilliseconds();
        var record = Read(s.Netuid, s.Uid) is { } current && current.Hotkey == s.Hotkey
            ? current with { Score = ScoreRecord.Ema(current.Score, s.Sample, s.Alpha), SampleCount = current.SampleCount + 1, LastQueryUnixMs = at }
            : new ScoreRecord(s.Netuid, s.Uid, s.Hotkey, ScoreRecord.Ema(0, s.Sample, s.Alpha), 1, at);
        Write(record);
        return record;
    }

    // Resets (netuid, uid) to zero under hotkey when a record exists under another one.
    private bool Reset(int netuid, int uid, string hotkey)
    {
        if (Read(netuid, uid) is not { } current || current.Hotkey == hotkey)
        {
            return false;
        }

        Write(new ScoreRecord(netuid, uid, hotkey, 0, 0, 0));
        return true;
    }

    private ScoreRecord? Read(int netuid, int uid)
    {
        _select.Parameters[0].Value = netuid;
        _select.Parameters[1].Value = uid;
        using var reader = _select.ExecuteReader();
        return reader.Read() ? new ScoreRecord(netuid, uid, reader.GetString(0), reader.GetDouble(1), reader.GetInt64(2), reader.GetInt64(3)) : null;
    }

    private void Write(ScoreRecord r)
    {
        _upsert.Parameters[0].Value = r.Netuid;
        _upsert.Parameters[1].Value = r.Uid;
        _upsert.Parameters[2].Value = r.Hotkey;
        _upsert.Parameters[3].Value = r.Score;
        _upsert.Parameters[4].Value = r.SampleCount;
        _upsert.Parameters[5].Value = r.LastQueryUnixMs;
        _upsert.ExecuteNonQuery();
    }

    private ValueTask<T> Enqueue<T>(Func<T> work, CancellationToken cancellationToken)
    {
        var operation = new Operation<T>(work);
        if (!_queue.Writer.TryWrite(operation))
        {
            throw new ObjectDisposedException(nameof(SqliteScoreStore));
        }

        // A cancelled caller stops waiting; the operation itself still runs (it may already be committed).
        return new ValueTask<T>(operation.Completion.Task.WaitAsync(cancellationToken));
    }

    // The one writer: takes everything queued, runs it inside one transaction, commits (fsync), then completes callers.
    private async Task RunAsync()
    {
        var batch = new List<Operation>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var op))
            {
                batch.Add(op);
            }

            Exception? failure = null;
            try
            {
                using var transaction = _connection.BeginTransaction();
                foreach (var command in new[] { _select, _upsert, _delete, _selectAll })
                {
                    command.Transaction = transaction;
                }

                foreach (var op in batch)
                {
                    op.Run();
                }

                transaction.Commit();
            }
            catch (SqliteException e)
            {
                failure = e.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase
                    ? new StateCorruptException($"score store {Path} is corrupt: {e.Message}", Path, e)
                    : new StateException($"score store {Path}: {e.Message}", e);
            }
            catch (Exception e)
            {
                // Whatever went wrong, the loop keeps serving and every caller of the batch hears about it.
                failure = e is StateException ? e : new StateException($"score store {Path}: {e.Message}", e);
            }

            foreach (var op in batch)
            {
                op.Finish(failure);
            }
        }
    }

    private abstract class Operation
    {
        public abstract void Run();

        public abstract void Finish(Exception? failure);
    }

    private sealed class Operation<T>(Func<T> work) : Operation
    {
        private T _result = default!;

        public TaskCompletionSource<T> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override void Run() => _result = work();

        public override void Finish(Exception? failure)
        {
            if (failure is null)
            {
                Completion.TrySetResult(_result);
            }
            else
            {
                Completion.TrySetException(failure);
            }
        }
    }
}
