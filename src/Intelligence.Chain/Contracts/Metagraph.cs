using System.Numerics;
using Intelligence.Chain.Rpc;

namespace Intelligence.Chain.Contracts;

/// <summary>An immutable view of one subnet's neurons as of one block.</summary>
public sealed class MetagraphSnapshot
{
    private readonly Dictionary<Address, NeuronView> _byHotkey;

    internal MetagraphSnapshot(ushort netuid, ulong block, IReadOnlyList<NeuronView> neurons)
    {
        Netuid = netuid;
        Block = block;
        Neurons = neurons;
        _byHotkey = neurons.ToDictionary(n => n.Hotkey);
    }

    /// <summary>The subnet.</summary>
    public ushort Netuid { get; }

    /// <summary>The block the state was read at.</summary>
    public ulong Block { get; }

    /// <summary>Neurons in UID order: hotkey, coldkey, stake, axon, permit, incentive, dividends, emission, last update.</summary>
    public IReadOnlyList<NeuronView> Neurons { get; }

    /// <summary>Number of UIDs in use.</summary>
    public int Count => Neurons.Count;

    /// <summary>Total stake over all neurons.</summary>
    public BigInteger TotalStake => Neurons.Aggregate(BigInteger.Zero, (sum, n) => sum + n.Stake);

    /// <summary>The neuron of a hotkey, or null when it is not registered.</summary>
    public NeuronView? ByHotkey(Address hotkey) => _byHotkey.GetValueOrDefault(hotkey);

    /// <summary>The same state, confirmed unchanged up to a later block.</summary>
    internal MetagraphSnapshot At(ulong block) => new(Netuid, block, Neurons);
}

/// <summary>
/// Reads subnets' metagraphs from the Network contract. <see cref="SyncAsync"/> is one eth_call
/// (getMetagraph) pinned to one block; <see cref="RefreshAsync"/> first asks eth_getLogs whether any event
/// of that subnet (registration, stake, axon, weights, epoch, hyperparameters: all index netuid as topic 1)
/// happened since the snapshot, and re-reads only when one did.
/// </summary>
public sealed class Metagraph(EthClient client, Address network)
{
    private readonly NetworkViewsContract _views = new(client, network);

    /// <summary>Reads the full metagraph of <paramref name="netuid"/> at the current head.</summary>
    public async Task<MetagraphSnapshot> SyncAsync(ushort netuid, CancellationToken ct = default)
    {
        var block = await client.BlockNumberAsync(ct).ConfigureAwait(false);
        return await ReadAtAsync(netuid, block, ct).ConfigureAwait(false);
    }

    private async Task<MetagraphSnapshot> ReadAtAsync(ushort netuid, ulong block, CancellationToken ct)
    {
        var neurons = await _views.AtBlock(block).GetMetagraphAsync(netuid, ct).ConfigureAwait(false);
        return new MetagraphSnapshot(netuid, block, neurons);
    }

    /// <summary>
    /// Brings a snapshot up to the head: the same snapshot (with a newer block) when no event of the subnet
    /// happened since, otherwise a fresh read.
    /// </summary>
    public async Task<MetagraphSnapshot> RefreshAsync(MetagraphSnapshot previous, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(previous);
        var head = await client.BlockNumberAsync(ct).ConfigureAwait(false);
        if (head <= previous.Block)
        {
            return previous;
        }
        var topic = ContractAbi.Encode(("uint16", previous.Netuid));
        var filter = new LogFilter
        {
            FromBlock = previous.Block + 1,
            ToBlock = head,
            Addresses = [network],
            Topics = [null, [topic]],
        };
        var logs = await client.GetLogsPagedAsync(filter, 10_000, ct).ConfigureAwait(false);
        return logs.Count == 0 ? previous.At(head) : await ReadAtAsync(previous.Netuid, head, ct).ConfigureAwait(false);
    }
}
