using System.Diagnostics.Metrics;
using System.Globalization;
using Intelligence.Chain.Contracts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Intelligence.Node;

/// <summary>
/// The watchdog and metagraph cache. Polls the head every <c>Chain:PollInterval</c> (each call bounded by
/// <c>Chain:CallTimeout</c>), refreshes the subnet's metagraph when a block brings one of its events, and raises
/// <see cref="Updated"/>. A node that stops answering, or whose head stops moving for <c>Chain:StallAfter</c>,
/// marks the node degraded (readiness 503) and is retried with exponential backoff up to <c>Chain:MaxBackoff</c>;
/// meanwhile the last snapshot stays in use. Recovery clears the degradation by itself.
/// </summary>
public sealed partial class ChainWatch : BackgroundService
{
    /// <summary>Meter name of the chain watch.</summary>
    public const string MeterName = "Intelligence.Node.Chain";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> RpcErrors = Meter.CreateCounter<long>("intelligence.chain.rpc_errors", description: "Chain calls that failed or timed out");

    private readonly ChainConnection _chain;
    private readonly ushort _netuid;
    private readonly NodeStatus _status;
    private readonly ChainOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private MetagraphSnapshot? _current;
    private long _currentAt;
    private long _lastAdvance;
    private int _failures;

    /// <summary>Creates the watch for one subnet.</summary>
    public ChainWatch(ChainConnection chain, ushort netuid, NodeStatus status, ChainOptions options, ILogger<ChainWatch> logger, TimeProvider? time = null)
    {
        _chain = chain;
        _netuid = netuid;
        _status = status;
        _options = options;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        Meter.CreateObservableGauge("intelligence.metagraph.age", () => _current is null ? 0.0 : MetagraphAge.TotalSeconds, unit: "s", description: "Time since the metagraph was last confirmed current");
    }

    /// <summary>The latest snapshot (null before the first sync).</summary>
    public MetagraphSnapshot? Current => _current;

    /// <summary>The newest head seen.</summary>
    public ulong Head => _current?.Block ?? 0;

    /// <summary>Time since the snapshot was last confirmed against the node.</summary>
    public TimeSpan MetagraphAge => _time.GetElapsedTime(Interlocked.Read(ref _currentAt));

    /// <summary>True while the node is unreachable or stalled.</summary>
    public bool Degraded => _status.Degradations.ContainsKey("chain") || _status.Degradations.ContainsKey("chain-stall");

    /// <summary>Raised (on the watch's loop) with every snapshot whose neurons changed, and with the first one.</summary>
    public event Action<MetagraphSnapshot>? Updated;

    /// <summary>Raised on every new head (after <see cref="Updated"/> when both apply).</summary>
    public event Action<MetagraphSnapshot>? NewBlock;

    /// <summary>First sync, at start-up; failures surface to the caller.</summary>
    public async Task<MetagraphSnapshot> InitialSyncAsync(CancellationToken ct)
    {
        var snapshot = await _chain.BoundedAsync(c => _chain.Metagraph.SyncAsync(_netuid, c), ct).ConfigureAwait(false);
        Publish(snapshot, changed: true);
        return snapshot;
    }

    /// <summary>Re-reads the metagraph now (e.g. after the node's own transaction), bounded by the call timeout.</summary>
    public async Task<MetagraphSnapshot?> RefreshNowAsync(CancellationToken ct)
    {
        try
        {
            var snapshot = await _chain.BoundedAsync(c => _chain.Metagraph.SyncAsync(_netuid, c), ct).ConfigureAwait(false);
            Publish(snapshot, changed: true);
            return snapshot;
        }
        catch (Exception e) when (ChainConnection.IsTransient(e) && !ct.IsCancellationRequested)
        {
            Failed(e);
            return null;
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _lastAdvance = _time.GetTimestamp();
        while (!stoppingToken.IsCancellationRequested)
        {
            var delay = _options.PollInterval;
            try
            {
                var previous = _current;
                var next = previous is null
                    ? await _chain.BoundedAsync(c => _chain.Metagraph.SyncAsync(_netuid, c), stoppingToken).ConfigureAwait(false)
                    : await _chain.BoundedAsync(c => _chain.Metagraph.RefreshAsync(previous, c), stoppingToken).ConfigureAwait(false);
                Recovered();
                Publish(next, changed: previous is null || !ReferenceEquals(previous.Neurons, next.Neurons));
                CheckStall();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (ChainConnection.IsTransient(e))
            {
                Failed(e);
                var backoff = _options.PollInterval * Math.Pow(2, Math.Min(_failures, 10));
                delay = backoff > _options.MaxBackoff ? _options.MaxBackoff : backoff;
            }
            try
            {
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private void Publish(MetagraphSnapshot snapshot, bool changed)
    {
        var previous = _current;
        var advanced = previous is null || snapshot.Block > previous.Block;
        if (previous is not null && snapshot.Block < previous.Block)
        {
            // A node restarted from an older state (a devnet reset): take it, but say so.
            LogHeadWentBack(_logger, previous.Block, snapshot.Block);
            changed = true;
            advanced = true;
        }
        _current = snapshot;
        Interlocked.Exchange(ref _currentAt, _time.GetTimestamp());
        _status.Set("block", snapshot.Block.ToString(CultureInfo.InvariantCulture));
        _status.Set("neurons", snapshot.Count.ToString(CultureInfo.InvariantCulture));
        if (advanced)
        {
            _lastAdvance = _time.GetTimestamp();
        }
        if (changed)
        {
            Updated?.Invoke(snapshot);
        }
        if (advanced)
        {
            NewBlock?.Invoke(snapshot);
        }
    }

    private void CheckStall()
    {
        if (_options.StallAfter <= TimeSpan.Zero)
        {
            return;
        }
        var still = _time.GetElapsedTime(_lastAdvance);
        if (still > _options.StallAfter)
        {
            var reason = string.Create(CultureInfo.InvariantCulture, $"node answers but its head has not moved from block {Head} since {_options.StallAfter.TotalSeconds:0} s or more");
            if (_status.Degrade("chain-stall", reason))
            {
                LogStalled(_logger, Head, (long)still.TotalSeconds);
            }
        }
        else if (_status.Degrade("chain-stall", null))
        {
            LogChainBack(_logger, _options.RpcUrl, 0);
        }
    }

    private void Failed(Exception e)
    {
        _failures++;
        RpcErrors.Add(1);
        var reason = $"chain node unreachable or failing ({e.GetType().Name}: {e.Message}); serving from the metagraph of block {Head}";
        if (_status.Degrade("chain", reason) || _failures % 20 == 0)
        {
            LogChainDown(_logger, _options.RpcUrl, _failures, e.Message, Head);
        }
    }

    private void Recovered()
    {
        if (_failures > 0)
        {
            var failures = _failures;
            _failures = 0;
            if (_status.Degrade("chain", null))
            {
                LogChainBack(_logger, _options.RpcUrl, failures);
            }
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Warning, Message = "chain node {Url} failing ({Failures} in a row): {Error}; keeping the metagraph of block {Block}, retrying with backoff")]
    private static partial void LogChainDown(ILogger logger, string url, int failures, string error, ulong block);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "chain node {Url} answers again after {Failures} failed polls")]
    private static partial void LogChainBack(ILogger logger, string url, int failures);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "chain head stalled at block {Block} for {Seconds} s")]
    private static partial void LogStalled(ILogger logger, ulong block, long seconds);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "chain head went back from block {Old} to {New} (node reset?)")]
    private static partial void LogHeadWentBack(ILogger logger, ulong old, ulong @new);
}
