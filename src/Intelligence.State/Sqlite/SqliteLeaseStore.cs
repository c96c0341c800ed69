using Microsoft.Data.Sqlite;

namespace Intelligence.State.Stores;

/// <summary>
/// Leases in a SQLite file in the node's data folder (the embedded backend): every operation is one
/// <c>BEGIN IMMEDIATE</c> transaction with <c>synchronous=FULL</c>, so the compare-and-write is atomic even between
/// processes sharing the folder, and a guarded record (a pending weights commit) is on disk before the call returns.
/// Expiry is this host's wall clock.
/// </summary>
public sealed class SqliteLeaseStore : ILeaseStore, IAsyncDisposable
{
    /// <summary>File name inside the data folder.</summary>
    public const string DefaultFileName = "leases.db";

    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    private readonly SqliteConnection _connection;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private SqliteTransaction? _transaction;

    private SqliteLeaseStore(string path, SqliteConnection connection, TimeProvider time)
    {
        Path = path;
        _connection = connection;
        _time = time;
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>Opens (creating when missing) the lease file at <paramref name="path"/>.</summary>
    /// <exception cref="StateCorruptException">The file is not a SQLite database or is corrupt; it is left as is.</exception>
    /// <exception cref="StateException">It cannot be created or opened.</exception>
    public static SqliteLeaseStore Open(string path, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        path = System.IO.Path.GetFullPath(path);
        SqliteConnection? connection = null;
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
            connection.Open();
            // One statement per command: a batch stops at the first statement that returns a row (the pragmas do).
            foreach (var sql in new[]
            {
                "PRAGMA busy_timeout = 10000",
                "PRAGMA journal_mode = WAL",
                "PRAGMA synchronous = FULL",
                "CREATE TABLE IF NOT EXISTS leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_ms INTEGER NOT NULL) WITHOUT ROWID",
                "CREATE TABLE IF NOT EXISTS lease_records (lease TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (lease, key)) WITHOUT ROWID",
            })
            {
                using var setup = connection.CreateCommand();
                setup.CommandText = sql;
                setup.ExecuteScalar();
            }

            return new SqliteLeaseStore(path, connection, time ?? TimeProvider.System);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            connection?.Dispose();
            throw e is SqliteException { SqliteErrorCode: SqliteCorrupt or SqliteNotADatabase }
                ? new StateCorruptException($"lease file {path} is corrupt ({e.Message}); it was left as is: move it away (a pending weights commit in it is lost)", path, e)
                : new StateException($"lease file {path} could not be opened: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> TryAcquireAsync(string lease, string holder, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease, holder, ttl);
        return Run(now =>
        {
            var current = Holder(lease, now);
            if (current is not null && current != holder)
            {
                return false;
            }

            Execute("INSERT INTO leases (name, holder, expires_ms) VALUES ($n, $h, $e) ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms",
                ("$n", lease), ("$h", holder), ("$e", now + LeaseArgs.Milliseconds(ttl)));
            return true;
        });
    }

    /// <inheritdoc />
    public ValueTask<bool> TryRenewAsync(string lease, string holder, TimeSpan ttl, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease, holder, ttl);
        return Run(now => Execute("UPDATE leases SET expires_ms = $e WHERE name = $n AND holder = $h AND expires_ms > $now",
            ("$n", lease), ("$h", holder), ("$e", now + LeaseArgs.Milliseconds(ttl)), ("$now", now)) == 1);
    }

    /// <inheritdoc />
    public ValueTask<bool> ReleaseAsync(string lease, string holder, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease, holder);
        return Run(now => Execute("DELETE FROM leases WHERE name = $n AND holder = $h AND expires_ms > $now", ("$n", lease), ("$h", holder), ("$now", now)) == 1);
    }

    /// <inheritdoc />
    public ValueTask<LeaseHolder?> GetHolderAsync(string lease, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease);
        return Run(now =>
        {
            using var select = Command("SELECT holder, expires_ms FROM leases WHERE name = $n AND expires_ms > $now", ("$n", lease), ("$now", now));
            using var reader = select.ExecuteReader();
            return reader.Read() ? new LeaseHolder(reader.GetString(0), TimeSpan.FromMilliseconds(reader.GetInt64(1) - now)) : null;
        });
    }

    /// <inheritdoc />
    public ValueTask<bool> TryWriteAsync(string lease, string holder, string key, string? value, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease, holder);
        ArgumentException.ThrowIfNullOrEmpty(key);
        return Run(now =>
        {
            if (Holder(lease, now) != holder)
            {
                return false;
            }

            if (value is null)
            {
                Execute("DELETE FROM lease_records WHERE lease = $l AND key = $k", ("$l", lease), ("$k", key));
            }
            else
            {
                Execute("INSERT INTO lease_records (lease, key, value) VALUES ($l, $k, $v) ON CONFLICT (lease, key) DO UPDATE SET value = excluded.value",
                    ("$l", lease), ("$k", key), ("$v", value));
            }

            return true;
        });
    }

    /// <inheritdoc />
    public ValueTask<string?> ReadAsync(string lease, string key, CancellationToken cancellationToken = default)
    {
        LeaseArgs.Check(lease);
        ArgumentException.ThrowIfNullOrEmpty(key);
        return Run(_ =>
        {
            using var select = Command("SELECT value FROM lease_records WHERE lease = $l AND key = $k", ("$l", lease), ("$k", key));
            return select.ExecuteScalar() as string;
        });
    }

    /// <summary>Closes the file.</summary>
    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    // One immediate (write-locked) transaction per operation: atomic against other connections to the file too.
    private ValueTask<T> Run<T>(Func<long, T> work)
    {
        lock (_gate)
        {
            try
            {
                using var transaction = _connection.BeginTransaction(deferred: false);
                _transaction = transaction;
                var result = work(_time.GetUtcNow().ToUnixTimeMilliseconds());
                transaction.Commit();
                return ValueTask.FromResult(result);
            }
            catch (SqliteException e)
            {
                throw e.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase
                    ? new StateCorruptException($"lease file {Path} is corrupt: {e.Message}", Path, e)
                    : new StateException($"lease file {Path}: {e.Message}", e);
            }
            finally
            {
                _transaction = null;
            }
        }
    }

    private string? Holder(string lease, long now)
    {
        using var select = Command("SELECT holder FROM leases WHERE name = $n AND expires_ms > $now", ("$n", lease), ("$now", now));
        return select.ExecuteScalar() as string;
    }

    private int Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var command = Command(sql, parameters);
        return command.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command;
    }
}
