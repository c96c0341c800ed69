using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Intelligence.Chain;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Rpc;
using Intelligence.Node;
using Intelligence.State.Stores;
using Microsoft.Extensions.Logging;

namespace Intelligence.Validator;

/// <summary>Weights revealed later: what was committed, so a restart can still reveal it.</summary>
public sealed record PendingCommit(ushort Netuid, ushort[] Uids, ushort[] Weights, string Salt, string Hash, ulong CreatedBlock, int VersionKey);

/// <summary>
/// The validator's on-chain duties, run on every new block by the worker holding the duties lease: weights every
/// interval (commit, reveal when due, with the commit's reveal data written as a record of the lease before the commit
/// is sent, so neither a crash, a restart nor a takeover by another worker loses a reveal or commits twice in an
/// interval), and the epoch when it is due.
/// </summary>
public sealed partial class ChainDuties
{
    /// <summary>Meter name of the validator.</summary>
    public const string MeterName = "Intelligence.Validator";

    // The record of the duties lease that holds the reveal data of the commit waiting to be revealed.
    private const string PendingKey = "pending-commit";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> WeightsSet = Meter.CreateCounter<long>("intelligence.validator.weights", description: "Weight transactions by kind (commit, reveal, set) and outcome");
    private static readonly Counter<long> EpochsRun = Meter.CreateCounter<long>("intelligence.validator.epochs", description: "Epochs run by this validator, by parity outcome");

    private readonly ChainConnection _chain;
    private readonly ushort _netuid;
    private readonly ValidatorOptions _options;
    private readonly IScoreStore _scores;
    private readonly NodeStatus _status;
    private readonly ILogger _logger;
    private readonly WorkerGroup _workers;
    private readonly EpochParity _parity;
    private long _term;
    private ulong _epochDue;
    private bool? _permit;
    private ulong _nextWeightsTry;
    private ulong _lastWeightsBlock;

    /// <summary>Creates the duties of one validator on one subnet; <paramref name="workers"/> says when this worker holds them.</summary>
    public ChainDuties(ChainConnection chain, ushort netuid, ValidatorOptions options, IScoreStore scores, WorkerGroup workers, uint ownerCutPpm, NodeStatus status, ILogger logger)
    {
        _chain = chain;
        _netuid = netuid;
        _options = options;
        _scores = scores;
        _status = status;
        _logger = logger;
        _workers = workers;
        _parity = new EpochParity(chain.Eth, chain.Deployment.Network, ownerCutPpm);
    }

    /// <summary>The epochs this validator ran and how the chain's credit compared with the prediction.</summary>
    public List<ParityReport> Epochs { get; } = [];

    /// <summary>Runs the duties for a new head, when this worker holds them.</summary>
    public async Task OnBlockAsync(MetagraphSnapshot snapshot, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (!_workers.HoldsDuties)
        {
            return;
        }
        if (_workers.DutiesTerm != _term)
        {
            // Taken now (at start, or from a worker that died): its transactions moved the hotkey's nonce and the chain.
            _term = _workers.DutiesTerm;
            _chain.ResyncNonce();
            _epochDue = 0;
            _nextWeightsTry = 0;
        }
        var h = await _chain.BoundedAsync(c => _chain.Views.HyperparametersAsync(_netuid, c), ct).ConfigureAwait(false);
        await EpochAsync(snapshot.Block, ct).ConfigureAwait(false);
        await WeightsAsync(snapshot, h, ct).ConfigureAwait(false);
    }

    private async Task WeightsAsync(MetagraphSnapshot snapshot, Hyperparameters h, CancellationToken ct)
    {
        var me = snapshot.ByHotkey(_chain.Hotkey.Address);
        if (me is null)
        {
            return;
        }
        if (_permit != me.ValidatorPermit)
        {
            _permit = me.ValidatorPermit;
            if (me.ValidatorPermit)
            {
                LogPermit(_logger, me.Uid, _netuid);
            }
            else
            {
                LogNoPermit(_logger, me.Uid, _netuid, me.Stake.ToString(CultureInfo.InvariantCulture), h.MaxValidators);
            }
        }
        if (!me.ValidatorPermit)
        {
            _status.Degrade("permit", "no validator permit: weights are not set (they would not count)");
            return;
        }
        _status.Degrade("permit", null);
        var head = snapshot.Block;
        var interval = (ulong)Math.Max(Math.Max(1, _options.WeightsIntervalBlocks == 0 ? (int)h.WeightsRateLimit : _options.WeightsIntervalBlocks), (int)h.WeightsRateLimit);
        var pending = await LoadPendingAsync(ct).ConfigureAwait(false);

        if (!h.CommitReveal)
        {
            if (head + 1 >= me.LastUpdate + interval && head >= _nextWeightsTry && await IntervalPassedAsync(me.Uid, head, interval, ct).ConfigureAwait(false))
            {
                await SetDirectAsync(snapshot, me, h, ct).ConfigureAwait(false);
            }
            return;
        }

        var (hash, commitBlock) = await _chain.BoundedAsync(c => _chain.Views.GetCommitAsync(_netuid, me.Uid, c), ct).ConfigureAwait(false);
        if (commitBlock != 0)
        {
            var first = commitBlock + h.RevealPeriod;
            var last = first + h.Tempo;
            if (pending is not null && Convert.FromHexString(pending.Hash).AsSpan(0, 24).SequenceEqual(hash.AsSpan(0, Math.Min(24, hash.Length))))
            {
                if (head + 1 > last)
                {
                    LogRevealExpired(_logger, commitBlock, last);
                    await DeletePendingAsync(ct).ConfigureAwait(false);
                }
                else if (head + 1 >= first && head >= _nextWeightsTry)
                {
                    await RevealAsync(pending, commitBlock, ct).ConfigureAwait(false);
                }
                return;
            }
            // A commit whose reveal data is not here (made elsewhere or lost): it expires; commit anew when allowed.
            if (head + 1 < Math.Max(commitBlock, me.LastUpdate) + interval || head + 1 <= last)
            {
                return;
            }
        }
        else if (pending is not null && head < pending.CreatedBlock + 5)
        {
            // Our commit may still be on its way (sent, not mined): do not commit over it.
            return;
        }

        if (head + 1 < me.LastUpdate + interval || head < _nextWeightsTry || !await IntervalPassedAsync(me.Uid, head, interval, ct).ConfigureAwait(false))
        {
            return;
        }
        await CommitAsync(snapshot, me, h, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Whether an interval has passed since this validator's weights were last set, read from the chain now: the
    /// snapshot can predate our own reveal of a block ago (it is refreshed beside this loop), and committing on its
    /// older lastUpdate would commit twice within one interval.
    /// </summary>
    private async Task<bool> IntervalPassedAsync(ushort uid, ulong head, ulong interval, CancellationToken ct)
    {
        var fresh = await _chain.BoundedAsync(c => _chain.Views.GetNeuronAsync(_netuid, uid, c), ct).ConfigureAwait(false);
        return head + 1 >= Math.Max(fresh.LastUpdate, _lastWeightsBlock) + interval;
    }

    private async Task<(ushort[] Uids, ushort[] Weights)?> ComputeAsync(MetagraphSnapshot snapshot, NeuronView me, Hyperparameters h, CancellationToken ct)
    {
        var records = await _scores.GetAllAsync(_netuid, ct).ConfigureAwait(false);
        var byUid = records.ToDictionary(r => r.Uid);
        var scores = snapshot.Neurons
            .Where(n => n.Uid != me.Uid && byUid.TryGetValue(n.Uid, out var r) && string.Equals(r.Hotkey, n.Hotkey.ToLowerHex(), StringComparison.OrdinalIgnoreCase))
            .Select(n => (n.Uid, byUid[n.Uid].Score))
            .ToList();
        var weights = WeightMath.Normalize(scores, _options.MaxWeightLimit, h.MinAllowedWeights);
        if (weights is null)
        {
            LogNothingToWeigh(_logger, scores.Count(s => s.Score > 0), h.MinAllowedWeights);
        }
        return weights;
    }

    private async Task CommitAsync(MetagraphSnapshot snapshot, NeuronView me, Hyperparameters h, CancellationToken ct)
    {
        if (await ComputeAsync(snapshot, me, h, ct).ConfigureAwait(false) is not { } w)
        {
            _nextWeightsTry = snapshot.Block + 1;
            return;
        }
        var salt = RandomNumberGenerator.GetBytes(32);
        var hash = NetworkContract.CommitHash(_chain.Hotkey.Address, _netuid, w.Uids, w.Weights, salt);
        var pending = new PendingCommit(_netuid, w.Uids, w.Weights, Convert.ToHexStringLower(salt), Convert.ToHexStringLower(hash), snapshot.Block, _options.VersionKey);
        if (!await SavePendingAsync(pending, ct).ConfigureAwait(false))
        {
            // The lease passed to another worker since this block began: it commits, not this one.
            return;
        }
        try
        {
            var receipt = await _chain.Network.CommitWeightsAsync(_netuid, hash, ct).ConfigureAwait(false);
            WeightsSet.Add(1, new("kind", "commit"), new("outcome", "ok"));
            LogCommitted(_logger, w.Uids.Length, receipt.BlockNumber, _options.VersionKey, Describe(w));
        }
        catch (Exception e) when (e is ChainException || ChainConnection.IsTransient(e))
        {
            WeightsSet.Add(1, new("kind", "commit"), new("outcome", "failed"));
            _chain.ResyncNonce();
            _nextWeightsTry = snapshot.Block + 2;
            LogWeightsFailed(_logger, "commit", e.Message);
        }
    }

    private async Task RevealAsync(PendingCommit pending, ulong commitBlock, CancellationToken ct)
    {
        try
        {
            var receipt = await _chain.Network.RevealWeightsAsync(_netuid, pending.Uids, pending.Weights, Convert.FromHexString(pending.Salt), ct).ConfigureAwait(false);
            await DeletePendingAsync(ct).ConfigureAwait(false);
            _lastWeightsBlock = Math.Max(_lastWeightsBlock, receipt.BlockNumber);
            WeightsSet.Add(1, new("kind", "reveal"), new("outcome", "ok"));
            LogRevealed(_logger, pending.Uids.Length, commitBlock, receipt.BlockNumber);
        }
        catch (Exception e) when (e is ChainException || ChainConnection.IsTransient(e))
        {
            WeightsSet.Add(1, new("kind", "reveal"), new("outcome", "failed"));
            _chain.ResyncNonce();
            _nextWeightsTry = (ulong)Math.Max((long)commitBlock, 0) + 1;
            LogWeightsFailed(_logger, "reveal", e.Message);
        }
    }

    private async Task SetDirectAsync(MetagraphSnapshot snapshot, NeuronView me, Hyperparameters h, CancellationToken ct)
    {
        if (await ComputeAsync(snapshot, me, h, ct).ConfigureAwait(false) is not { } w)
        {
            _nextWeightsTry = snapshot.Block + 1;
            return;
        }
        try
        {
            var receipt = await _chain.Network.SetWeightsAsync(_netuid, w.Uids, w.Weights, ct).ConfigureAwait(false);
            _lastWeightsBlock = Math.Max(_lastWeightsBlock, receipt.BlockNumber);
            WeightsSet.Add(1, new("kind", "set"), new("outcome", "ok"));
            LogCommitted(_logger, w.Uids.Length, receipt.BlockNumber, _options.VersionKey, Describe(w));
        }
        catch (Exception e) when (e is ChainException || ChainConnection.IsTransient(e))
        {
            WeightsSet.Add(1, new("kind", "set"), new("outcome", "failed"));
            _chain.ResyncNonce();
            _nextWeightsTry = snapshot.Block + 2;
            LogWeightsFailed(_logger, "setWeights", e.Message);
        }
    }

    private async Task EpochAsync(ulong head, CancellationToken ct)
    {
        if (!_options.RunEpochs)
        {
            return;
        }
        if (_epochDue == 0 || head + 1 >= _epochDue)
        {
            _epochDue = await _chain.BoundedAsync(c => _chain.Network.NextEpochBlockAsync(_netuid, c), ct).ConfigureAwait(false);
        }
        if (head + 1 < _epochDue)
        {
            return;
        }
        Receipt receipt;
        try
        {
            receipt = await _chain.Network.RunEpochAsync(_netuid, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ChainException || ChainConnection.IsTransient(e))
        {
            // Someone else ran it first, or it was not due after all: ask again next block.
            _chain.ResyncNonce();
            _epochDue = 0;
            LogEpochNotRun(_logger, e.Message);
            return;
        }
        _epochDue = 0;
        var run = receipt.Logs.Where(NetworkContract.EpochRunEvent.Matches).Select(NetworkContract.EpochRunEvent.Decode).FirstOrDefault();
        if (run is null)
        {
            return;
        }
        try
        {
            var report = await _parity.CheckAsync(run, ct).ConfigureAwait(false);
            lock (Epochs)
            {
                Epochs.Add(report);
            }
            var me = await _chain.BoundedAsync(c => _chain.Views.UidOfAsync(_netuid, _chain.Hotkey.Address, c), ct).ConfigureAwait(false);
            var predicted = me < report.Result.Dividends.Length ? report.Result.Dividends[me] : 0UL;
            var incentives = string.Join(" ", report.Result.Incentive.Select((x, i) => string.Create(CultureInfo.InvariantCulture, $"{i}:{x / 4294967296.0:0.####}")));
            if (report.Ok)
            {
                EpochsRun.Add(1, new KeyValuePair<string, object?>("parity", "equal"));
                LogEpochEqual(_logger, run.Epoch, run.BlockNumber, ChainConnection.Tokens(run.Emission), report.Uids, me, predicted / 4294967296.0, incentives);
            }
            else
            {
                EpochsRun.Add(1, new KeyValuePair<string, object?>("parity", "different"));
                LogEpochDiffers(_logger, run.Epoch, run.BlockNumber, report.Differences.Count, string.Join("; ", report.Differences.Take(20)));
            }
        }
        catch (Exception e) when (e is ChainException || ChainConnection.IsTransient(e))
        {
            LogParityUnavailable(_logger, run.Epoch, e.Message);
        }
    }

    private static string Describe((ushort[] Uids, ushort[] Weights) w) =>
        string.Join(" ", w.Uids.Select((u, i) => string.Create(CultureInfo.InvariantCulture, $"{u}:{w.Weights[i]}")));

    private async Task<PendingCommit?> LoadPendingAsync(CancellationToken ct)
    {
        var json = await _workers.ReadDutyRecordAsync(PendingKey, ct).ConfigureAwait(false);
        try
        {
            return json is null ? null : JsonSerializer.Deserialize<PendingCommit>(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Guarded by the duties lease: false (nothing written) when another worker holds it now.
    private async Task<bool> SavePendingAsync(PendingCommit pending, CancellationToken ct) =>
        await _workers.TryWriteDutyRecordAsync(PendingKey, JsonSerializer.Serialize(pending), ct).ConfigureAwait(false);

    private async Task DeletePendingAsync(CancellationToken ct) => await _workers.TryWriteDutyRecordAsync(PendingKey, null, ct).ConfigureAwait(false);

    [LoggerMessage(EventId = 20, Level = LogLevel.Information, Message = "weights committed for {Count} uids in block {Block} (version key {VersionKey}): {Weights}")]
    private static partial void LogCommitted(ILogger logger, int count, ulong block, int versionKey, string weights);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "weights revealed for {Count} uids (committed in block {Commit}) in block {Block}")]
    private static partial void LogRevealed(ILogger logger, int count, ulong commit, ulong block);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "{Kind} failed, retrying with a fresh transaction: {Error}")]
    private static partial void LogWeightsFailed(ILogger logger, string kind, string error);

    [LoggerMessage(EventId = 23, Level = LogLevel.Warning, Message = "the commit of block {Commit} could not be revealed before block {Last}; it expired")]
    private static partial void LogRevealExpired(ILogger logger, ulong commit, ulong last);

    [LoggerMessage(EventId = 24, Level = LogLevel.Information, Message = "no weights set: {Scored} miners scored above zero, the subnet needs at least {Min}")]
    private static partial void LogNothingToWeigh(ILogger logger, int scored, int min);

    [LoggerMessage(EventId = 25, Level = LogLevel.Information, Message = "uid {Uid} holds a validator permit on subnet {Netuid}: its weights count")]
    private static partial void LogPermit(ILogger logger, int uid, int netuid);

    [LoggerMessage(EventId = 26, Level = LogLevel.Warning, Message = "uid {Uid} has NO validator permit on subnet {Netuid}: its weights would not count, so none are set (permits go to the top {MaxValidators} by stake at each epoch; this hotkey has {Stake})")]
    private static partial void LogNoPermit(ILogger logger, int uid, int netuid, string stake, int maxValidators);

    [LoggerMessage(EventId = 27, Level = LogLevel.Information, Message = "epoch {Epoch} run in block {Block} (emission {Emission}, {Uids} uids): credited equals the C# prediction; this validator (uid {Uid}) dividends {Dividends:0.######}; incentives {Incentives}")]
    private static partial void LogEpochEqual(ILogger logger, ulong epoch, ulong block, string emission, int uids, int uid, double dividends, string incentives);

    [LoggerMessage(EventId = 28, Level = LogLevel.Error, Message = "epoch {Epoch} run in block {Block}: the chain credited something else than Intelligence.Consensus predicts, {Count} fields differ: {Differences}")]
    private static partial void LogEpochDiffers(ILogger logger, ulong epoch, ulong block, int count, string differences);

    [LoggerMessage(EventId = 29, Level = LogLevel.Debug, Message = "epoch not run: {Error}")]
    private static partial void LogEpochNotRun(ILogger logger, string error);

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "epoch {Epoch}: could not read the state to compare with the prediction: {Error}")]
    private static partial void LogParityUnavailable(ILogger logger, ulong epoch, string error);
}
