using System.Globalization;
using System.Net;
using System.Numerics;
using System.Text.Json;
using Intelligence.Chain;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Rpc;

namespace Intelligence.Explorer.Indexing;

/// <summary>
/// The explorer's one door to the chain: every read goes through the chain client here, pinned to a block, and
/// comes out as the explorer's own records (<see cref="SubnetState"/>, <see cref="NeuronState"/>, ...), so the
/// rest of the explorer does not know which client library sits underneath.
/// </summary>
public sealed class ChainReader : IDisposable
{
    private readonly EthClient _eth;
    private readonly NetworkViewsContract _views;
    private readonly NetworkContract _network;
    private readonly IntelligenceTokenContract _token;

    /// <summary>A reader of <paramref name="deployment"/> through the node at <paramref name="rpc"/>.</summary>
    public ChainReader(Uri rpc, Deployment deployment, TimeSpan callTimeout)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        Deployment = deployment;
        _eth = new EthClient(new JsonRpcClient(rpc, new JsonRpcOptions { RequestTimeout = callTimeout }));
        _views = new NetworkViewsContract(_eth, Address.Parse(deployment.Network));
        _network = new NetworkContract(_eth, Address.Parse(deployment.Network));
        _token = new IntelligenceTokenContract(_eth, Address.Parse(deployment.Token));
    }

    /// <summary>The deployment read.</summary>
    public Deployment Deployment { get; }

    /// <summary>Reads an addresses file; a missing field or a bad address is a <see cref="FormatException"/> naming it.</summary>
    public static Deployment LoadDeployment(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        return new Deployment(Number(root, "chainId"), AddressOf(root, "network"), AddressOf(root, "token"), AddressOf(root, "views"), Number(root, "startBlock"));

        static ulong Number(JsonElement root, string name) =>
            root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetUInt64(out var v)
                ? v
                : throw new FormatException($"addresses file: '{name}' must be a non-negative integer");

        static string AddressOf(JsonElement root, string name) =>
            root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.String && Address.TryParse(e.GetString(), out var a)
                ? a.ToString()
                : throw new FormatException($"addresses file: '{name}' must be a 0x address");
    }

    /// <summary>The node's chain id.</summary>
    public Task<ulong> ChainIdAsync(CancellationToken ct) => _eth.ChainIdAsync(ct);

    /// <summary>The head block number.</summary>
    public Task<ulong> HeadAsync(CancellationToken ct) => _eth.BlockNumberAsync(ct);

    /// <summary>A block's number, hash and time, or null when the node does not have it.</summary>
    public async Task<BlockRef?> BlockAsync(ulong number, CancellationToken ct)
    {
        var block = await _eth.GetBlockAsync(number, ct).ConfigureAwait(false);
        return block is null ? null : new BlockRef(block.Number, Hex.Encode(block.Hash), block.Timestamp);
    }

    /// <summary>Whether the Network contract has code (a wrong addresses file shows here).</summary>
    public async Task<bool> NetworkDeployedAsync(CancellationToken ct) => (await _eth.GetCodeAsync(_network.Address, ct).ConfigureAwait(false)).Length > 0;

    /// <summary>The Network contract's events in [<paramref name="from"/>, <paramref name="to"/>], in chain order.</summary>
    public async Task<IReadOnlyList<ChainEvent>> EventsAsync(ulong from, ulong to, CancellationToken ct)
    {
        var logs = await _eth.GetLogsPagedAsync(new LogFilter { FromBlock = from, ToBlock = to, Addresses = [_network.Address] }, 2000, ct).ConfigureAwait(false);
        var events = new List<ChainEvent>(logs.Count);
        foreach (var log in logs.Where(l => !l.Removed).OrderBy(l => l.BlockNumber).ThenBy(l => l.LogIndex))
        {
            if (Decode(log) is { } e)
            {
                events.Add(e);
            }
        }
        return events;
    }

    private static ChainEvent? Decode(Log log)
    {
        static string S(object v) => Convert.ToString(v, CultureInfo.InvariantCulture)!;
        ChainEvent Make(string kind, ushort? netuid, params (string Key, object Value)[] fields) =>
            new(log.BlockNumber, log.LogIndex, Hex.Encode(log.TransactionHash), kind, netuid, fields.ToDictionary(f => f.Key, f => S(f.Value)));

        if (NetworkContract.EpochRunEvent.Matches(log))
        {
            var e = NetworkContract.EpochRunEvent.Decode(log);
            return Make("EpochRun", e.Netuid, ("epoch", e.Epoch), ("blockNumber", e.BlockNumber), ("emission", e.Emission), ("keeperFee", e.KeeperFee), ("ownerEmission", e.OwnerEmission), ("keeper", e.Keeper.ToString()));
        }
        if (NetworkContract.SubnetCreatedEvent.Matches(log))
        {
            var e = NetworkContract.SubnetCreatedEvent.Decode(log);
            return Make("SubnetCreated", e.Netuid, ("owner", e.Owner.ToString()), ("burned", e.Burned));
        }
        if (NetworkContract.NeuronRegisteredEvent.Matches(log))
        {
            var e = NetworkContract.NeuronRegisteredEvent.Decode(log);
            return Make("NeuronRegistered", e.Netuid, ("uid", e.Uid), ("hotkey", e.Hotkey.ToString()), ("coldkey", e.Coldkey.ToString()), ("burned", e.Burned));
        }
        if (NetworkContract.NeuronPrunedEvent.Matches(log))
        {
            var e = NetworkContract.NeuronPrunedEvent.Decode(log);
            return Make("NeuronPruned", e.Netuid, ("uid", e.Uid), ("hotkey", e.Hotkey.ToString()));
        }
        if (NetworkContract.StakeAddedEvent.Matches(log))
        {
            var e = NetworkContract.StakeAddedEvent.Decode(log);
            return Make("StakeAdded", e.Netuid, ("hotkey", e.Hotkey.ToString()), ("coldkey", e.Coldkey.ToString()), ("amount", e.Amount));
        }
        if (NetworkContract.StakeRemovedEvent.Matches(log))
        {
            var e = NetworkContract.StakeRemovedEvent.Decode(log);
            return Make("StakeRemoved", e.Netuid, ("hotkey", e.Hotkey.ToString()), ("coldkey", e.Coldkey.ToString()), ("amount", e.Amount));
        }
        if (NetworkContract.AxonServedEvent.Matches(log))
        {
            var e = NetworkContract.AxonServedEvent.Decode(log);
            return Make("AxonServed", e.Netuid, ("uid", e.Uid), ("hotkey", e.Hotkey.ToString()), ("endpoint", FormatEndpoint(e.Ip, e.IpType, e.Port) ?? ""));
        }
        if (NetworkContract.WeightsSetEvent.Matches(log))
        {
            var e = NetworkContract.WeightsSetEvent.Decode(log);
            return Make("WeightsSet", e.Netuid, ("uid", e.Uid), ("count", e.Count));
        }
        if (NetworkContract.WeightsCommittedEvent.Matches(log))
        {
            var e = NetworkContract.WeightsCommittedEvent.Decode(log);
            return Make("WeightsCommitted", e.Netuid, ("uid", e.Uid));
        }
        if (NetworkContract.HyperparametersSetEvent.Matches(log))
        {
            var e = NetworkContract.HyperparametersSetEvent.Decode(log);
            return Make("HyperparametersSet", e.Netuid, ("tempo", e.Hyperparameters.Tempo));
        }
        return null;
    }

    /// <summary>The EpochRun fields of an event of that kind.</summary>
    public static EpochRun ToEpochRun(ChainEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var f = e.Fields;
        return new EpochRun(e.Netuid!.Value, ulong.Parse(f["epoch"], CultureInfo.InvariantCulture), ulong.Parse(f["blockNumber"], CultureInfo.InvariantCulture),
            BigInteger.Parse(f["emission"], CultureInfo.InvariantCulture), BigInteger.Parse(f["keeperFee"], CultureInfo.InvariantCulture),
            BigInteger.Parse(f["ownerEmission"], CultureInfo.InvariantCulture), f["keeper"]);
    }

    /// <summary>Every subnet at <paramref name="block"/>.</summary>
    public async Task<IReadOnlyList<SubnetState>> SubnetsAsync(ulong block, CancellationToken ct)
    {
        var subnets = await _views.AtBlock(block).GetSubnetsAsync(ct).ConfigureAwait(false);
        return subnets.Select(ToSubnet).ToArray();
    }

    /// <summary>The metagraph of <paramref name="netuid"/> at <paramref name="block"/>, in UID order.</summary>
    public async Task<IReadOnlyList<NeuronState>> MetagraphAsync(ushort netuid, ulong block, CancellationToken ct)
    {
        var neurons = await _views.AtBlock(block).GetMetagraphAsync(netuid, ct).ConfigureAwait(false);
        return neurons.Select(ToNeuron).ToArray();
    }

    /// <summary>A subnet's hyperparameters at <paramref name="block"/>.</summary>
    public async Task<SubnetParameters> ParametersAsync(ushort netuid, ulong block, CancellationToken ct) =>
        ToParameters(await _views.AtBlock(block).HyperparametersAsync(netuid, ct).ConfigureAwait(false));

    /// <summary>The weights row a UID set (one u16 per UID of the subnet).</summary>
    public async Task<ushort[]> WeightsRowAsync(ushort netuid, ushort uid, ulong block, CancellationToken ct) =>
        [.. await _views.AtBlock(block).GetWeightsAsync(netuid, uid, ct).ConfigureAwait(false)];

    /// <summary>The bonds row of a UID (one u16 per UID of the subnet).</summary>
    public async Task<ushort[]> BondsRowAsync(ushort netuid, ushort uid, ulong block, CancellationToken ct) =>
        [.. await _views.AtBlock(block).GetBondsAsync(netuid, uid, ct).ConfigureAwait(false)];

    /// <summary>The owner's share of every epoch, in ppm.</summary>
    public Task<uint> OwnerCutPpmAsync(CancellationToken ct) =>
        _network.OwnerCutPpmAsync(ct);

    /// <summary>The token's total supply at <paramref name="block"/>.</summary>
    public Task<BigInteger> TotalSupplyAsync(ulong block, CancellationToken ct) =>
        _token.AtBlock(block).TotalSupplyAsync(ct);

    /// <summary>Issuance accrued by the emission ledger at <paramref name="block"/> (minted or pending).</summary>
    public Task<BigInteger> AccruedIssuanceAsync(ulong block, CancellationToken ct) =>
        _network.AtBlock(block).AccruedIssuanceAsync(ct);

    /// <summary>The block at which <paramref name="netuid"/>'s next epoch may run.</summary>
    public Task<ulong> NextEpochBlockAsync(ushort netuid, ulong block, CancellationToken ct) =>
        _network.AtBlock(block).NextEpochBlockAsync(netuid, ct);

    /// <summary>Emission the subnet's next epoch would distribute if it ran at <paramref name="block"/>.</summary>
    public Task<BigInteger> PendingEmissionAsync(ushort netuid, ulong block, CancellationToken ct) =>
        _network.AtBlock(block).PendingEmissionAsync(netuid, ct);

    /// <summary>The burn a registration on <paramref name="netuid"/> costs at <paramref name="block"/>.</summary>
    public Task<BigInteger> BurnCostAsync(ushort netuid, ulong block, CancellationToken ct) =>
        _network.AtBlock(block).BurnCostAsync(netuid, ct);

    private static SubnetParameters ToParameters(Hyperparameters h) => new(
        h.Tempo, h.Kappa, h.BondsMovingAverage, h.BondsPenalty, h.MaxUids, h.MaxValidators, h.ImmunityPeriod, h.ActivityCutoff,
        h.MinAllowedWeights, h.WeightsRateLimit, h.CommitReveal, h.RevealPeriod, h.MinBurn, h.MaxBurn, h.StakeThreshold);

    private static SubnetState ToSubnet(SubnetView s) => new(
        s.Netuid, s.Owner.ToString(), s.N, s.CreatedAt, s.LastEpoch, s.Epochs, s.Burn, s.StakeSnapshot, ToParameters(s.Hyperparameters));

    private static NeuronState ToNeuron(NeuronView n) => new(
        n.Uid, n.Hotkey.ToString(), n.Coldkey.ToString(), n.Stake, n.EffectiveStake,
        new AxonInfo(FormatEndpoint(n.Axon.Ip, n.Axon.IpType, n.Axon.Port), n.Axon.IpType, n.Axon.Port, n.Axon.ProtocolVersion, n.Axon.BlockNumber),
        n.LastUpdate, n.RegisteredAt, n.ValidatorPermit, n.Active, n.Consensus, n.ValidatorTrust, n.Incentive, n.Dividends, n.Emission);

    /// <summary>host:port of an on-chain axon (IPv4 or IPv6 packed in a uint128), or null when none is served.</summary>
    internal static string? FormatEndpoint(BigInteger ip, byte ipType, ushort port)
    {
        if (port == 0 || ip.IsZero || ip.Sign < 0)
        {
            return null;
        }
        var big = ip.ToByteArray(isUnsigned: true, isBigEndian: true);
        var length = ipType == 6 ? 16 : 4;
        if (big.Length > length)
        {
            return null;
        }
        var bytes = new byte[length];
        big.CopyTo(bytes, length - big.Length);
        var address = new IPAddress(bytes);
        var port_ = port.ToString(CultureInfo.InvariantCulture);
        return ipType == 6 ? $"[{address}]:{port_}" : $"{address}:{port_}";
    }

    /// <inheritdoc />
    public void Dispose() => _eth.Rpc.Dispose();
}
