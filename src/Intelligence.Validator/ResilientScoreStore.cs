using Intelligence.State;
using Intelligence.State.Stores;

namespace Intelligence.Validator;

/// <summary>
/// A shared (Redis) score store that survives the server going away: every sample is also folded into an in-process
/// copy; while the remote store fails (each call bounded by <c>callTimeout</c>) samples queue up in order, reads come
/// from the in-process copy and <c>degraded</c> is told why; the next call after the server is back replays the
/// queue, so the remote EMA ends as if it had never been down.
/// </summary>
public sealed class ResilientScoreStore : IScoreStore
{
    private readonly IScoreStore _remote;
    private readonly InMemoryScoreStore _local = new();
    // Replayed in batches of at most this many samples (one remote round trip each).
    private const int ReplayBatch = 1024;

    private readonly List<ScoreSample> _backlog = [];
    private readonly Action<string?> _degraded;
    private readonly TimeSpan _callTimeout;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _down;
    private long _retryAt;

    private ResilientScoreStore(IScoreStore remote, Action<string?> degraded, TimeSpan callTimeout)
    {
        _remote = remote;
        _degraded = degraded;
        _callTimeout = callTimeout;
    }

    /// <summary>Samples waiting for the remote store.</summary>
    public int Backlog => _backlog.Count;

    /// <summary>Wraps <paramref name="remote"/>, seeding the in-process copy with its records of <paramref name="netuid"/>.</summary>
    public static async Task<ResilientScoreStore> OpenAsync(IScoreStore remote, int netuid, Action<string?> degraded, TimeSpan callTimeout, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(remote);
        var store = new ResilientScoreStore(remote, degraded, callTimeout);
        foreach (var r in await remote.GetAllAsync(netuid, ct).ConfigureAwait(false))
        {
            // alpha 1 makes the copy start at the stored score.
            await store._local.UpdateAsync(r.Netuid, r.Uid, r.Hotkey, r.Score, 1.0, r.LastQuery, ct).ConfigureAwait(false);
        }
        return store;
    }

    /// <inheritdoc />
    public async ValueTask<ScoreRecord> UpdateAsync(int netuid, int uid, string hotkey, double sample, double alpha, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        (await UpdateManyAsync([new ScoreSample(netuid, uid, hotkey, sample, alpha, at)], cancellationToken).ConfigureAwait(false))[0];

    /// <summary>
    /// Folds a step's samples into the in-process copy, then sends them (after any queued ones) to the remote store in
    /// one batch; the remote records when it answered, else the in-process ones.
    /// </summary>
    public async ValueTask<IReadOnlyList<ScoreRecord>> UpdateManyAsync(IReadOnlyList<ScoreSample> samples, CancellationToken cancellationToken = default)
    {
        var local = await ((IScoreStore)_local).UpdateManyAsync(samples, cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _backlog.AddRange(samples);
            return await CatchUpAsync(samples.Count, cancellationToken).ConfigureAwait(false) ?? local;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask<ScoreRecord?> GetAsync(int netuid, int uid, CancellationToken cancellationToken = default) =>
        await TryRemoteAsync(c => _remote.GetAsync(netuid, uid, c), cancellationToken).ConfigureAwait(false) is (true, var r) ? r : await _local.GetAsync(netuid, uid, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<ScoreRecord>> GetAllAsync(int netuid, CancellationToken cancellationToken = default) =>
        await TryRemoteAsync(c => _remote.GetAllAsync(netuid, c), cancellationToken).ConfigureAwait(false) is (true, { } all) ? all : await _local.GetAllAsync(netuid, cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public async ValueTask<bool> SyncHotkeyAsync(int netuid, int uid, string hotkey, CancellationToken cancellationToken = default)
    {
        var reset = await _local.SyncHotkeyAsync(netuid, uid, hotkey, cancellationToken).ConfigureAwait(false);
        // A queued sample under the new hotkey resets the remote record when it is replayed, as here.
        return await TryRemoteAsync(c => _remote.SyncHotkeyAsync(netuid, uid, hotkey, c), cancellationToken).ConfigureAwait(false) is (true, var r) ? r || reset : reset;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<int>> SyncHotkeysAsync(int netuid, IReadOnlyList<NeuronHotkey> neurons, CancellationToken cancellationToken = default)
    {
        var reset = await ((IScoreStore)_local).SyncHotkeysAsync(netuid, neurons, cancellationToken).ConfigureAwait(false);
        if (await TryRemoteAsync(c => _remote.SyncHotkeysAsync(netuid, neurons, c), cancellationToken).ConfigureAwait(false) is not (true, { } remote) || remote.Count == 0)
        {
            return reset;
        }
        var either = remote.Concat(reset).ToHashSet();
        return [.. neurons.Select(n => n.Uid).Where(either.Remove)];
    }

    /// <inheritdoc />
    public async ValueTask<bool> RemoveAsync(int netuid, int uid, CancellationToken cancellationToken = default)
    {
        var removed = await _local.RemoveAsync(netuid, uid, cancellationToken).ConfigureAwait(false);
        return await TryRemoteAsync(c => _remote.RemoveAsync(netuid, uid, c), cancellationToken).ConfigureAwait(false) is (true, var r) ? r : removed;
    }

    /// <summary>
    /// Replays queued samples in order, in batches; the remote records of the last <paramref name="last"/> samples, or
    /// null when the remote store is still down. A batch that fails is replayed whole next time: a sample the server
    /// applied before the reply was lost is applied again (at least once, as a single update always was).
    /// </summary>
    private async Task<IReadOnlyList<ScoreRecord>?> CatchUpAsync(int last, CancellationToken ct)
    {
        var records = new List<ScoreRecord>();
        while (_backlog.Count > 0)
        {
            var batch = _backlog.GetRange(0, Math.Min(ReplayBatch, _backlog.Count));
            var (ok, written) = await TryRemoteAsync(c => _remote.UpdateManyAsync(batch, c), ct, catchUp: false).ConfigureAwait(false);
            if (!ok)
            {
                return null;
            }
            _backlog.RemoveRange(0, batch.Count);
            records.AddRange(written);
            if (records.Count > last)
            {
                records.RemoveRange(0, records.Count - last);
            }
        }
        return records;
    }

    private async Task<(bool Ok, T Value)> TryRemoteAsync<T>(Func<CancellationToken, ValueTask<T>> call, CancellationToken ct, bool catchUp = true)
    {
        if (catchUp && _backlog.Count > 0)
        {
            // Reads wait for the queue to drain, so a read never misses a sample the caller already gave.
            return (false, default!);
        }
        if (_down && Environment.TickCount64 < Interlocked.Read(ref _retryAt))
        {
            // Down a moment ago: do not make every call of a step wait for the timeout again.
            return (false, default!);
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(_callTimeout);
        try
        {
            var value = await call(cts.Token).ConfigureAwait(false);
            if (_down)
            {
                _down = false;
                _degraded(null);
            }
            return (true, value);
        }
        catch (Exception e) when (e is StateException or TimeoutException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            _down = true;
            Interlocked.Exchange(ref _retryAt, Environment.TickCount64 + (long)_callTimeout.TotalMilliseconds);
            _degraded($"score store unreachable ({e.GetType().Name}: {e.Message}); {_backlog.Count} samples kept in process for replay");
            return (false, default!);
        }
    }
}
