using Intelligence.State.Stores;
using Microsoft.Data.Sqlite;

namespace Intelligence.State.Tests;

/// <summary>The embedded file store: what survives a reopen, and what happens to a damaged file.</summary>
public sealed class SqliteStoreFileTests : IDisposable
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
    private readonly string _dir = Directory.CreateTempSubdirectory("intelligence-sqlite-").FullName;

    private string FilePath => Path.Combine(_dir, SqliteScoreStore.DefaultFileName);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task Reopen_KeepsEveryRecordBitForBit_AndUsesWalWithFullSync()
    {
        var written = new List<ScoreRecord>();
        await using (var store = SqliteScoreStore.Open(FilePath))
        {
            for (var uid = 0; uid < 50; uid++)
            {
                await Wait.T(store.UpdateAsync(2, uid, "hk" + uid, uid / 7.0, 0.3, T0));
                written.Add(await Wait.T(store.UpdateAsync(2, uid, "hk" + uid, 1 / 3.0, 0.3, T0.AddSeconds(uid))));
            }
        }

        Assert.False(File.Exists(FilePath + "-wal") && new FileInfo(FilePath + "-wal").Length > 0, "a clean close checkpoints the journal");
        await using (var store = SqliteScoreStore.Open(FilePath))
        {
            Assert.Equal(written, await Wait.T(store.GetAllAsync(2)));
        }

        using var raw = new SqliteConnection($"Data Source={FilePath};Pooling=False");
        raw.Open();
        using var mode = raw.CreateCommand();
        mode.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", (string)mode.ExecuteScalar()!);
    }

    [Fact]
    public async Task ConcurrentUpdates_GroupCommitted_AllThere()
    {
        await using (var store = SqliteScoreStore.Open(FilePath))
        {
            await Wait.T(Task.WhenAll(Enumerable.Range(0, 500).Select(i => store.UpdateAsync(4, i % 10, "hk", 1.0, 0.5, T0).AsTask())));
        }

        await using var reopened = SqliteScoreStore.Open(FilePath);
        Assert.All(await Wait.T(reopened.GetAllAsync(4)), r => Assert.Equal(50, r.SampleCount));
    }

    [Fact]
    public async Task ZeroByteFile_TypedError_FileLeftAlone()
    {
        await File.WriteAllBytesAsync(FilePath, []);
        var error = Assert.Throws<StateCorruptException>(() => SqliteScoreStore.Open(FilePath));
        Assert.Equal(FilePath, error.Path);
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, new FileInfo(FilePath).Length);
    }

    [Fact]
    public async Task TruncatedFile_TypedError_NeverReplacedByEmptyStore()
    {
        await using (var store = SqliteScoreStore.Open(FilePath))
        {
            await Wait.T(store.UpdateManyAsync(Enumerable.Range(0, 2000).Select(i => new ScoreSample(1, i, "hotkey-" + i + new string('x', 40), 0.5, 0.5, T0)).ToList()));
        }

        var bytes = await File.ReadAllBytesAsync(FilePath);
        Assert.True(bytes.Length > 8192);
        var cut = bytes[..(bytes.Length / 2)];
        await File.WriteAllBytesAsync(FilePath, cut);

        Assert.Throws<StateCorruptException>(() => SqliteScoreStore.Open(FilePath));
        await Assert.ThrowsAsync<StateCorruptException>(() => StateStores.OpenAsync(new StateOptions { DataDirectory = _dir }));
        Assert.Equal(cut, await File.ReadAllBytesAsync(FilePath));
    }

    [Fact]
    public async Task GarbageFile_TypedError_FileLeftAlone()
    {
        var garbage = Enumerable.Range(0, 10_000).Select(i => (byte)(i * 31)).ToArray();
        await File.WriteAllBytesAsync(FilePath, garbage);
        var error = Assert.Throws<StateCorruptException>(() => SqliteScoreStore.Open(FilePath));
        Assert.Contains(FilePath, error.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(FilePath));
    }

    [Fact]
    public async Task OverwrittenPages_TypedError()
    {
        await using (var store = SqliteScoreStore.Open(FilePath))
        {
            await Wait.T(store.UpdateManyAsync(Enumerable.Range(0, 2000).Select(i => new ScoreSample(1, i, "hotkey-" + i + new string('x', 40), 0.5, 0.5, T0)).ToList()));
        }

        // Scribble over everything after the first page (the header stays valid, the b-tree does not).
        var bytes = await File.ReadAllBytesAsync(FilePath);
        for (var i = 4096; i < bytes.Length; i++)
        {
            bytes[i] = (byte)(i * 7);
        }

        await File.WriteAllBytesAsync(FilePath, bytes);
        Assert.Throws<StateCorruptException>(() => SqliteScoreStore.Open(FilePath));
    }

    [Fact]
    public void ForeignSqliteFile_Refused()
    {
        using (var other = new SqliteConnection($"Data Source={FilePath};Pooling=False"))
        {
            other.Open();
            using var create = other.CreateCommand();
            create.CommandText = "CREATE TABLE something (x INTEGER)";
            create.ExecuteNonQuery();
        }

        var error = Assert.Throws<StateCorruptException>(() => SqliteScoreStore.Open(FilePath));
        Assert.Contains("not an Intelligence score store", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DataFolderIsAFile_TypedError()
    {
        var notAFolder = Path.Combine(_dir, "plain-file");
        await File.WriteAllTextAsync(notAFolder, "x");
        var error = await Assert.ThrowsAsync<StateException>(() => StateStores.OpenAsync(new StateOptions { DataDirectory = notAFolder }));
        Assert.Contains(notAFolder, error.Message, StringComparison.Ordinal);
        Assert.Equal("x", await File.ReadAllTextAsync(notAFolder));
    }

    [Fact]
    public async Task Disposed_LaterCallsThrow()
    {
        var store = SqliteScoreStore.Open(FilePath);
        await store.DisposeAsync();
        await store.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => store.GetAsync(1, 1));
    }
}
