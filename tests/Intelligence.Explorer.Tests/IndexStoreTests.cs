using System.Numerics;
using Intelligence.Explorer.Indexing;

namespace Intelligence.Explorer.Tests;

/// <summary>The SQLite store on its own: append, checkpoints kept over the reorg depth, rollback, reset, and restart.</summary>
public sealed class IndexStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("explorer-store-").FullName;

    private string DbPath => Path.Combine(_dir, "explorer.db");

    private static EpochRun Run(ulong epoch, ulong block) => new(1, epoch, block, 1000, 1, 180, "0x0000000000000000000000000000000000000001");

    private static NeuronState Neuron(ushort uid, string hotkey) => new(uid, hotkey, "0x00000000000000000000000000000000000000C0", 10 + uid, 10 + uid,
        new AxonInfo(null, 0, 0, 0, 0), 5, 1, uid == 0, true, 100, 200, 300, 400, 500 + uid);

    private static EpochRecord Record(ulong epoch, ulong block) => new()
    {
        Run = Run(epoch, block),
        After = [Neuron(0, "0x00000000000000000000000000000000000000A0"), Neuron(1, "0x00000000000000000000000000000000000000A1")],
        Weights = [[0, 65535], [0, 0]],
        Bonds = [[0, 123], [0, 0]],
        Burn = 7,
        Supply = 900,
        Issuance = 1000,
        Case = "{}",
        Verdict = "identical",
        Differences = [],
    };

    private static ChainEvent Event(ulong block, string kind) => new(block, 0, "0xab", kind, 1, new Dictionary<string, string> { ["uid"] = "0", ["burned"] = "5", ["hotkey"] = "h" });

    [Fact]
    public void Append_ThenRead_RoundTripsEpochsNeuronsAndEvents()
    {
        var store = new IndexStore(DbPath);
        store.Append([Event(10, "NeuronRegistered"), Event(20, "EpochRun")], [(Record(1, 20), 1234UL)], new BlockRef(20, "0x20", 1234), keepFrom: 0);

        Assert.Equal(20UL, store.LastBlock);
        var epoch = Assert.Single(store.Epochs(1));
        Assert.Equal((1UL, 20UL, 1234UL, new BigInteger(1000), new BigInteger(7), new BigInteger(900), 2, "identical"),
            (epoch.Epoch, epoch.Block, epoch.Time, epoch.Emission, epoch.Burn, epoch.Supply, epoch.N, epoch.Verdict));
        var detail = store.Epoch(1, 1)!.Value;
        Assert.Equal(65535, detail.Weights[0][1]);
        Assert.Equal(123, detail.Bonds[0][1]);
        Assert.Equal("{}", detail.Case);
        Assert.Equal(2, store.EpochNeurons(1, 1).Count);
        var history = Assert.Single(store.NeuronHistory("0x00000000000000000000000000000000000000A1"));
        Assert.Equal((1, new BigInteger(501), (ushort)300), (history.Uid, history.Emission, history.Incentive));
        Assert.Equal(2, store.Events(1, null).Count);
        Assert.Equal("5", Assert.Single(store.Events(1, "NeuronRegistered")).Fields["burned"]);
        Assert.Null(store.Epoch(1, 2));
        Assert.Null(store.Epoch(2, 1));
    }

    [Fact]
    public void Checkpoints_OlderThanTheDepth_AreDropped_ExceptOneAnchor()
    {
        var store = new IndexStore(DbPath);
        for (ulong b = 1; b <= 10; b++)
        {
            store.Append([], [], new BlockRef(b, "0x" + b, b), keepFrom: b > 3 ? b - 3 : 0);
        }
        // Kept: blocks 7..10 (within depth 3 of 10) and the anchor 6 below them.
        Assert.Equal([10UL, 9, 8, 7, 6], store.Checkpoints().Select(c => c.Number));
    }

    [Fact]
    public void RollbackTo_DropsEverythingAboveTheBlock()
    {
        var store = new IndexStore(DbPath);
        store.Append([Event(5, "StakeAdded")], [(Record(1, 5), 1UL)], new BlockRef(5, "0x5", 1), 0);
        store.Append([Event(9, "EpochRun")], [(Record(2, 9), 2UL)], new BlockRef(9, "0x9", 2), 0);
        store.RollbackTo(5);
        Assert.Equal(5UL, store.LastBlock);
        Assert.Equal([1UL], store.Epochs(1).Select(e => e.Epoch));
        Assert.Single(store.Events(1, null));
        Assert.Equal([5UL], store.Checkpoints().Select(c => c.Number));
        Assert.Single(store.NeuronHistory("0x00000000000000000000000000000000000000A0"));
    }

    [Fact]
    public void Reopen_KeepsTheIndex_ResetForgetsIt()
    {
        new IndexStore(DbPath).Append([], [(Record(1, 5), 1UL)], new BlockRef(5, "0x5", 1), 0);
        var reopened = new IndexStore(DbPath);
        Assert.Equal(5UL, reopened.LastBlock);
        Assert.Single(reopened.Epochs(1));
        reopened.SetMeta("deployment", "x");
        reopened.Reset();
        Assert.Null(reopened.LastBlock);
        Assert.Null(reopened.GetMeta("deployment"));
        Assert.Empty(reopened.Epochs(1));
    }

    [Fact]
    public void UnavailableEpoch_IsStoredWithoutCaseOrNeurons()
    {
        var store = new IndexStore(DbPath);
        var record = EpochReplay.Unavailable(Run(3, 40), "missing trie node");
        store.Append([], [(record, 0UL)], new BlockRef(40, "0x40", 0), 0);
        var detail = store.Epoch(1, 3)!.Value;
        Assert.Equal("unavailable", detail.Epoch.Verdict);
        Assert.Contains("missing trie node", Assert.Single(detail.Epoch.Differences), StringComparison.Ordinal);
        Assert.Null(detail.Case);
        Assert.Empty(store.EpochNeurons(1, 3));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}
