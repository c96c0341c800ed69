using System.ComponentModel;
using System.Globalization;
using System.Net;
using System.Numerics;
using Intelligence.Node;

namespace Intelligence.Miner;

/// <summary>The <c>Miner:</c> section.</summary>
public sealed class MinerOptions : IChecked
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Miner";

    /// <summary>ONNX model path.</summary>
    [Description("ONNX model file (required)")]
    public string Model { get; set; } = "";

    /// <summary>Execution provider: auto, cpu, cuda.</summary>
    [Description("execution provider: auto (CUDA when usable, else CPU), cpu, cuda")]
    public string Provider { get; set; } = "auto";

    /// <summary>gRPC listen address host:port (h2c).</summary>
    [Description("gRPC listen address host:port (cleartext HTTP/2); port 0 picks a free one")]
    public string Listen { get; set; } = "127.0.0.1:0";

    /// <summary>Address published with serveAxon.</summary>
    [Description("ip:port published on chain with serveAxon (default: the listen address)")]
    public string ExternalAddress { get; set; } = "";

    /// <summary>Register (burn) when the hotkey is not registered.</summary>
    [Description("also --register: register the hotkey (burn, paid by the coldkey) when it is not registered")]
    public bool Register { get; set; }

    /// <summary>Highest burn accepted when registering (tokens); 0 = the current burn.</summary>
    [Description("highest burn accepted by --register, in tokens (0 = whatever it costs now)")]
    public decimal MaxBurn { get; set; }

    /// <summary>Refuse callers without a validator permit.</summary>
    [Description("refuse callers without a validator permit")]
    public bool ForceValidatorPermit { get; set; } = true;

    /// <summary>Refuse callers with less stake (base units).</summary>
    [Description("refuse callers with less stake (token base units)")]
    public string MinStake { get; set; } = "0";

    /// <summary>Most rows run in one batch.</summary>
    [Description("most rows run together in one model batch")]
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>Longest wait for a batch to fill.</summary>
    [Description("longest time a request waits for others to share its batch")]
    public TimeSpan MaxBatchWait { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Requests running at once behind the priority gate.</summary>
    [Description("requests running at once (the rest queue by caller stake)")]
    public int MaxConcurrency { get; set; } = 64;

    /// <summary>Requests that may wait.</summary>
    [Description("requests that may wait for a slot; beyond it callers get RESOURCE_EXHAUSTED")]
    public int QueueCapacity { get; set; } = 256;

    /// <summary>Sustained requests per second per caller.</summary>
    [Description("sustained requests per second per caller")]
    public double RateLimitPerSecond { get; set; } = 100;

    /// <summary>Burst per caller.</summary>
    [Description("burst size per caller")]
    public int RateLimitBurst { get; set; } = 200;

    /// <summary>Largest request message accepted (bytes).</summary>
    [Description("largest request message accepted, in bytes")]
    public int MaxRequestBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>The parsed minimum stake.</summary>
    public BigInteger MinStakeValue => BigInteger.TryParse(MinStake, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : BigInteger.Zero;

    /// <inheritdoc />
    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(Model))
        {
            yield return "Miner:Model: required (path to the ONNX model to serve)";
        }
        else if (!File.Exists(Model))
        {
            yield return $"Miner:Model: '{Model}' does not exist";
        }
        if (Provider is not ("auto" or "cpu" or "cuda"))
        {
            yield return $"Miner:Provider: '{Provider}' is not one of auto, cpu, cuda";
        }
        if (!TryEndpoint(Listen, out _))
        {
            yield return $"Miner:Listen: '{Listen}' is not host:port with an IP address";
        }
        if (!string.IsNullOrEmpty(ExternalAddress) && (!TryEndpoint(ExternalAddress, out var ext) || ext!.Port == 0 || ext.Address.Equals(IPAddress.Any)))
        {
            yield return $"Miner:ExternalAddress: '{ExternalAddress}' is not ip:port with a concrete address and port";
        }
        if (!BigInteger.TryParse(MinStake, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            yield return $"Miner:MinStake: '{MinStake}' is not a non-negative integer (token base units)";
        }
        if (MaxBurn < 0)
        {
            yield return "Miner:MaxBurn: must not be negative";
        }
        foreach (var (name, value) in new[] { ("MaxBatchSize", MaxBatchSize), ("MaxConcurrency", MaxConcurrency), ("QueueCapacity", QueueCapacity), ("RateLimitBurst", RateLimitBurst), ("MaxRequestBytes", MaxRequestBytes) })
        {
            if (value <= 0)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"Miner:{name}: must be positive (got {value})");
            }
        }
        if (!(RateLimitPerSecond > 0))
        {
            yield return "Miner:RateLimitPerSecond: must be positive";
        }
        if (MaxBatchWait < TimeSpan.Zero)
        {
            yield return "Miner:MaxBatchWait: must not be negative";
        }
    }

    /// <summary>Parses host:port where host is an IP address (IPv6 in brackets).</summary>
    public static bool TryEndpoint(string text, out IPEndPoint? endpoint) =>
        IPEndPoint.TryParse(text ?? "", out endpoint) && (text ?? "").Contains(':', StringComparison.Ordinal);
}
