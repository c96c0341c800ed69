namespace Intelligence.State.Stores;

/// <summary>
/// Where a node keeps its state (bound from configuration, e.g. the <c>State</c> section): Redis when
/// <see cref="Redis"/> is set (shared by validator workers or miner replicas), otherwise the embedded file store in
/// <see cref="DataDirectory"/>. <see cref="InMemory"/> is for tests and throw-away devnet nodes.
/// </summary>
public sealed class StateOptions
{
    /// <summary>Prefix of every Redis key when none is configured.</summary>
    public const string DefaultKeyPrefix = "intelligence:";

    /// <summary>
    /// A StackExchange.Redis connection string, e.g. <c>redis.internal:6379,user=validator,password=…,ssl=true</c>
    /// (several endpoints for a Cluster or replicas; any option that library understands). Null: no Redis.
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>PEM file of the certificate authority that signed the Redis server's TLS certificate (private CAs).</summary>
    public string? RedisCaCertificatePath { get; set; }

    /// <summary>The node's data folder; the embedded score store lives in it as <see cref="SqliteScoreStore.DefaultFileName"/>.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Keep everything in process memory (lost on exit). Overrides the other two.</summary>
    public bool InMemory { get; set; }

    /// <summary>Start of every Redis key; with <see cref="Network"/> it separates networks sharing one Redis.</summary>
    public string KeyPrefix { get; set; } = DefaultKeyPrefix;

    /// <summary>Network name folded into the key prefix (<c>intelligence:mainnet:</c>); null keeps <see cref="KeyPrefix"/> as is.</summary>
    public string? Network { get; set; }

    /// <summary>
    /// Subnet of a miner: its replay-cache and rate-limit keys are kept per subnet (<c>…:n3:</c>). Score keys always
    /// carry their netuid. Null: shared across subnets.
    /// </summary>
    public int? Netuid { get; set; }

    /// <summary>The full prefix of score keys: <see cref="KeyPrefix"/> then <see cref="Network"/> and a colon.</summary>
    public string ScorePrefix => string.IsNullOrEmpty(Network) ? KeyPrefix : KeyPrefix + Network + ":";

    /// <summary>The prefix of replay-cache and rate-limit keys: <see cref="ScorePrefix"/>, then <c>n&lt;netuid&gt;:</c> when <see cref="Netuid"/> is set.</summary>
    public string CallerPrefix => Netuid is { } n ? ScorePrefix + "n" + n.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" : ScorePrefix;

    /// <summary>One message per bad setting (empty when valid); secrets are never quoted.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!InMemory && string.IsNullOrWhiteSpace(Redis) && string.IsNullOrWhiteSpace(DataDirectory))
        {
            problems.Add("State: set Redis to a connection string, or DataDirectory to the node's data folder (or InMemory for a throw-away node)");
        }

        if (KeyPrefix is null || KeyPrefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            problems.Add("State:KeyPrefix must be set and must not contain '{' or '}' (the stores place their own Cluster hash tags)");
        }

        if (Network is { } network && network.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            problems.Add("State:Network must not contain '{' or '}'");
        }

        if (Netuid is < 0)
        {
            problems.Add("State:Netuid must not be negative");
        }

        if (RedisCaCertificatePath is { } ca && !File.Exists(ca))
        {
            problems.Add($"State:RedisCaCertificatePath: no file at {ca}");
        }

        return problems;
    }
}
