using System.Globalization;
using System.Numerics;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Rpc;
using Intelligence.Cli.Formatting;
using Spectre.Console;
using Spectre.Console.Rendering;
using EpochParity = Intelligence.Node.EpochParity;

namespace Intelligence.Cli.Devnet;

/// <summary>One epoch the devnet saw after its nodes started, with the C# replay's verdict.</summary>
internal sealed record WatchedEpoch(ushort Netuid, ulong Epoch, ulong Block, BigInteger Emission, BigInteger MinerEmission, bool ParityOk, string Keeper, IReadOnlyList<string> Differences);

/// <summary>
/// Follows the running devnet: every <c>EpochRun</c> is replayed by the C# engine, weights events are counted, and a
/// table per subnet (UIDs, role, stake, incentive, dividends, emission, next-epoch countdown) is rendered to fit
/// the terminal's width.
/// </summary>
internal sealed class DevnetWatch(DevnetUp devnet, int blockTimeSeconds)
{
    private readonly Dictionary<ushort, MetagraphSnapshot> _metagraphs = [];
    private readonly Dictionary<ushort, ulong> _nextEpoch = [];
    private ulong _head;
    private ulong _from;
    private EpochParity? _parity;

    public List<WatchedEpoch> Epochs { get; } = [];
    public int WeightEvents { get; private set; }
    public TimeSpan? FirstMinerEmission { get; private set; }

    /// <summary>Reads new blocks' events and the metagraphs once.</summary>
    public async Task PollAsync(Func<TimeSpan> elapsed, CancellationToken ct)
    {
        var eth = devnet.Eth;
        var net = new NetworkContract(eth, devnet.Addresses.Network);
        _parity ??= new EpochParity(eth, devnet.Addresses.Network, await net.OwnerCutPpmAsync(ct).ConfigureAwait(false));
        _head = await eth.BlockNumberAsync(ct).ConfigureAwait(false);
        if (_from == 0)
        {
            _from = _head;
        }
        if (_head >= _from)
        {
            var logs = await eth.GetLogsAsync(new LogFilter { FromBlock = _from, ToBlock = _head, Addresses = [devnet.Addresses.Network] }, ct).ConfigureAwait(false);
            foreach (var log in logs)
            {
                if (NetworkContract.WeightsSetEvent.Matches(log) || NetworkContract.WeightsCommittedEvent.Matches(log))
                {
                    WeightEvents++;
                }
                else if (NetworkContract.EpochRunEvent.Matches(log))
                {
                    var run = NetworkContract.EpochRunEvent.Decode(log);
                    var report = await _parity.CheckAsync(run, ct).ConfigureAwait(false);
                    var roles = devnet.Roles.GetValueOrDefault(run.Netuid) ?? [];
                    var minerEmission = report.Result.Emission
                        .Select((e, uid) => (e, uid))
                        .Where(x => roles.TryGetValue((ushort)x.uid, out var r) && r.StartsWith("miner", StringComparison.Ordinal))
                        .Aggregate(BigInteger.Zero, (s, x) => s + x.e);
                    Epochs.Add(new WatchedEpoch(run.Netuid, run.Epoch, run.BlockNumber, run.Emission, minerEmission, report.Ok, run.Keeper.ToString(), report.Differences));
                    if (minerEmission > 0 && FirstMinerEmission is null)
                    {
                        FirstMinerEmission = elapsed();
                    }
                }
            }
            _from = _head + 1;
        }
        var metagraph = new Metagraph(eth, devnet.Addresses.Network);
        foreach (var s in devnet.Subnets)
        {
            _metagraphs[s.Netuid] = await metagraph.SyncAsync(s.Netuid, ct).ConfigureAwait(false);
            _nextEpoch[s.Netuid] = await net.NextEpochBlockAsync(s.Netuid, ct).ConfigureAwait(false);
        }
    }

    /// <summary>Epochs seen on a subnet since the nodes started.</summary>
    public int EpochsOn(ushort netuid) => Epochs.Count(e => e.Netuid == netuid);

    /// <summary>The display: one table per subnet and the column legend, fitted to <paramref name="width"/> columns.</summary>
    public IRenderable Render(int width)
    {
        var rows = new List<IRenderable>();
        foreach (var s in devnet.Subnets)
        {
            if (!_metagraphs.TryGetValue(s.Netuid, out var mg))
            {
                continue;
            }
            var blocks = _nextEpoch[s.Netuid] > _head ? _nextEpoch[s.Netuid] - _head : 0;
            var title = string.Create(CultureInfo.InvariantCulture,
                $"{s.Name} (netuid {s.Netuid}) block {_head}: next epoch in {blocks} blocks (~{blocks * (ulong)blockTimeSeconds} s), {EpochsOn(s.Netuid)} epochs so far");
            rows.Add(MetagraphView.Table(mg, devnet.Roles.GetValueOrDefault(s.Netuid), width, title));
        }
        rows.Add(new Text(MetagraphView.Legend(width)));
        var last = Epochs.LastOrDefault();
        if (last is not null)
        {
            rows.Add(new Text(string.Create(CultureInfo.InvariantCulture,
                $"last epoch: subnet {last.Netuid} #{last.Epoch} at block {last.Block}, {Units.Intl(last.Emission)} ({Units.Intl(last.MinerEmission)} to miners), C# replay {(last.ParityOk ? "identical" : "DIFFERS")}")));
        }
        if (devnet.ExplorerUrl is { } url)
        {
            rows.Add(new Text($"explorer: {url}"));
        }
        rows.Add(new Text("Ctrl-C stops the devnet (or `intelligence devnet down` in another terminal)."));
        return new Rows(rows);
    }
}
