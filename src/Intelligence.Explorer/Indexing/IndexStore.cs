using System.Globalization;
using System.Numerics;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Intelligence.Explorer.Indexing;

/// <summary>One stored epoch, as the API serves it.</summary>
public sealed record StoredEpoch(
    ushort Netuid, ulong Epoch, ulong Block, ulong Time, BigInteger Emission, BigInteger KeeperFee, BigInteger OwnerEmission,
    string Keeper, BigInteger Burn, BigInteger Supply, BigInteger Issuance, int N, string Verdict, IReadOnlyList<string> Differences);

/// <summary>One neuron's values after one epoch.</summary>
public sealed record NeuronEpoch(
    ushort Netuid, ulong Epoch, ulong Block, ushort Uid, string Hotkey, string Coldkey, BigInteger Stake, ushort Incentive,
    ushort Dividends, BigInteger Emission, ushort Consensus, ushort ValidatorTrust, bool ValidatorPermit, bool Active);

/// <summary>
/// The explorer's history in SQLite: events, epochs (with their weights, bonds, case file and parity verdict), each
/// neuron's values per epoch, and block-hash checkpoints near the tip so a reorganisation can be rolled back. A restart
/// resumes from the last stored block instead of re-reading the chain.
/// </summary>
public sealed class IndexStore
{
    private const int SchemaVersion = 1;
    private readonly string _connectionString;

    /// <summary>Opens (creating when needed) the database at <paramref name="path"/>.</summary>
    public IndexStore(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true }.ToString();
        using var c = Open();
        Execute(c, "PRAGMA journal_mode=WAL;");
        Execute(c, """
            CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS checkpoints(block INTEGER PRIMARY KEY, hash TEXT NOT NULL, time INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS events(block INTEGER NOT NULL, log_index INTEGER NOT NULL, tx TEXT NOT NULL, kind TEXT NOT NULL,
                netuid INTEGER, fields TEXT NOT NULL, PRIMARY KEY(block, log_index));
            CREATE INDEX IF NOT EXISTS events_netuid ON events(netuid, kind, block);
            CREATE TABLE IF NOT EXISTS epochs(netuid INTEGER NOT NULL, epoch INTEGER NOT NULL, block INTEGER NOT NULL, time INTEGER NOT NULL,
                emission TEXT NOT NULL, keeper_fee TEXT NOT NULL, owner_emission TEXT NOT NULL, keeper TEXT NOT NULL, burn TEXT NOT NULL,
                supply TEXT NOT NULL, issuance TEXT NOT NULL, n INTEGER NOT NULL, verdict TEXT NOT NULL, differences TEXT NOT NULL,
                weights TEXT NOT NULL, bonds TEXT NOT NULL, case_json TEXT, PRIMARY KEY(netuid, epoch));
            CREATE INDEX IF NOT EXISTS epochs_block ON epochs(block);
            CREATE TABLE IF NOT EXISTS neuron_epochs(netuid INTEGER NOT NULL, epoch INTEGER NOT NULL, block INTEGER NOT NULL, uid INTEGER NOT NULL,
                hotkey TEXT NOT NULL, coldkey TEXT NOT NULL, stake TEXT NOT NULL, incentive INTEGER NOT NULL, dividends INTEGER NOT NULL,
                emission TEXT NOT NULL, consensus INTEGER NOT NULL, vtrust INTEGER NOT NULL, permit INTEGER NOT NULL, active INTEGER NOT NULL,
                PRIMARY KEY(netuid, epoch, uid));
            CREATE INDEX IF NOT EXISTS neuron_epochs_hotkey ON neuron_epochs(hotkey, netuid, epoch);
            """);
        if (GetMeta("schema") is { } v && v != SchemaVersion.ToString(CultureInfo.InvariantCulture))
        {
            Reset();
        }
        SetMeta("schema", SchemaVersion.ToString(CultureInfo.InvariantCulture));
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection(_connectionString);
        c.Open();
        return c;
    }

    /// <summary>A value of the meta table, or null.</summary>
    public string? GetMeta(string key)
    {
        using var c = Open();
        using var cmd = Command(c, "SELECT value FROM meta WHERE key = $k", ("$k", key));
        return cmd.ExecuteScalar() as string;
    }

    /// <summary>Sets a value of the meta table.</summary>
    public void SetMeta(string key, string value)
    {
        using var c = Open();
        using var cmd = Command(c, "INSERT INTO meta(key, value) VALUES($k, $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value", ("$k", key), ("$v", value));
        cmd.ExecuteNonQuery();
    }

    /// <summary>The last block whose events are stored, or null when nothing is indexed yet.</summary>
    public ulong? LastBlock => GetMeta("last_block") is { } s ? ulong.Parse(s, CultureInfo.InvariantCulture) : null;

    /// <summary>Forgets everything indexed (the deployment changed, or a reorganisation went deeper than the checkpoints).</summary>
    public void Reset()
    {
        using var c = Open();
        Execute(c, "DELETE FROM checkpoints; DELETE FROM events; DELETE FROM epochs; DELETE FROM neuron_epochs; DELETE FROM meta WHERE key <> 'schema';");
    }

    /// <summary>
    /// Stores one indexed range in one transaction: its events and epochs, the checkpoint of its last block, and the new
    /// last block; checkpoints older than <paramref name="keepFrom"/> are dropped except the newest of them (the anchor).
    /// </summary>
    public void Append(IReadOnlyList<ChainEvent> events, IReadOnlyList<(EpochRecord Record, ulong Time)> epochs, BlockRef tip, ulong keepFrom)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(epochs);
        ArgumentNullException.ThrowIfNull(tip);
        using var c = Open();
        using var tx = c.BeginTransaction();
        foreach (var e in events)
        {
            using var cmd = Command(c, "INSERT OR REPLACE INTO events(block, log_index, tx, kind, netuid, fields) VALUES($b, $i, $t, $k, $n, $f)",
                ("$b", (long)e.Block), ("$i", (long)e.LogIndex), ("$t", e.Transaction), ("$k", e.Kind), ("$n", e.Netuid is { } n ? n : DBNull.Value),
                ("$f", JsonSerializer.Serialize(e.Fields)));
            cmd.Transaction = tx;
            cmd.ExecuteNonQuery();
        }
        foreach (var (r, time) in epochs)
        {
            var run = r.Run;
            using (var cmd = Command(c, """
                INSERT OR REPLACE INTO epochs(netuid, epoch, block, time, emission, keeper_fee, owner_emission, keeper, burn, supply, issuance, n,
                    verdict, differences, weights, bonds, case_json)
                VALUES($n, $e, $b, $t, $em, $kf, $oe, $k, $burn, $s, $iss, $count, $v, $d, $w, $bo, $c)
                """,
                ("$n", run.Netuid), ("$e", (long)run.Epoch), ("$b", (long)run.Block), ("$t", (long)time), ("$em", Amount(run.Emission)),
                ("$kf", Amount(run.KeeperFee)), ("$oe", Amount(run.OwnerEmission)), ("$k", run.Keeper), ("$burn", Amount(r.Burn)),
                ("$s", Amount(r.Supply)), ("$iss", Amount(r.Issuance)), ("$count", r.After.Count), ("$v", r.Verdict),
                ("$d", JsonSerializer.Serialize(r.Differences)), ("$w", JsonSerializer.Serialize(r.Weights)), ("$bo", JsonSerializer.Serialize(r.Bonds)),
                ("$c", (object?)r.Case ?? DBNull.Value)))
            {
                cmd.Transaction = tx;
                cmd.ExecuteNonQuery();
            }
            foreach (var n in r.After)
            {
                using var cmd = Command(c, """
                    INSERT OR REPLACE INTO neuron_epochs(netuid, epoch, block, uid, hotkey, coldkey, stake, incentive, dividends, emission, consensus, vtrust, permit, active)
                    VALUES($n, $e, $b, $u, $h, $c, $s, $i, $d, $em, $co, $vt, $p, $a)
                    """,
                    ("$n", run.Netuid), ("$e", (long)run.Epoch), ("$b", (long)run.Block), ("$u", n.Uid), ("$h", n.Hotkey),
                    ("$c", n.Coldkey), ("$s", Amount(n.Stake)), ("$i", n.Incentive), ("$d", n.Dividends), ("$em", Amount(n.Emission)),
                    ("$co", n.Consensus), ("$vt", n.ValidatorTrust), ("$p", n.ValidatorPermit ? 1 : 0), ("$a", n.Active ? 1 : 0));
                cmd.Transaction = tx;
                cmd.ExecuteNonQuery();
            }
        }
        using (var cmd = Command(c, "INSERT OR REPLACE INTO checkpoints(block, hash, time) VALUES($b, $h, $t)", ("$b", (long)tip.Number), ("$h", tip.Hash), ("$t", (long)tip.Timestamp)))
        {
            cmd.Transaction = tx;
            cmd.ExecuteNonQuery();
        }
        using (var cmd = Command(c, "DELETE FROM checkpoints WHERE block < (SELECT COALESCE(MAX(block), 0) FROM checkpoints WHERE block < $keep)", ("$keep", (long)keepFrom)))
        {
            cmd.Transaction = tx;
            cmd.ExecuteNonQuery();
        }
        using (var cmd = Command(c, "INSERT INTO meta(key, value) VALUES('last_block', $v) ON CONFLICT(key) DO UPDATE SET value = excluded.value", ("$v", tip.Number.ToString(CultureInfo.InvariantCulture))))
        {
            cmd.Transaction = tx;
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>The stored checkpoints, newest first.</summary>
    public IReadOnlyList<BlockRef> Checkpoints()
    {
        using var c = Open();
        using var cmd = Command(c, "SELECT block, hash, time FROM checkpoints ORDER BY block DESC");
        using var r = cmd.ExecuteReader();
        var list = new List<BlockRef>();
        while (r.Read())
        {
            list.Add(new BlockRef((ulong)r.GetInt64(0), r.GetString(1), (ulong)r.GetInt64(2)));
        }
        return list;
    }

    /// <summary>Drops everything above <paramref name="block"/> (a reorganisation replaced those blocks).</summary>
    public void RollbackTo(ulong block)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        foreach (var sql in new[]
        {
            "DELETE FROM events WHERE block > $b", "DELETE FROM epochs WHERE block > $b", "DELETE FROM neuron_epochs WHERE block > $b",
            "DELETE FROM checkpoints WHERE block > $b",
            "INSERT INTO meta(key, value) VALUES('last_block', $s) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        })
        {
            using var cmd = Command(c, sql, ("$b", (long)block), ("$s", block.ToString(CultureInfo.InvariantCulture)));
            cmd.Transaction = tx;
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>A subnet's epochs, newest first (at most <paramref name="limit"/>).</summary>
    public IReadOnlyList<StoredEpoch> Epochs(ushort netuid, int limit = 500)
    {
        using var c = Open();
        using var cmd = Command(c, $"SELECT {EpochColumns} FROM epochs WHERE netuid = $n ORDER BY epoch DESC LIMIT $l", ("$n", netuid), ("$l", limit));
        return ReadEpochs(cmd);
    }

    /// <summary>Every subnet's epochs in block order (for the supply chart), at most <paramref name="limit"/> newest.</summary>
    public IReadOnlyList<StoredEpoch> AllEpochs(int limit = 2000)
    {
        using var c = Open();
        using var cmd = Command(c, $"SELECT * FROM (SELECT {EpochColumns} FROM epochs ORDER BY block DESC, netuid LIMIT $l) ORDER BY block", ("$l", limit));
        return ReadEpochs(cmd);
    }

    /// <summary>One epoch with its matrices and case file, or null.</summary>
    public (StoredEpoch Epoch, ushort[][] Weights, ushort[][] Bonds, string? Case)? Epoch(ushort netuid, ulong epoch)
    {
        using var c = Open();
        using var cmd = Command(c, $"SELECT {EpochColumns}, weights, bonds, case_json FROM epochs WHERE netuid = $n AND epoch = $e", ("$n", netuid), ("$e", (long)epoch));
        using var r = cmd.ExecuteReader();
        if (!r.Read())
        {
            return null;
        }
        return (ReadEpoch(r), JsonSerializer.Deserialize<ushort[][]>(r.GetString(14))!, JsonSerializer.Deserialize<ushort[][]>(r.GetString(15))!, r.IsDBNull(16) ? null : r.GetString(16));
    }

    /// <summary>The newest epoch of a subnet, or null.</summary>
    public ulong? LatestEpoch(ushort netuid)
    {
        using var c = Open();
        using var cmd = Command(c, "SELECT MAX(epoch) FROM epochs WHERE netuid = $n", ("$n", netuid));
        return cmd.ExecuteScalar() is long v ? (ulong)v : null;
    }

    /// <summary>The neurons of one epoch of a subnet, in UID order.</summary>
    public IReadOnlyList<NeuronEpoch> EpochNeurons(ushort netuid, ulong epoch)
    {
        using var c = Open();
        using var cmd = Command(c, $"SELECT {NeuronColumns} FROM neuron_epochs WHERE netuid = $n AND epoch = $e ORDER BY uid", ("$n", netuid), ("$e", (long)epoch));
        return ReadNeurons(cmd);
    }

    /// <summary>A hotkey's values after each epoch, oldest first, over every subnet (<paramref name="hotkey"/> in checksum form, as stored).</summary>
    public IReadOnlyList<NeuronEpoch> NeuronHistory(string hotkey, int limit = 1000)
    {
        using var c = Open();
        using var cmd = Command(c, $"SELECT * FROM (SELECT {NeuronColumns} FROM neuron_epochs WHERE hotkey = $h ORDER BY block DESC LIMIT $l) ORDER BY block",
            ("$h", hotkey), ("$l", limit));
        return ReadNeurons(cmd);
    }

    /// <summary>Stored events, newest first, optionally of one subnet and one kind.</summary>
    public IReadOnlyList<ChainEvent> Events(ushort? netuid, string? kind, int limit = 200)
    {
        using var c = Open();
        using var cmd = Command(c, """
            SELECT block, log_index, tx, kind, netuid, fields FROM events
            WHERE ($n IS NULL OR netuid = $n) AND ($k IS NULL OR kind = $k) ORDER BY block DESC, log_index DESC LIMIT $l
            """, ("$n", netuid is { } n ? n : DBNull.Value), ("$k", (object?)kind ?? DBNull.Value), ("$l", limit));
        using var r = cmd.ExecuteReader();
        var list = new List<ChainEvent>();
        while (r.Read())
        {
            list.Add(new ChainEvent((ulong)r.GetInt64(0), (ulong)r.GetInt64(1), r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : (ushort)r.GetInt64(4),
                JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(5))!));
        }
        return list;
    }

    private const string EpochColumns = "netuid, epoch, block, time, emission, keeper_fee, owner_emission, keeper, burn, supply, issuance, n, verdict, differences";
    private const string NeuronColumns = "netuid, epoch, block, uid, hotkey, coldkey, stake, incentive, dividends, emission, consensus, vtrust, permit, active";

    private static List<StoredEpoch> ReadEpochs(SqliteCommand cmd)
    {
        using var r = cmd.ExecuteReader();
        var list = new List<StoredEpoch>();
        while (r.Read())
        {
            list.Add(ReadEpoch(r));
        }
        return list;
    }

    private static StoredEpoch ReadEpoch(SqliteDataReader r) => new(
        (ushort)r.GetInt64(0), (ulong)r.GetInt64(1), (ulong)r.GetInt64(2), (ulong)r.GetInt64(3), Big(r.GetString(4)), Big(r.GetString(5)),
        Big(r.GetString(6)), r.GetString(7), Big(r.GetString(8)), Big(r.GetString(9)), Big(r.GetString(10)), r.GetInt32(11), r.GetString(12),
        JsonSerializer.Deserialize<string[]>(r.GetString(13))!);

    private static List<NeuronEpoch> ReadNeurons(SqliteCommand cmd)
    {
        using var r = cmd.ExecuteReader();
        var list = new List<NeuronEpoch>();
        while (r.Read())
        {
            list.Add(new NeuronEpoch((ushort)r.GetInt64(0), (ulong)r.GetInt64(1), (ulong)r.GetInt64(2), (ushort)r.GetInt64(3), r.GetString(4), r.GetString(5),
                Big(r.GetString(6)), (ushort)r.GetInt64(7), (ushort)r.GetInt64(8), Big(r.GetString(9)), (ushort)r.GetInt64(10), (ushort)r.GetInt64(11),
                r.GetInt64(12) != 0, r.GetInt64(13) != 0));
        }
        return list;
    }

    private static BigInteger Big(string s) => BigInteger.Parse(s, CultureInfo.InvariantCulture);

    private static string Amount(BigInteger v) => v.ToString(CultureInfo.InvariantCulture);

    private static void Execute(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection c, string sql, params (string Name, object Value)[] parameters)
    {
        var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            cmd.Parameters.AddWithValue(name, value);
        }
        return cmd;
    }
}
