using System.Numerics;

namespace Intelligence.Explorer.Indexing;

/// <summary>A subnet at the head with what the Network page shows next to it.</summary>
public sealed record SubnetLive(
    SubnetState State, ulong NextEpochBlock, BigInteger PendingEmission, BigInteger BurnCost, int Validators, int Miners, double EmissionShare);

/// <summary>The network read at one head block: subnets, their metagraphs, supply and issuance.</summary>
public sealed record NetworkSnapshot(
    BlockRef Head, IReadOnlyList<SubnetLive> Subnets, IReadOnlyDictionary<ushort, IReadOnlyList<NeuronState>> Metagraphs,
    BigInteger Supply, BigInteger Issuance);

/// <summary>How far the index is, for /api/status and the pages' footer.</summary>
public sealed record IndexStatus(string State, ulong? Head, ulong? IndexedTo, ulong ResumedFrom, ulong Reorgs, string? LastError);

/// <summary>
/// What the indexer publishes: the newest <see cref="NetworkSnapshot"/>, the index status, and a change signal the
/// server-sent-events endpoint waits on (a new head, a new epoch).
/// </summary>
public sealed class LiveState
{
    private readonly Lock _gate = new();
    private TaskCompletionSource<ChangeNotice> _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The newest snapshot, or null before the first read.</summary>
    public NetworkSnapshot? Snapshot { get; private set; }

    /// <summary>The indexer's progress.</summary>
    public IndexStatus Status { get; private set; } = new("starting", null, null, 0, 0, null);

    /// <summary>Completes with the next change.</summary>
    public Task<ChangeNotice> NextChangeAsync()
    {
        lock (_gate)
        {
            return _next.Task;
        }
    }

    internal void Publish(NetworkSnapshot snapshot) => Snapshot = snapshot;

    internal void SetStatus(IndexStatus status) => Status = status;

    internal void Notify(ChangeNotice notice)
    {
        TaskCompletionSource<ChangeNotice> done;
        lock (_gate)
        {
            done = _next;
            _next = new TaskCompletionSource<ChangeNotice>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        done.TrySetResult(notice);
    }
}

/// <summary>A change the pages hear about: the head block and, when an epoch was indexed, which one.</summary>
public sealed record ChangeNotice(string Type, ulong Block, ushort? Netuid = null, ulong? Epoch = null);
