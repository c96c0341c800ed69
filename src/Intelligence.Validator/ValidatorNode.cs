using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Intelligence.Chain;
using Intelligence.Node;
using Intelligence.Protocol.Signing;
using Intelligence.State;
using Intelligence.Subnets;
using Intelligence.Subnets.Catalog;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NeuronHotkey = Intelligence.State.Stores.NeuronHotkey;
using ScoreSample = Intelligence.State.Stores.ScoreSample;

namespace Intelligence.Validator;

/// <summary>
/// The validator's lifecycle. Start: unlock the hotkey, connect, check registration, stake and permit (warning when
/// its weights would not count), load the subnet with this validator's private split and the persisted scores.
/// Run: the step loop (sync, pick miners, signed queries with a deadline, score, EMA per UID, persist, keep evidence)
/// and, on every new block, the chain duties (weights, epoch). Stop: finish the running step within the shutdown
/// timeout, persist, flush.
/// </summary>
public sealed partial class ValidatorNode(
    IOptions<ValidatorOptions> validatorOptions,
    IOptions<ChainOptions> chainOptions,
    IOptions<WalletOptions> walletOptions,
    IOptions<SubnetOptions> subnetOptions,
    IOptions<StateOptions> stateOptions,
    NodeStatus status,
    ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    /// <summary>ActivitySource name of the validator.</summary>
    public const string ActivitySourceName = "Intelligence.Validator";

    private static readonly ActivitySource Source = new(ActivitySourceName);
    private static readonly Meter Meter = new(ChainDuties.MeterName + ".Steps");
    private static readonly Histogram<double> StepTime = Meter.CreateHistogram<double>("intelligence.validator.step.duration", "ms", "Wall time of one query round");
    private static readonly Histogram<double> Scores = Meter.CreateHistogram<double>("intelligence.validator.score", description: "Per-query scores given to miners");
    private static readonly Counter<long> Queries = Meter.CreateCounter<long>("intelligence.validator.queries", description: "Miner queries by outcome");

    private readonly ILogger _logger = loggers.CreateLogger<ValidatorNode>();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly List<(SubnetQuery Query, IReadOnlyList<MinerAnswer> Answers)> _unrevealed = [];
    private ValidatorOptions _options = null!;
    private ushort _netuid;
    private ISubnet _subnet = null!;
    private ChainConnection? _chain;
    private ChainWatch? _watch;
    private ValidatorState? _state;
    private MinerQuerier? _querier;
    private EvidenceLog? _evidence;
    private ChainDuties? _duties;
    private WorkerGroup? _workers;
    private PrivateKey? _hotkey;
    private Task? _steps;
    private Task? _blocks;
    private Task? _leases;
    private Random _rng = new();
    private readonly SemaphoreSlim _newBlock = new(0, 1);

    /// <summary>The validator's UID (after start).</summary>
    public int Uid { get; private set; } = -1;

    /// <summary>The hotkey address (after start).</summary>
    public string Hotkey => _hotkey?.Address.ToLowerHex() ?? "";

    /// <summary>"index/count" of this worker (after start).</summary>
    public string Worker => _workers?.ToString() ?? "";

    /// <summary>Steps completed since start.</summary>
    public long StepsDone { get; private set; }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _options = validatorOptions.Value;
        _netuid = (ushort)subnetOptions.Value.Netuid;
        var name = subnetOptions.Value.Name;
        status.Set("role", "validator");
        status.Set("netuid", _netuid.ToString(CultureInfo.InvariantCulture));
        status.Set("subnet", name);

        var (hotkey, _) = WalletUnlock.Unlock(walletOptions.Value, coldkey: false);
        _hotkey = hotkey;
        status.Set("hotkey", hotkey.Address.ToLowerHex());
        var seed = _options.Seed != 0 ? _options.Seed : BitConverter.ToInt32(Keccak256.Hash(hotkey.Address.ToBytes()), 0) & int.MaxValue;
        try
        {
            _subnet = SubnetCatalog.Create(name, new ClassificationSplitOptions { ValidatorSeed = seed, BatchSize = _options.BatchSize })
                ?? throw new NodeStartupException($"Subnet:Name: unknown subnet '{name}'");
        }
        catch (SubnetCatalogException e)
        {
            throw new NodeStartupException($"Subnet:Name: {e.Message}");
        }
        _rng = new Random(seed ^ Environment.ProcessId);

        _chain = await ChainConnection.ConnectAsync(chainOptions.Value, hotkey, cancellationToken).ConfigureAwait(false);
        _watch = new ChainWatch(_chain, _netuid, status, chainOptions.Value, loggers.CreateLogger<ChainWatch>());
        var snapshot = await _watch.InitialSyncAsync(cancellationToken).ConfigureAwait(false);
        var me = snapshot.ByHotkey(hotkey.Address);
        if (me is null)
        {
            var burn = await _chain.BoundedAsync(c => _chain.Network.BurnCostAsync(_netuid, c), cancellationToken).ConfigureAwait(false);
            throw new NodeStartupException(string.Create(CultureInfo.InvariantCulture,
                $"hotkey {hotkey.Address.ToLowerHex()} ({walletOptions.Value.Name}/{walletOptions.Value.Hotkey}) is not registered on subnet {_netuid} (registration burns {ChainConnection.Tokens(burn)} tokens now)"))
            {
                Hints =
                [
                    string.Create(CultureInfo.InvariantCulture, $"register:  intelligence subnet register --netuid {_netuid} --wallet {walletOptions.Value.Name} --hotkey {walletOptions.Value.Hotkey}"),
                    string.Create(CultureInfo.InvariantCulture, $"then stake: intelligence stake add --netuid {_netuid} --wallet {walletOptions.Value.Name} --hotkey {walletOptions.Value.Hotkey} --amount <tokens>"),
                ],
            };
        }
        Uid = me.Uid;
        status.Set("uid", Uid.ToString(CultureInfo.InvariantCulture));
        var h = await _chain.BoundedAsync(c => _chain.Views.HyperparametersAsync(_netuid, c), cancellationToken).ConfigureAwait(false);
        if (!me.ValidatorPermit)
        {
            var permitted = snapshot.Neurons.Where(n => n.ValidatorPermit).Select(n => n.Stake).DefaultIfEmpty().Min();
            LogStartNoPermit(_logger, Uid, _netuid, ChainConnection.Tokens(me.Stake), h.MaxValidators, ChainConnection.Tokens(permitted));
        }
        if (me.Stake < h.StakeThreshold)
        {
            LogStakeBelowThreshold(_logger, ChainConnection.Tokens(me.Stake), ChainConnection.Tokens(h.StakeThreshold));
        }

        _state = await ValidatorState.OpenAsync(stateOptions.Value, _netuid, reason => status.Degrade("redis", reason), cancellationToken).ConfigureAwait(false);
        var loaded = await _state.Scores.GetAllAsync(_netuid, cancellationToken).ConfigureAwait(false);
        LogScoresLoaded(_logger, loaded.Count, _state.Description);
        _workers = new WorkerGroup(_state.Leases, _state.Shared, Hotkey, _netuid, _options, status, loggers.CreateLogger<WorkerGroup>());
        await _workers.JoinAsync(cancellationToken).ConfigureAwait(false);
        _evidence = new EvidenceLog(stateOptions.Value.DataDir, _netuid, _options.EvidenceRetention);
        // Each worker signs in its own nonce lane, so workers of one hotkey never send a miner the same nonce.
        _querier = new MinerQuerier(hotkey, _chain.ChainId, _netuid, new NonceClock(_workers.Index, _workers.Count));
        var ownerCut = await _chain.BoundedAsync(c => _chain.Network.OwnerCutPpmAsync(c), cancellationToken).ConfigureAwait(false);
        _duties = new ChainDuties(_chain, _netuid, _options, _state.Scores, _workers, ownerCut, status, loggers.CreateLogger<ChainDuties>());

        _watch.NewBlock += _ => { if (_newBlock.CurrentCount == 0) { try { _newBlock.Release(); } catch (SemaphoreFullException) { } } };
        await _watch.StartAsync(cancellationToken).ConfigureAwait(false);
        _steps = Task.Run(() => StepLoopAsync(_stopping.Token), CancellationToken.None);
        _blocks = Task.Run(() => BlockLoopAsync(_stopping.Token), CancellationToken.None);
        _leases = Task.Run(() => _workers.RunAsync(_stopping.Token), CancellationToken.None);
        status.MarkReady();
        LogReady(_logger, Uid, Hotkey, _netuid, name, me.ValidatorPermit, _state.Description, _workers.ToString(), _workers.HoldsDuties);
    }

    private async Task StepLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var started = Clock.Now();
            try
            {
                await StepAsync(_abort.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is StateException || ChainConnection.IsTransient(e))
            {
                status.Degrade("state", $"step failed: {e.Message}");
                LogStepFailed(_logger, e.Message);
            }
            var wait = _options.StepInterval - Clock.Since(started);
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task BlockLoopAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _newBlock.WaitAsync(stopping).ConfigureAwait(false);
                if (_watch!.Current is { } snapshot && !_watch.Degraded)
                {
                    await _duties!.OnBlockAsync(snapshot, _abort.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested || _abort.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is ChainException || ChainConnection.IsTransient(e) || e is StateException)
            {
                LogDutiesFailed(_logger, e.Message);
            }
        }
    }

    /// <summary>One query round.</summary>
    private async Task StepAsync(CancellationToken ct)
    {
        var snapshot = _watch!.Current;
        if (snapshot is null)
        {
            return;
        }
        using var activity = Source.StartActivity("validator.step");
        var started = Clock.Now();
        var scores = _state!.Scores;
        // The whole metagraph in one store call (one commit on the embedded store, one batch on Redis).
        var hotkeys = snapshot.Neurons.Select(n => new NeuronHotkey(n.Uid, n.Hotkey.ToLowerHex())).ToList();
        foreach (var uid in await scores.SyncHotkeysAsync(_netuid, hotkeys, ct).ConfigureAwait(false))
        {
            LogHotkeyChanged(_logger, uid, hotkeys.First(n => n.Uid == uid).Hotkey);
        }
        var targets = snapshot.Neurons
            .Where(n => n.Uid != Uid && _workers!.Queries(n.Uid) && AxonAddress.Decode(n.Axon) is not null)
            .Select(n => new MinerTarget(n.Uid, n.Hotkey, new Uri("http://" + AxonAddress.Decode(n.Axon))))
            .ToList();
        if (_options.SampleSize > 0 && targets.Count > _options.SampleSize)
        {
            var last = (await scores.GetAllAsync(_netuid, ct).ConfigureAwait(false)).ToDictionary(r => r.Uid, r => r.LastQueryUnixMs);
            targets = [.. targets.OrderBy(t => last.GetValueOrDefault(t.Uid)).ThenBy(_ => _rng.Next()).Take(_options.SampleSize)];
        }
        if (targets.Count == 0)
        {
            LogNoMiners(_logger, snapshot.Block);
            return;
        }

        var query = _subnet.CreateQueryBatch(_rng);
        var answers = await _querier!.QueryAsync(targets, query, _subnet.Name, _options.QueryTimeout, _options.MaxConcurrency, ct).ConfigureAwait(false);
        _unrevealed.Add((query, answers));
        var now = DateTimeOffset.UtcNow;
        var scored = new List<(MinerAnswer Answer, MinerScore Score)>();
        foreach (var (q, a) in _unrevealed.Where(p => _subnet.IsRevealed(p.Query)).ToList())
        {
            _unrevealed.Remove((q, a));
            var given = _subnet.Score(q, [.. a.Select(x => x.Response)]);
            scored.AddRange(a.Select((answer, i) => (answer, given[i])));
        }
        // Every sample of the step in one store call, in order: one durable commit (embedded store) or one pipelined
        // batch (Redis) per step instead of one per miner.
        var records = scored.Count == 0 ? [] : await scores.UpdateManyAsync(
            [.. scored.Select(x => new ScoreSample(_netuid, x.Answer.Miner.Uid, x.Answer.Miner.Hotkey.ToLowerHex(), x.Score.Score, _options.Alpha, now))], ct).ConfigureAwait(false);
        var evidence = new List<Evidence>();
        var summary = new List<string>();
        for (var i = 0; i < scored.Count; i++)
        {
            var (a, s) = scored[i];
            Scores.Record(s.Score);
            Queries.Add(1, new KeyValuePair<string, object?>("outcome", s.Reason.ToString()));
            summary.Add(string.Create(CultureInfo.InvariantCulture, $"{a.Miner.Uid}={s.Score:0.###}/{records[i].Score:0.###}({s.Reason}{(a.Status == "OK" ? "" : ":" + a.Status)})"));
            if (a.Evidence is { } e)
            {
                evidence.Add(e with { Score = s.Score, Reason = s.Reason.ToString() });
            }
        }
        // Forecast queries wait for their truth; bound what waits so a stalled series cannot grow memory.
        while (_unrevealed.Count > 1000)
        {
            _unrevealed.RemoveAt(0);
        }
        status.Degrade("state", null);
        if (evidence.Count > 0)
        {
            _evidence!.Append(evidence);
        }
        StepsDone++;
        var elapsed = Clock.Since(started);
        StepTime.Record(elapsed.TotalMilliseconds);
        LogStep(_logger, StepsDone, snapshot.Block, targets.Count, (long)elapsed.TotalMilliseconds, string.Join(" ", summary));
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // Let the running step finish (its scores are persisted); cancel it only when the shutdown deadline comes.
        await _stopping.CancelAsync().ConfigureAwait(false);
        using var registration = cancellationToken.Register(() => _abort.Cancel());
        foreach (var task in new[] { _steps, _blocks, _leases })
        {
            if (task is not null)
            {
                try
                {
                    await task.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    await _abort.CancelAsync().ConfigureAwait(false);
                }
            }
        }
        if (_workers is not null)
        {
            await _workers.LeaveAsync().ConfigureAwait(false);
        }
        if (_watch is not null)
        {
            await _watch.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        LogStopped(_logger, StepsDone);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _watch?.Dispose();
        _querier?.Dispose();
        if (_state is not null)
        {
            await _state.DisposeAsync().ConfigureAwait(false);
        }
        _chain?.Dispose();
        _hotkey?.Dispose();
        _stopping.Dispose();
        _abort.Dispose();
        _newBlock.Dispose();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "validator ready: uid {Uid} hotkey {Hotkey} subnet {Netuid} ({Subnet}), permit {Permit}, scores in {Store}, worker {Worker}, holds the chain duties {Duties}")]
    private static partial void LogReady(ILogger logger, int uid, string hotkey, int netuid, string subnet, bool permit, string store, string worker, bool duties);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "uid {Uid} has no validator permit on subnet {Netuid} yet: its weights will not count until it gets one (stake {Stake}; permits go to the top {MaxValidators} by stake at each epoch, the lowest permit holder has {Lowest})")]
    private static partial void LogStartNoPermit(ILogger logger, int uid, int netuid, string stake, int maxValidators, string lowest);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "stake {Stake} is below the subnet's stake threshold {Threshold}: this validator counts as zero stake in consensus")]
    private static partial void LogStakeBelowThreshold(ILogger logger, string stake, string threshold);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "loaded {Count} persisted scores from {Store}")]
    private static partial void LogScoresLoaded(ILogger logger, int count, string store);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "step {Step} at block {Block}: {Miners} miners in {Ms} ms; uid=score/ema: {Scores}")]
    private static partial void LogStep(ILogger logger, long step, ulong block, int miners, long ms, string scores);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "uid {Uid} has a new hotkey {Hotkey}: its score starts from zero")]
    private static partial void LogHotkeyChanged(ILogger logger, int uid, string hotkey);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "no serving miners in the metagraph of block {Block}")]
    private static partial void LogNoMiners(ILogger logger, ulong block);

    [LoggerMessage(EventId = 8, Level = LogLevel.Warning, Message = "step failed, keeping in-process state and trying again next step: {Error}")]
    private static partial void LogStepFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 9, Level = LogLevel.Warning, Message = "chain duties failed this block (retried next block): {Error}")]
    private static partial void LogDutiesFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "stopped after {Steps} steps; scores persisted")]
    private static partial void LogStopped(ILogger logger, long steps);
}
