namespace Intelligence.Subnets;

/// <summary>A query, the responses committed to it, and their scores once revealed.</summary>
public sealed record ScoredQuery(SubnetQuery Query, IReadOnlyList<MinerResponse> Responses, IReadOnlyList<MinerScore> Scores);

/// <summary>
/// Keeps each query's committed responses (with their opaque signed bytes, as evidence) until the subnet says the
/// truth is revealed, then scores them. For subnets with immediate truth the next drain scores everything.
/// </summary>
public sealed class CommitmentBook
{
    private readonly List<(SubnetQuery Query, IReadOnlyList<MinerResponse> Responses)> _pending = [];
    private readonly object _gate = new();

    /// <summary>Creates a book that holds at most <paramref name="capacity"/> pending queries.</summary>
    public CommitmentBook(int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
    }

    /// <summary>Most pending queries held at once.</summary>
    public int Capacity { get; }

    /// <summary>Queries waiting for their truth.</summary>
    public int PendingCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
            }
        }
    }

    /// <summary>Records the responses to a query, as received, before any truth is known.</summary>
    /// <exception cref="InvalidOperationException">The book is full (truth is not being revealed).</exception>
    /// <exception cref="ArgumentException">A hotkey answers twice (checked now so that scoring later cannot fail on it).</exception>
    public void Commit(SubnetQuery query, IReadOnlyList<MinerResponse> responses)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(responses);
        if (responses.GroupBy(r => r.Hotkey, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new ArgumentException($"hotkey {twice.Key} answered twice in one round", nameof(responses));
        }
        lock (_gate)
        {
            if (_pending.Count >= Capacity)
            {
                throw new InvalidOperationException($"commitment book full ({Capacity} pending queries)");
            }
            _pending.Add((query, responses.ToArray()));
        }
    }

    /// <summary>Scores and removes every pending query whose truth <paramref name="subnet"/> has revealed, oldest first.</summary>
    public IReadOnlyList<ScoredQuery> ScoreRevealed(ISubnet subnet)
    {
        ArgumentNullException.ThrowIfNull(subnet);
        List<(SubnetQuery Query, IReadOnlyList<MinerResponse> Responses)> ready;
        lock (_gate)
        {
            ready = [.. _pending.Where(p => subnet.IsRevealed(p.Query))];
            _pending.RemoveAll(p => ready.Contains(p));
        }
        return [.. ready.Select(p => new ScoredQuery(p.Query, p.Responses, subnet.Score(p.Query, p.Responses)))];
    }
}
