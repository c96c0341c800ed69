using System.ComponentModel;
using System.Globalization;
using Intelligence.Node;

namespace Intelligence.Validator;

/// <summary>The <c>Validator:</c> section.</summary>
public sealed class ValidatorOptions : IChecked
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Validator";

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
    }
}
