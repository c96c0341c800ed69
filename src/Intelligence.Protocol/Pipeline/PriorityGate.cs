using System.Numerics;

namespace Intelligence.Protocol.Pipeline;

/// <summary>Why a caller did not get a slot.</summary>
public enum GateRejection
{
    /// <summary>Admitted.</summary>
    None,
    /// <summary>The queue was full of callers with at least as much stake.</summary>
    QueueFull,
    /// <summary>Queued, then pushed out by a caller with more stake.</summary>
    Evicted,
}

/// <summary>
/// Runs at most N calls at once; the rest wait in a bounded queue ordered by caller stake (then arrival).
/// When the queue is full, a caller with more stake than the lowest waiter takes its place; otherwise it is refused.
/// </summary>
public sealed class PriorityGate
{
    private readonly object _lock = new();
    private readonly SortedSet<Waiter> _queue = new(WaiterOrder.Instance);
    private long _sequence;

    /// <summary>Creates a gate.</summary>
    public PriorityGate(int maxConcurrency, int queueCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxConcurrency);
        ArgumentOutOfRangeException.ThrowIfNegative(queueCapacity);
        MaxConcurrency = maxConcurrency;
        QueueCapacity = queueCapacity;
    }

    /// <summary>Calls allowed to run at once.</summary>
    public int MaxConcurrency { get; }

    /// <summary>Calls allowed to wait.</summary>
    public int QueueCapacity { get; }

    /// <summary>Calls running now.</summary>
    public int Running { get; private set; }

    /// <summary>Calls waiting now.</summary>
    public int Queued
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>
    /// Waits for a slot. Returns <see cref="GateRejection.None"/> when admitted (then call <see cref="Release"/> exactly once),
    /// else why not. Cancellation while waiting throws <see cref="OperationCanceledException"/> and frees the place.
    /// </summary>
    public async ValueTask<GateRejection> EnterAsync(BigInteger priority, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (Running < MaxConcurrency && _queue.Count == 0)
            {
                Running++;
                return GateRejection.None;
            }

            waiter = new Waiter(priority, _sequence++);
            if (_queue.Count >= QueueCapacity)
            {
                var lowest = _queue.Count == 0 ? null : _queue.Max;
                if (lowest is null || lowest.Priority >= priority)
                {
                    return GateRejection.QueueFull;
                }

                _queue.Remove(lowest);
                lowest.Completion.TrySetResult(GateRejection.Evicted);
            }

            _queue.Add(waiter);
        }

        using (cancellationToken.UnsafeRegister(static (state, token) =>
        {
            var (gate, w) = ((PriorityGate, Waiter))state!;
            lock (gate._lock)
            {
                if (gate._queue.Remove(w))
                {
                    w.Completion.TrySetCanceled(token);
                }
            }
        }, (this, waiter)))
        {
            return await waiter.Completion.Task.ConfigureAwait(false);
        }
    }

    /// <summary>Frees a slot: the highest-stake waiter (if any) takes it.</summary>
    public void Release()
    {
        lock (_lock)
        {
            while (_queue.Count > 0)
            {
                var next = _queue.Min!;
                _queue.Remove(next);
                if (next.Completion.TrySetResult(GateRejection.None))
                {
                    return; // The slot passes to the waiter; Running is unchanged.
                }
            }

            Running--;
        }
    }

    private sealed class Waiter(BigInteger priority, long sequence)
    {
        public BigInteger Priority { get; } = priority;
        public long Sequence { get; } = sequence;
        public TaskCompletionSource<GateRejection> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>Highest priority first, then first come.</summary>
    private sealed class WaiterOrder : IComparer<Waiter>
    {
        public static readonly WaiterOrder Instance = new();

        public int Compare(Waiter? x, Waiter? y)
        {
            var byPriority = y!.Priority.CompareTo(x!.Priority);
            return byPriority != 0 ? byPriority : x.Sequence.CompareTo(y.Sequence);
        }
    }
}
