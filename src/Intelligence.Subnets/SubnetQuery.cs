namespace Intelligence.Subnets;

/// <summary>
/// One query batch built by a validator from its private data. Only <see cref="Inputs"/> go to miners; the
/// ground truth lives in the subnet-specific subclass and never leaves the validator.
/// </summary>
public abstract class SubnetQuery
{
    /// <summary>Creates a query over the given inputs; the batch size is the first dimension of the first input.</summary>
    protected SubnetQuery(string subnet, IReadOnlyList<SubnetTensor> inputs, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0 || inputs[0].Shape.Length == 0)
        {
            throw new ArgumentException("a query needs at least one input with a batch dimension", nameof(inputs));
        }
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), "timeout must be positive");
        }
        Subnet = subnet;
        Inputs = inputs;
        Timeout = timeout;
        BatchSize = checked((int)inputs[0].Shape[0]);
    }

    /// <summary>Unique id of this query (for the validator's records).</summary>
    public Guid Id { get; } = Guid.NewGuid();

    /// <summary>Name of the subnet that built the query.</summary>
    public string Subnet { get; }

    /// <summary>Tensors sent to miners.</summary>
    public IReadOnlyList<SubnetTensor> Inputs { get; }

    /// <summary>Rows in this batch.</summary>
    public int BatchSize { get; }

    /// <summary>Answers slower than this score 0 (late).</summary>
    public TimeSpan Timeout { get; }
}

/// <summary>
/// A miner's answer to one query as the validator received it: decoded outputs (null when the call failed or
/// the tensors could not be decoded), the round-trip latency, and the opaque signed response bytes kept as evidence.
/// </summary>
public sealed record MinerResponse(string Hotkey, IReadOnlyList<SubnetTensor>? Outputs, TimeSpan Latency)
{
    /// <summary>The miner's signed response exactly as received (opaque here), kept until the query is scored.</summary>
    public ReadOnlyMemory<byte> SignedBytes { get; init; }

    /// <summary>Why <see cref="Outputs"/> is null (transport error, undecodable tensor...), if known.</summary>
    public string? Error { get; init; }

    /// <summary>A response that failed before it could be decoded.</summary>
    public static MinerResponse Failed(string hotkey, string error, TimeSpan latency) => new(hotkey, null, latency) { Error = error };
}

/// <summary>Why a miner got the score it got for one query.</summary>
public enum ScoreReason
{
    /// <summary>Scored on the task metric.</summary>
    Scored,

    /// <summary>No usable answer (transport error, undecodable).</summary>
    Missing,

    /// <summary>Answered after the query's timeout.</summary>
    Late,

    /// <summary>Missing output, wrong type or wrong shape.</summary>
    Malformed,

    /// <summary>NaN or infinity in the output.</summary>
    NonFinite,

    /// <summary>Values outside the task's domain (e.g. probabilities that do not sum to 1).</summary>
    InvalidValues,

    /// <summary>The same answer for different inputs.</summary>
    Constant,

    /// <summary>Identical answer to another hotkey's in the same round.</summary>
    Duplicate,

    /// <summary>No better than the trivial baseline (random or uninformed answers).</summary>
    NoSkill,
}

/// <summary>A miner's score in [0,1] for one query, why, and the raw task metrics behind it.</summary>
public sealed record MinerScore(string Hotkey, double Score, ScoreReason Reason, IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>A zero score for a rule violation.</summary>
    public static MinerScore Zero(string hotkey, ScoreReason reason) => new(hotkey, 0.0, reason, new Dictionary<string, double>());
}

/// <summary>The task metric of one answer: its score in [0,1] (0 = no better than the trivial baseline) and raw metrics.</summary>
public sealed record Evaluation(double Score, IReadOnlyDictionary<string, double> Metrics);
