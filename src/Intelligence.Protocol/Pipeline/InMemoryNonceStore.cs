using System.Collections.Concurrent;
using System.Diagnostics;
using Intelligence.Chain;

namespace Intelligence.Protocol.Pipeline;

/// <summary>
/// Used nonces per caller, each kept for the retention time then dropped; memory is bounded by
/// (callers past the blacklist) x (their request rate) x (retention).
/// </summary>
public sealed class InMemoryNonceStore : INonceStore
{
    private readonly ConcurrentDictionary<Address, CallerNonces> _callers = new();

    /// <inheritdoc />
    public ValueTask<bool> TryUseAsync(Address caller, ulong nonce, TimeSpan retention, CancellationToken cancellationToken)
    {
        var entry = _callers.GetOrAdd(caller, static _ => new CallerNonces());
        return ValueTask.FromResult(entry.TryUse(nonce, Stopwatch.GetTimestamp(), (long)(retention.TotalSeconds * Stopwatch.Frequency)));
    }

    /// <summary>Nonces currently remembered for <paramref name="caller"/> (for tests and metrics).</summary>
    public int Count(Address caller) => _callers.TryGetValue(caller, out var e) ? e.Count : 0;

    private sealed class CallerNonces
    {
        private readonly HashSet<ulong> _seen = [];
        private readonly Queue<(ulong Nonce, long ExpiresAt)> _order = new();

        public int Count
        {
            get
            {
                lock (_seen)
                {
                    return _seen.Count;
                }
            }
        }

        public bool TryUse(ulong nonce, long now, long retentionTicks)
        {
            lock (_seen)
            {
                while (_order.TryPeek(out var oldest) && oldest.ExpiresAt <= now)
                {
                    _order.Dequeue();
                    _seen.Remove(oldest.Nonce);
                }

                if (!_seen.Add(nonce))
                {
                    return false;
                }

                _order.Enqueue((nonce, now + retentionTicks));
                return true;
            }
        }
    }
}
