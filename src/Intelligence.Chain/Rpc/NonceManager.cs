using System.Collections.Concurrent;

namespace Intelligence.Chain.Rpc;

/// <summary>
/// Hands out nonces per sender so concurrent senders from one key never collide: the first reservation reads
/// the pending count from the node, later ones count up locally under a per-address lock. After a send fails
/// the caller calls <see cref="Resync"/>, and the next reservation reads the node again.
/// </summary>
public sealed class NonceManager(EthClient client)
{
    private sealed class Slot
    {
        public readonly SemaphoreSlim Lock = new(1, 1);
        public ulong? Next;
    }

    private readonly ConcurrentDictionary<Address, Slot> _slots = new();

    /// <summary>Reserves the next nonce for <paramref name="sender"/>.</summary>
    public async Task<ulong> ReserveAsync(Address sender, CancellationToken ct = default)
    {
        var slot = _slots.GetOrAdd(sender, _ => new Slot());
        await slot.Lock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var nonce = slot.Next ?? await client.GetTransactionCountAsync(sender, pending: true, ct).ConfigureAwait(false);
            slot.Next = nonce + 1;
            return nonce;
        }
        finally
        {
            slot.Lock.Release();
        }
    }

    /// <summary>Forgets the local count so the next reservation asks the node (after a failed send or a restart).</summary>
    public void Resync(Address sender)
    {
        if (_slots.TryGetValue(sender, out var slot))
        {
            slot.Lock.Wait();
            try
            {
                slot.Next = null;
            }
            finally
            {
                slot.Lock.Release();
            }
        }
    }
}
