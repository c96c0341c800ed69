using System.Collections.Concurrent;

namespace Intelligence.State.Stores;

/// <summary>A validator's running score for one neuron.</summary>
/// <param name="Netuid">Subnet id.</param>
/// <param name="Uid">Neuron slot within the subnet.</param>
/// <param name="Hotkey">Hotkey the scores belong to; a different hotkey in the slot resets them.</param>
/// <param name="Score">Exponential moving average of samples (starts from 0).</param>
/// <param name="SampleCount">Samples folded in since the last reset.</param>
/// <param name="LastQueryUnixMs">When the last sample was taken (Unix milliseconds).</param>
public sealed record ScoreRecord(int Netuid, int Uid, string Hotkey, double Score, long SampleCount, long LastQueryUnixMs)
{
    /// <summary>The last query time as a timestamp.</summary>
    public DateTimeOffset LastQuery => DateTimeOffset.FromUnixTimeMilliseconds(LastQueryUnixMs);

    /// <summary>
    /// The EMA step every implementation uses: <c>alpha * sample + (1 - alpha) * previous</c>, evaluated in
    /// that order in IEEE doubles (Lua on the Redis side computes the same expression).
    /// </summary>
    public static double Ema(double previous, double sample, double alpha) => (alpha * sample) + ((1 - alpha) * previous);
}

/// <summary>One sample for <see cref="IScoreStore.UpdateManyAsync"/>: the arguments of <see cref="IScoreStore.UpdateAsync"/>.</summary>
/// <param name="Netuid">Subnet id.</param>
/// <param name="Uid">Neuron slot within the subnet.</param>
/// <param name="Hotkey">Hotkey the sample belongs to.</param>
/// <param name="Sample">The new score sample (finite).</param>
/// <param name="Alpha">EMA weight of the sample, in (0, 1].</param>
/// <param name="At">When the sample was taken.</param>
public readonly record struct ScoreSample(int Netuid, int Uid, string Hotkey, double Sample, double Alpha, DateTimeOffset At);

/// <summary>One neuron of a metagraph for <see cref="IScoreStore.SyncHotkeysAsync"/>: its slot and the hotkey now in it.</summary>
/// <param name="Uid">Neuron slot within the subnet.</param>
/// <param name="Hotkey">Hotkey registered in the slot.</param>
public readonly record struct NeuronHotkey(int Uid, string Hotkey);

/// <summary>Per (netuid, uid) EMA scores that many validator workers update atomically and that outlive restarts.</summary>
public interface IScoreStore
{
    /// <summary>
    /// Folds <paramref name="sample"/> into the EMA of (netuid, uid) atomically. When the stored hotkey differs
    /// from <paramref name="hotkey"/> the record restarts from zero first. Returns the record after the update.
    /// </summary>
    ValueTask<ScoreRecord> UpdateAsync(int netuid, int uid, string hotkey, double sample, double alpha, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// Folds every sample of a validator step, in order, each as <see cref="UpdateAsync"/> would; returns the records
    /// after their updates. Stores that persist write the whole step at once (one durable commit, one pipelined batch).
    /// Every sample is checked before anything is changed.
    /// </summary>
    async ValueTask<IReadOnlyList<ScoreRecord>> UpdateManyAsync(IReadOnlyList<ScoreSample> samples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(samples);
        foreach (var s in samples)
        {
            // All checked first: a bad sample anywhere in the step changes nothing.
            ScoreArgs.Check(s.Netuid, s.Uid, s.Hotkey, s.Sample, s.Alpha);
        }

        var result = new ScoreRecord[samples.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var s = samples[i];
            result[i] = await UpdateAsync(s.Netuid, s.Uid, s.Hotkey, s.Sample, s.Alpha, s.At, cancellationToken).ConfigureAwait(false);
        }

        return result;
    }

    /// <summary>The record of (netuid, uid), or null when none.</summary>
    ValueTask<ScoreRecord?> GetAsync(int netuid, int uid, CancellationToken cancellationToken = default);

    /// <summary>Every record of a subnet, ordered by uid.</summary>
    ValueTask<IReadOnlyList<ScoreRecord>> GetAllAsync(int netuid, CancellationToken cancellationToken = default);

    /// <summary>After a metagraph sync: when (netuid, uid) holds another hotkey, reset it to zero under the new one. True when reset.</summary>
    ValueTask<bool> SyncHotkeyAsync(int netuid, int uid, string hotkey, CancellationToken cancellationToken = default);

    /// <summary>
    /// After a metagraph sync: <see cref="SyncHotkeyAsync"/> for every neuron of a subnet at once; returns the UIDs that
    /// were reset, in the order given. Stores that persist do the whole sync at once (one durable commit, one pipelined
    /// batch). Every argument is checked before anything is changed.
    /// </summary>
    async ValueTask<IReadOnlyList<int>> SyncHotkeysAsync(int netuid, IReadOnlyList<NeuronHotkey> neurons, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, neurons);
        var reset = new List<int>();
        foreach (var n in neurons)
        {
            if (await SyncHotkeyAsync(netuid, n.Uid, n.Hotkey, cancellationToken).ConfigureAwait(false))
            {
                reset.Add(n.Uid);
            }
        }

        return reset;
    }

    /// <summary>Deletes the record; true when it existed.</summary>
    ValueTask<bool> RemoveAsync(int netuid, int uid, CancellationToken cancellationToken = default);
}

/// <summary>Argument checks shared by the score store implementations.</summary>
internal static class ScoreArgs
{
    public static void Check(int netuid, int uid)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(netuid);
        ArgumentOutOfRangeException.ThrowIfNegative(uid);
    }

    public static void Check(int netuid, IReadOnlyList<NeuronHotkey> neurons)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(netuid);
        ArgumentNullException.ThrowIfNull(neurons);
        foreach (var n in neurons)
        {
            Check(netuid, n.Uid);
            ArgumentException.ThrowIfNullOrEmpty(n.Hotkey, nameof(neurons));
        }
    }

    public static void Check(int netuid, int uid, string hotkey, double sample, double alpha)
    {
        Check(netuid, uid);
        ArgumentException.ThrowIfNullOrEmpty(hotkey);
        if (!double.IsFinite(sample))
        {
            throw new ArgumentOutOfRangeException(nameof(sample), "sample must be a finite number");
        }

        if (!(alpha > 0 && alpha <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), "alpha must be in (0, 1]");
        }
    }
}

/// <summary>In-process score store for tests and throw-away nodes: everything is lost when the process exits.</summary>
public sealed class InMemoryScoreStore : IScoreStore
{
    private readonly ConcurrentDictionary<(int Netuid, int Uid), ScoreRecord> _records = new();

    /// <inheritdoc />
    public ValueTask<ScoreRecord> UpdateAsync(int netuid, int uid, string hotkey, double sample, double alpha, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid, hotkey, sample, alpha);
        var at_ms = at.ToUnixTimeMilliseconds();
        var updated = _records.AddOrUpdate(
            (netuid, uid),
            static (k, s) => new ScoreRecord(k.Netuid, k.Uid, s.hotkey, ScoreRecord.Ema(0, s.sample, s.alpha), 1, s.at_ms),
            static (k, old, s) => old.Hotkey == s.hotkey
                ? old with { Score = ScoreRecord.Ema(old.Score, s.sample, s.alpha), SampleCount = old.SampleCount + 1, LastQueryUnixMs = s.at_ms }
                : new ScoreRecord(k.Netuid, k.Uid, s.hotkey, ScoreRecord.Ema(0, s.sample, s.alpha), 1, s.at_ms),
            (hotkey, sample, alpha, at_ms));
        return ValueTask.FromResult(updated);
    }

    /// <inheritdoc />
    public ValueTask<ScoreRecord?> GetAsync(int netuid, int uid, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid);
        return ValueTask.FromResult(_records.TryGetValue((netuid, uid), out var r) ? r : null);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ScoreRecord>> GetAllAsync(int netuid, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(netuid);
        IReadOnlyList<ScoreRecord> all = _records.Values.Where(r => r.Netuid == netuid).OrderBy(r => r.Uid).ToList();
        return ValueTask.FromResult(all);
    }

    /// <inheritdoc />
    public ValueTask<bool> SyncHotkeyAsync(int netuid, int uid, string hotkey, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid);
        ArgumentException.ThrowIfNullOrEmpty(hotkey);
        while (_records.TryGetValue((netuid, uid), out var current))
        {
            if (current.Hotkey == hotkey)
            {
                return ValueTask.FromResult(false);
            }

            if (_records.TryUpdate((netuid, uid), new ScoreRecord(netuid, uid, hotkey, 0, 0, 0), current))
            {
                return ValueTask.FromResult(true);
            }
        }

        return ValueTask.FromResult(false);
    }

    /// <inheritdoc />
    public ValueTask<bool> RemoveAsync(int netuid, int uid, CancellationToken cancellationToken = default)
    {
        ScoreArgs.Check(netuid, uid);
        return ValueTask.FromResult(_records.TryRemove((netuid, uid), out _));
    }
}
