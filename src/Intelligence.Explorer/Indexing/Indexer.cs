using System.Globalization;
using System.Numerics;
using Intelligence.Chain;
using Intelligence.Chain.Rpc;

namespace Intelligence.Explorer.Indexing;

/// <summary>
/// Builds the index from the Network contract's events and follows the chain: each step reads the events of the next
/// block range, replays every EpochRun it finds (<see cref="EpochReplay"/>), and stores them with a checkpoint of the
/// range's last block hash. Before each step the newest checkpoint is compared with the chain; on a mismatch the index
/// walks back through its checkpoints (kept over <see cref="ExplorerOptions.ReorgDepth"/> blocks) to the newest one
/// still on the chain and drops everything above it. It also publishes the network at the head for the API.
/// </summary>
public sealed partial class Indexer(ChainReader chain, IndexStore store, LiveState live, ExplorerOptions options, ILogger<Indexer> log) : BackgroundService
{
    private ulong _reorgs;
    private ulong _resumedFrom;
    private EpochReplay? _replay;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var deployment = chain.Deployment;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PrepareAsync(deployment, stoppingToken).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (e is RpcException or RpcTransportException or ChainException or TimeoutException or HttpRequestException)
            {
                Failed("connecting", e);
                await Task.Delay(options.PollInterval, stoppingToken).ConfigureAwait(false);
            }
        }

        ulong? lastHead = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            bool caughtUp;
            try
            {
                var head = await chain.HeadAsync(stoppingToken).ConfigureAwait(false);
                await CheckReorgAsync(deployment, stoppingToken).ConfigureAwait(false);
                caughtUp = await StepAsync(deployment, head, stoppingToken).ConfigureAwait(false);
                if (lastHead != head || live.Snapshot is null)
                {
                    live.Publish(await SnapshotAsync(head, stoppingToken).ConfigureAwait(false));
                    lastHead = head;
                    live.Notify(new ChangeNotice("head", head));
                }
                live.SetStatus(new IndexStatus(caughtUp ? "following" : "catching up", head, store.LastBlock, _resumedFrom, _reorgs, null));
            }
            catch (Exception e) when (e is RpcException or RpcTransportException or ChainException or TimeoutException or HttpRequestException)
            {
                Failed("following", e);
                caughtUp = true;
            }
            if (caughtUp)
            {
                await Task.Delay(options.PollInterval, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    private void Failed(string what, Exception e)
    {
        LogFailed(log, what, e.Message);
        // A transport failure is the node being away; an answer we cannot use (wrong chain, no contract) is an error.
        var state = e is RpcTransportException or TimeoutException or HttpRequestException ? "node unreachable" : "error";
        live.SetStatus(live.Status with { State = state, LastError = e.Message });
    }

    /// <summary>Checks the node is the deployment's chain, drops an index of another deployment, and finds where to resume.</summary>
    private async Task PrepareAsync(Deployment deployment, CancellationToken ct)
    {
        var chainId = await chain.ChainIdAsync(ct).ConfigureAwait(false);
        if (chainId != deployment.ChainId)
        {
            throw new ChainException(string.Create(CultureInfo.InvariantCulture, $"the node's chain id {chainId} differs from the addresses file's {deployment.ChainId}"));
        }
        if (!await chain.NetworkDeployedAsync(ct).ConfigureAwait(false))
        {
            throw new ChainException($"no contract at the addresses file's network address {deployment.Network}");
        }
        var identity = string.Create(CultureInfo.InvariantCulture, $"{deployment.ChainId}:{deployment.Network.ToLowerInvariant()}:{deployment.StartBlock}");
        if (store.GetMeta("deployment") != identity)
        {
            store.Reset();
            store.SetMeta("deployment", identity);
        }
        _replay = new EpochReplay(chain, await chain.OwnerCutPpmAsync(ct).ConfigureAwait(false));
        _resumedFrom = store.LastBlock is { } last ? last + 1 : deployment.StartBlock;
        LogResuming(log, _resumedFrom, deployment.Network);
    }

    /// <summary>Rolls the index back to the newest checkpoint still on the chain when the newest one is not.</summary>
    private async Task CheckReorgAsync(Deployment deployment, CancellationToken ct)
    {
        var checkpoints = store.Checkpoints();
        if (checkpoints.Count == 0)
        {
            return;
        }
        var newest = await chain.BlockAsync(checkpoints[0].Number, ct).ConfigureAwait(false);
        if (newest?.Hash == checkpoints[0].Hash)
        {
            return;
        }
        foreach (var checkpoint in checkpoints.Skip(1))
        {
            var onChain = await chain.BlockAsync(checkpoint.Number, ct).ConfigureAwait(false);
            if (onChain?.Hash == checkpoint.Hash)
            {
                store.RollbackTo(checkpoint.Number);
                _reorgs++;
                live.SetStatus(live.Status with { State = "catching up", IndexedTo = checkpoint.Number, Reorgs = _reorgs });
                LogReorg(log, checkpoints[0].Number, checkpoint.Number);
                live.Notify(new ChangeNotice("reorg", checkpoint.Number));
                return;
            }
        }
        // Deeper than every checkpoint: start again from the deployment.
        store.Reset();
        store.SetMeta("deployment", string.Create(CultureInfo.InvariantCulture, $"{deployment.ChainId}:{deployment.Network.ToLowerInvariant()}:{deployment.StartBlock}"));
        _reorgs++;
        live.SetStatus(live.Status with { State = "catching up", IndexedTo = null, Reorgs = _reorgs });
        LogReorg(log, checkpoints[0].Number, deployment.StartBlock);
        live.Notify(new ChangeNotice("reorg", deployment.StartBlock));
    }

    /// <summary>Indexes the next range up to <paramref name="head"/>; true when the index has reached it.</summary>
    private async Task<bool> StepAsync(Deployment deployment, ulong head, CancellationToken ct)
    {
        var from = store.LastBlock is { } last ? last + 1 : deployment.StartBlock;
        if (from > head)
        {
            return true;
        }
        var to = Math.Min(head, from + options.BatchBlocks - 1);
        var tip = await chain.BlockAsync(to, ct).ConfigureAwait(false)
            ?? throw new ChainException(string.Create(CultureInfo.InvariantCulture, $"the node has no block {to} below its head {head}"));
        var events = await chain.EventsAsync(from, to, ct).ConfigureAwait(false);
        var epochs = new List<(EpochRecord, ulong)>();
        foreach (var e in events.Where(e => e.Kind == "EpochRun"))
        {
            var run = ChainReader.ToEpochRun(e);
            EpochRecord record;
            try
            {
                record = await _replay!.ReplayAsync(run, ct).ConfigureAwait(false);
            }
            catch (RpcException error)
            {
                // The node answered (so this is not a transient failure) but has no state for that block.
                LogUnavailable(log, run.Netuid, run.Epoch, error.Message);
                record = EpochReplay.Unavailable(run, error.Message);
            }
            var time = (await chain.BlockAsync(run.Block, ct).ConfigureAwait(false))?.Timestamp ?? 0;
            epochs.Add((record, time));
        }
        // A reorganisation while the range was read: its block hash moved; read the range again on the next step.
        if ((await chain.BlockAsync(to, ct).ConfigureAwait(false))?.Hash != tip.Hash)
        {
            return false;
        }
        var keepFrom = head > options.ReorgDepth ? head - options.ReorgDepth : 0;
        store.Append(events, epochs, tip, keepFrom);
        foreach (var (record, _) in epochs)
        {
            LogEpoch(log, record.Run.Netuid, record.Run.Epoch, record.Run.Block, record.Verdict);
            live.Notify(new ChangeNotice("epoch", record.Run.Block, record.Run.Netuid, record.Run.Epoch));
        }
        return to == head;
    }

    /// <summary>Reads the network at <paramref name="head"/>: subnets, metagraphs, next epochs, burns, supply.</summary>
    private async Task<NetworkSnapshot> SnapshotAsync(ulong head, CancellationToken ct)
    {
        var block = await chain.BlockAsync(head, ct).ConfigureAwait(false) ?? new BlockRef(head, "", 0);
        var subnets = await chain.SubnetsAsync(head, ct).ConfigureAwait(false);
        var totalSnapshot = subnets.Aggregate(BigInteger.Zero, (s, n) => s + n.StakeSnapshot);
        var live_ = new List<SubnetLive>(subnets.Count);
        var metagraphs = new Dictionary<ushort, IReadOnlyList<NeuronState>>();
        foreach (var s in subnets)
        {
            var neurons = await chain.MetagraphAsync(s.Netuid, head, ct).ConfigureAwait(false);
            metagraphs[s.Netuid] = neurons;
            var next = await chain.NextEpochBlockAsync(s.Netuid, head, ct).ConfigureAwait(false);
            var pending = await chain.PendingEmissionAsync(s.Netuid, head, ct).ConfigureAwait(false);
            var burn = await chain.BurnCostAsync(s.Netuid, head, ct).ConfigureAwait(false);
            var validators = neurons.Count(n => n.ValidatorPermit);
            // Section 4.2 of docs/consensus.md: by snapshot stake, or equally while no subnet has any.
            var share = totalSnapshot.IsZero ? 1.0 / subnets.Count : (double)(s.StakeSnapshot * 1_000_000 / totalSnapshot) / 1_000_000;
            live_.Add(new SubnetLive(s, next, pending, burn, validators, neurons.Count - validators, share));
        }
        var supply = await chain.TotalSupplyAsync(head, ct).ConfigureAwait(false);
        var issuance = await chain.AccruedIssuanceAsync(head, ct).ConfigureAwait(false);
        return new NetworkSnapshot(block, live_, metagraphs, supply, issuance);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "indexing from block {Block} (network {Network})")]
    private static partial void LogResuming(ILogger logger, ulong block, string network);

    [LoggerMessage(Level = LogLevel.Information, Message = "subnet {Netuid} epoch {Epoch} at block {Block}: C# replay {Verdict}")]
    private static partial void LogEpoch(ILogger logger, ushort netuid, ulong epoch, ulong block, string verdict);

    [LoggerMessage(Level = LogLevel.Warning, Message = "subnet {Netuid} epoch {Epoch}: state not served by the node ({Reason}); stored without replay")]
    private static partial void LogUnavailable(ILogger logger, ushort netuid, ulong epoch, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "reorganisation: checkpoint {Block} replaced, index rolled back to {Ancestor}")]
    private static partial void LogReorg(ILogger logger, ulong block, ulong ancestor);

    [LoggerMessage(Level = LogLevel.Warning, Message = "chain read failed while {What}: {Message}")]
    private static partial void LogFailed(ILogger logger, string what, string message);
}
