using System.Globalization;
using System.Security.Cryptography;
using Intelligence.Node;
using Intelligence.State;
using Intelligence.State.Stores;
using Microsoft.Extensions.Logging;

namespace Intelligence.Validator;

/// <summary>
/// Which worker queries a UID. Worker <c>uid mod workers</c> does while it is live; a dead worker's UIDs are dealt
/// round-robin over the live ones (by <c>uid / workers</c>), so the split depends only on the UID, the worker count and
/// which workers are alive: a metagraph change never moves a UID to another live worker.
/// </summary>
public static class WorkerShare
{
    /// <summary>The worker that queries <paramref name="uid"/>; <paramref name="live"/> is sorted (empty: all live).</summary>
    public static int Owner(int uid, int workers, IReadOnlyList<int> live)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(uid);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentNullException.ThrowIfNull(live);
        var home = uid % workers;
        if (live.Count == 0 || live.Contains(home))
        {
            return home;
        }
        return live[uid / workers % live.Count];
    }
}

/// <summary>
/// The workers of one validator (one hotkey) on one Redis. Each worker holds a slot lease (<c>worker:&lt;index&gt;</c>),
/// so the others know it is alive and a second process with the same index is refused; exactly one worker holds the
/// duties lease and with it sends the transactions (weights, epochs), keeping the pending commit as a record of that
/// lease where whoever takes over finds it. Leases are renewed every third of <c>Validator:LeaseTime</c>; a worker
/// acts as the duty holder only while two thirds of its last renewal remain, so a holder that stalls stops before its
/// lease can pass to another. Without Redis there is one worker: the lease file in the data folder under one fixed
/// holder id, always this process.
/// </summary>
public sealed partial class WorkerGroup
{
    private readonly ILeaseStore _leases;
    private readonly bool _shared;
    private readonly TimeSpan _leaseTime;
    private readonly NodeStatus _status;
    private readonly ILogger _logger;
    private readonly string _prefix;
    private int[] _live = [];
    private long _dutiesUntil;
    private long _dutiesTerm;
    private bool _holding;
    private string? _dutiesHolder;
    private string? _failure;
    private readonly HashSet<string> _warnedCounts = [];

    /// <summary>Creates the group view of one worker; <paramref name="shared"/> is true on Redis.</summary>
    public WorkerGroup(ILeaseStore leases, bool shared, string hotkey, ushort netuid, ValidatorOptions options, NodeStatus status, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _leases = leases;
        _shared = shared;
        _leaseTime = options.LeaseTime;
        _status = status;
        _logger = logger;
        Index = options.WorkerIndex;
        Count = options.Workers;
        _prefix = string.Create(CultureInfo.InvariantCulture, $"validator:{netuid}:{hotkey}:");
        Holder = shared
            ? string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}/{Environment.ProcessId}/w{Index}of{Count}/{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4))}")
            : "local";
    }

    /// <summary>This worker's index.</summary>
    public int Index { get; }

    /// <summary>Workers configured.</summary>
    public int Count { get; }

    /// <summary>This process's holder id in the leases.</summary>
    public string Holder { get; }

    /// <summary>Name of the duties lease (its records hold the pending commit).</summary>
    public string DutiesLease => _prefix + "duties";

    /// <summary>True while this worker may send the validator's transactions.</summary>
    public bool HoldsDuties => Environment.TickCount64 < Interlocked.Read(ref _dutiesUntil);

    /// <summary>Incremented each time this worker takes the duties (what another holder did may have changed the chain since).</summary>
    public long DutiesTerm => Interlocked.Read(ref _dutiesTerm);

    /// <summary>The live workers, sorted, as last read.</summary>
    public IReadOnlyList<int> Live => Volatile.Read(ref _live);

    /// <summary>True when this worker queries <paramref name="uid"/>.</summary>
    public bool Queries(int uid) => WorkerShare.Owner(uid, Count, Live) == Index;

    /// <summary>"index/count", for the ready line.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");

    /// <summary>
    /// Takes this worker's slot (waiting up to twice the lease time for one left by a killed predecessor to expire), then
    /// the duties when nobody holds them.
    /// </summary>
    /// <exception cref="NodeStartupException">The slot stays held by another live process, or the store cannot be reached.</exception>
    public async Task JoinAsync(CancellationToken ct)
    {
        try
        {
            if (_shared)
            {
                var deadline = Environment.TickCount64 + (long)(2 * _leaseTime.TotalMilliseconds);
                while (!await _leases.TryAcquireAsync(Slot(Index), Holder, _leaseTime, ct).ConfigureAwait(false))
                {
                    var other = await _leases.GetHolderAsync(Slot(Index), ct).ConfigureAwait(false);
                    if (Environment.TickCount64 > deadline)
                    {
                        throw new NodeStartupException(string.Create(CultureInfo.InvariantCulture,
                            $"Validator:WorkerIndex: worker {Index} of this validator is already running ({other?.Holder ?? "?"} keeps renewing its slot); give each worker its own Validator:WorkerIndex"));
                    }
                    LogSlotBusy(_logger, Index, other?.Holder ?? "?", other?.Remaining.TotalSeconds ?? 0);
                    await Task.Delay(_leaseTime / 3, ct).ConfigureAwait(false);
                }
            }
            await TickAsync(ct).ConfigureAwait(false);
        }
        catch (StateException e)
        {
            throw new NodeStartupException($"State: cannot take worker {Index}'s slot: {e.Message}");
        }
    }

    /// <summary>Renews the leases every third of the lease time until <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_leaseTime / 3, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            await TickAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Gives the duties and the slot up (a clean stop hands the duties over at once).</summary>
    public async Task LeaveAsync()
    {
        Interlocked.Exchange(ref _dutiesUntil, 0);
        using var cts = new CancellationTokenSource(_leaseTime / 3);
        try
        {
            if (_holding && await _leases.ReleaseAsync(DutiesLease, Holder, cts.Token).ConfigureAwait(false))
            {
                LogDutiesReleased(_logger, Index);
            }
            if (_shared)
            {
                await _leases.ReleaseAsync(Slot(Index), Holder, cts.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is StateException or OperationCanceledException)
        {
            LogLeaveFailed(_logger, e.Message);
        }
        _holding = false;
    }

    /// <summary>Writes a record of the duties lease (deletes it when <paramref name="value"/> is null) while this worker holds it.</summary>
    public ValueTask<bool> TryWriteDutyRecordAsync(string key, string? value, CancellationToken ct) =>
        _leases.TryWriteAsync(DutiesLease, Holder, key, value, ct);

    /// <summary>A record of the duties lease, whoever wrote it.</summary>
    public ValueTask<string?> ReadDutyRecordAsync(string key, CancellationToken ct) => _leases.ReadAsync(DutiesLease, key, ct);

    private string Slot(int index) => _prefix + "worker:" + index.ToString(CultureInfo.InvariantCulture);

    private async Task TickAsync(CancellationToken stopping)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        cts.CancelAfter(_leaseTime / 3);
        var ct = cts.Token;
        try
        {
            if (_shared)
            {
                await KeepSlotAsync(ct).ConfigureAwait(false);
            }
            await KeepDutiesAsync(ct).ConfigureAwait(false);
            if (_shared)
            {
                await ReadLiveAsync(ct).ConfigureAwait(false);
            }
            else
            {
                Volatile.Write(ref _live, [0]);
            }
            if (_failure is not null)
            {
                _failure = null;
                _status.Degrade("duties", null);
                LogLeasesBack(_logger);
            }
        }
        catch (Exception e) when (e is StateException || (e is OperationCanceledException && !stopping.IsCancellationRequested))
        {
            // The store is unreachable: the duties lapse by themselves when their validity runs out; the share stays as last read.
            var reason = e is StateException ? e.Message : "no answer within a third of Validator:LeaseTime";
            if (_failure != reason)
            {
                _failure = reason;
                LogLeasesUnreachable(_logger, reason);
            }
            _status.Degrade("duties", "lease store unreachable, chain duties pause when the lease runs out: " + reason);
        }
        _status.Set("worker", ToString());
        _status.Set("workers.live", string.Join(",", Live));
        _status.Set("duties", HoldsDuties ? "this worker (" + Holder + ")" : _dutiesHolder ?? "nobody");
    }

    private async Task KeepSlotAsync(CancellationToken ct)
    {
        if (await _leases.TryRenewAsync(Slot(Index), Holder, _leaseTime, ct).ConfigureAwait(false)
            || await _leases.TryAcquireAsync(Slot(Index), Holder, _leaseTime, ct).ConfigureAwait(false))
        {
            return;
        }
        var other = await _leases.GetHolderAsync(Slot(Index), ct).ConfigureAwait(false);
        LogSlotTaken(_logger, Index, other?.Holder ?? "?");
    }

    private async Task KeepDutiesAsync(CancellationToken ct)
    {
        var started = Environment.TickCount64;
        var validFor = (long)(_leaseTime.TotalMilliseconds * 2 / 3);
        if (_holding)
        {
            if (await _leases.TryRenewAsync(DutiesLease, Holder, _leaseTime, ct).ConfigureAwait(false))
            {
                Interlocked.Exchange(ref _dutiesUntil, started + validFor);
                return;
            }
            _holding = false;
            Interlocked.Exchange(ref _dutiesUntil, 0);
            var now = await _leases.GetHolderAsync(DutiesLease, ct).ConfigureAwait(false);
            _dutiesHolder = now?.Holder;
            LogDutiesLost(_logger, Index, now?.Holder ?? "nobody");
            return;
        }
        if (await _leases.TryAcquireAsync(DutiesLease, Holder, _leaseTime, ct).ConfigureAwait(false))
        {
            _holding = true;
            Interlocked.Increment(ref _dutiesTerm);
            Interlocked.Exchange(ref _dutiesUntil, started + validFor);
            LogDutiesTaken(_logger, Index, Count, _dutiesHolder ?? "none", Holder);
            _dutiesHolder = Holder;
            return;
        }
        var holder = (await _leases.GetHolderAsync(DutiesLease, ct).ConfigureAwait(false))?.Holder;
        if (holder != _dutiesHolder && holder is not null)
        {
            LogDutiesElsewhere(_logger, holder, Index);
        }
        _dutiesHolder = holder;
    }

    private async Task ReadLiveAsync(CancellationToken ct)
    {
        var reads = Enumerable.Range(0, Count).Select(i => i == Index ? null : _leases.GetHolderAsync(Slot(i), ct).AsTask()).ToArray();
        var live = new List<int>(Count);
        for (var i = 0; i < Count; i++)
        {
            if (reads[i] is null)
            {
                live.Add(i);
                continue;
            }
            if (await reads[i]!.ConfigureAwait(false) is { } other)
            {
                live.Add(i);
                WarnOnOtherCount(i, other.Holder);
            }
        }
        var before = Live;
        if (!before.SequenceEqual(live))
        {
            Volatile.Write(ref _live, [.. live]);
            LogShare(_logger, Index, Count, string.Join(",", live), before.Count == 0 ? "-" : string.Join(",", before));
        }
    }

    // Holder ids are "<host>/<pid>/w<index>of<count>/<random>": a worker started with another Validator:Workers splits differently.
    private void WarnOnOtherCount(int index, string holder)
    {
        var parts = holder.Split('/');
        var of = parts.Length == 4 ? parts[2].IndexOf("of", StringComparison.Ordinal) : -1;
        if (of > 0 && int.TryParse(parts[2].AsSpan(of + 2), NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count != Count && _warnedCounts.Add(holder))
        {
            LogCountMismatch(_logger, index, count, Count);
        }
    }

    [LoggerMessage(EventId = 40, Level = LogLevel.Information, Message = "worker {Index} of {Count} holds the chain duties (weights, epochs) from now on; before: {Previous}; holder id {Holder}")]
    private static partial void LogDutiesTaken(ILogger logger, int index, int count, string previous, string holder);

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "worker {Index} lost the chain duties lease (now held by {Holder}): it sends no more transactions")]
    private static partial void LogDutiesLost(ILogger logger, int index, string holder);

    [LoggerMessage(EventId = 42, Level = LogLevel.Information, Message = "the chain duties are held by {Holder}; worker {Index} queries and scores only")]
    private static partial void LogDutiesElsewhere(ILogger logger, string holder, int index);

    [LoggerMessage(EventId = 43, Level = LogLevel.Information, Message = "live workers {Live} (before: {Before}): worker {Index} of {Count} queries the uids it is home to (uid mod count = index) and its share of dead workers' uids")]
    private static partial void LogShare(ILogger logger, int index, int count, string live, string before);

    [LoggerMessage(EventId = 44, Level = LogLevel.Information, Message = "worker {Index}'s slot is held by {Holder} for {Seconds:0.#} s more (a killed predecessor's, or a second process with this index): waiting")]
    private static partial void LogSlotBusy(ILogger logger, int index, string holder, double seconds);

    [LoggerMessage(EventId = 45, Level = LogLevel.Error, Message = "worker {Index}'s slot is held by {Holder}: two workers run with one Validator:WorkerIndex and query the same miners")]
    private static partial void LogSlotTaken(ILogger logger, int index, string holder);

    [LoggerMessage(EventId = 46, Level = LogLevel.Warning, Message = "worker {Index} runs with Validator:Workers {Theirs}, this one with {Ours}: their shares overlap or leave miners out until both use one count")]
    private static partial void LogCountMismatch(ILogger logger, int index, int theirs, int ours);

    [LoggerMessage(EventId = 47, Level = LogLevel.Warning, Message = "leases unreachable, retried every third of Validator:LeaseTime: {Reason}")]
    private static partial void LogLeasesUnreachable(ILogger logger, string reason);

    [LoggerMessage(EventId = 48, Level = LogLevel.Information, Message = "leases reachable again")]
    private static partial void LogLeasesBack(ILogger logger);

    [LoggerMessage(EventId = 49, Level = LogLevel.Information, Message = "worker {Index} released the chain duties for another worker to take")]
    private static partial void LogDutiesReleased(ILogger logger, int index);

    [LoggerMessage(EventId = 50, Level = LogLevel.Warning, Message = "could not release the leases at stop (they expire by themselves): {Error}")]
    private static partial void LogLeaveFailed(ILogger logger, string error);
}
