using System.ComponentModel;
using System.Globalization;
using Intelligence.Node;

namespace Intelligence.Validator;

/// <summary>The <c>Validator:</c> section.</summary>
public sealed class ValidatorOptions : IChecked
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Validator";

    /// <summary>Most workers one validator may split its queries over.</summary>
    public const int MaxWorkers = 64;

    /// <summary>Time between query rounds.</summary>
    [Description("time between query rounds")]
    public TimeSpan StepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Per-query deadline.</summary>
    [Description("deadline of one miner query (late answers score 0)")]
    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Miners per round, 0 = all serving.</summary>
    [Description("miners per round, 0 = every serving miner; a sample favours the least recently queried")]
    public int SampleSize { get; set; }

    /// <summary>Score EMA factor.</summary>
    [Description("moving-average factor of the per-UID score (new = alpha * sample + (1 - alpha) * old)")]
    public double Alpha { get; set; } = 0.1;

    /// <summary>Blocks between weight settings; 0 = the subnet's weights rate limit.</summary>
    [Description("blocks between weight settings; 0 = the subnet's weights rate limit (at least 1)")]
    public int WeightsIntervalBlocks { get; set; }

    /// <summary>Largest share of the weight one UID may get (1 = no cap).</summary>
    [Description("largest share of the total weight one UID may get (1 = no cap)")]
    public double MaxWeightLimit { get; set; } = 1.0;

    /// <summary>Version key logged with weights.</summary>
    [Description("version key sent with weights (logged; a mismatch between validators shows in their logs)")]
    public int VersionKey { get; set; } = 1;

    /// <summary>Run the epoch when due.</summary>
    [Description("call runEpoch when it is due and nobody has (the keeper fee pays for it)")]
    public bool RunEpochs { get; set; } = true;

    /// <summary>Signed responses kept.</summary>
    [Description("signed miner responses kept as evidence (per data folder)")]
    public int EvidenceRetention { get; set; } = 1000;

    /// <summary>Seed of the validator's private split; 0 = derived from the hotkey.</summary>
    [Description("seed of this validator's private split of the subnet data; 0 = derived from the hotkey")]
    public int Seed { get; set; }

    /// <summary>Rows per query batch.</summary>
    [Description("rows per query batch (classification subnets)")]
    public int BatchSize { get; set; } = 64;

    /// <summary>Miners queried at once.</summary>
    [Description("miners queried at once")]
    public int MaxConcurrency { get; set; } = 256;

    /// <summary>Workers of this validator (same hotkey) sharing <c>State:Redis</c>.</summary>
    [Description("workers of this validator (same hotkey) sharing State:Redis: each queries the UIDs with uid mod Workers = WorkerIndex (and a dead worker's share), one holds the chain duties")]
    public int Workers { get; set; } = 1;

    /// <summary>This worker's index, 0 to <see cref="Workers"/> - 1.</summary>
    [Description("this worker's index, 0 to Workers - 1 (each worker its own)")]
    public int WorkerIndex { get; set; }

    /// <summary>Lifetime of the duties lease and of a worker's slot without renewal.</summary>
    [Description("how long the chain-duties lease and a worker's slot in Redis last unless renewed (every third of it): a dead worker's duties and share move to the others within about this time")]
    public TimeSpan LeaseTime { get; set; } = TimeSpan.FromSeconds(15);

    /// <inheritdoc />
    public IEnumerable<string> Problems()
    {
        if (StepInterval <= TimeSpan.Zero)
        {
            yield return "Validator:StepInterval: must be positive";
        }
        if (QueryTimeout <= TimeSpan.Zero)
        {
            yield return "Validator:QueryTimeout: must be positive";
        }
        if (!(Alpha > 0 && Alpha <= 1))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Validator:Alpha: must be in (0, 1] (got {Alpha})");
        }
        if (!(MaxWeightLimit > 0 && MaxWeightLimit <= 1))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Validator:MaxWeightLimit: must be in (0, 1] (got {MaxWeightLimit})");
        }
        foreach (var (name, value) in new[] { ("SampleSize", SampleSize), ("WeightsIntervalBlocks", WeightsIntervalBlocks), ("VersionKey", VersionKey) })
        {
            if (value < 0)
            {
                yield return $"Validator:{name}: must not be negative";
            }
        }
        foreach (var (name, value) in new[] { ("EvidenceRetention", EvidenceRetention), ("BatchSize", BatchSize), ("MaxConcurrency", MaxConcurrency) })
        {
            if (value <= 0)
            {
                yield return $"Validator:{name}: must be positive";
            }
        }
        if (Workers is < 1 or > MaxWorkers)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Validator:Workers: must be 1 to {MaxWorkers} (got {Workers})");
        }
        else if (WorkerIndex < 0 || WorkerIndex >= Workers)
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Validator:WorkerIndex: must be 0 to {Workers - 1} with {Workers} worker{(Workers == 1 ? "" : "s")} (got {WorkerIndex})");
        }
        if (LeaseTime < TimeSpan.FromSeconds(1))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Validator:LeaseTime: must be at least 00:00:01 (got {LeaseTime})");
        }
    }

    /// <summary>Problems of this section that depend on the <c>State:</c> section.</summary>
    public IEnumerable<string> Problems(StateOptions state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (Workers > 1 && string.IsNullOrWhiteSpace(state.Redis))
        {
            yield return string.Create(CultureInfo.InvariantCulture, $"Validator:Workers: {Workers} workers need State:Redis (they share scores, the duties lease and the pending commit there); without Redis run one worker");
        }
    }
}
