using System.ComponentModel;
using System.Globalization;

namespace Intelligence.Node;

/// <summary>Options that check themselves: each problem is one line naming the key.</summary>
public interface IChecked
{
    /// <summary>Every problem with the current values, empty when valid.</summary>
    IEnumerable<string> Problems();
}

/// <summary>The <c>Chain:</c> section.</summary>
public sealed class ChainOptions : IChecked
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Chain";

    /// <summary>JSON-RPC endpoint.</summary>
    [Description("JSON-RPC endpoint of the chain node")]
    public string RpcUrl { get; set; } = "http://127.0.0.1:8545";

    /// <summary>Deployment JSON written by contracts/script/Deploy.s.sol.</summary>
    [Description("deployment JSON written by contracts/script/Deploy.s.sol (required)")]
    public string AddressesFile { get; set; } = "";

    /// <summary>Expected chain id; checked against the node and the addresses file.</summary>
    [Description("expected chain id, checked against the node and the addresses file (optional)")]
    public ulong? ChainId { get; set; }

    /// <summary>Timeout of every RPC call.</summary>
    [Description("timeout of every RPC call")]
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the head is polled for new blocks and subnet events.</summary>
    [Description("how often the node is polled for new blocks and subnet events")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A head that has not moved for this long marks the node degraded (0 = never).</summary>
    [Description("a head that has not moved for this long marks the node degraded (00:00:00 = never)")]
    public TimeSpan StallAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest wait between retries while the node is down.</summary>
    [Description("longest wait between retries while the node is unreachable")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a transaction may wait for its receipt before it is retried.</summary>
    [Description("how long a transaction may wait for its receipt")]
    public TimeSpan ReceiptTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <inheritdoc />
    public IEnumerable<string> Problems()
    {
        if (!Uri.TryCreate(RpcUrl, UriKind.Absolute, out var rpc) || (rpc.Scheme != "http" && rpc.Scheme != "https"))
        {
            yield return $"Chain:RpcUrl: '{RpcUrl}' is not an http(s) URL";
        }
        if (string.IsNullOrWhiteSpace(AddressesFile))
        {
            yield return "Chain:AddressesFile: required (the deployment JSON written by contracts/script/Deploy.s.sol)";
        }
        else if (!File.Exists(AddressesFile))
        {
            yield return $"Chain:AddressesFile: '{AddressesFile}' does not exist";
        }
        foreach (var (name, value) in new[] { ("CallTimeout", CallTimeout), ("PollInterval", PollInterval), ("MaxBackoff", MaxBackoff), ("ReceiptTimeout", ReceiptTimeout) })
        {
            if (value <= TimeSpan.Zero)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"Chain:{name}: must be positive (got {value})");
            }
        }
        if (StallAfter < TimeSpan.Zero)
        {
            yield return "Chain:StallAfter: must not be negative";
        }
    }
}

/// <summary>The <c>Wallet:</c> section.</summary>
public sealed class WalletOptions : IChecked
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Wallet";

    /// <summary>Environment variable holding the password when no file is given.</summary>
    public const string PasswordVariable = "INTELLIGENCE_WALLET_PASSWORD";

    /// <summary>Wallets root.</summary>
    [Description("wallets root (<root>/<wallet>/coldkey, <root>/<wallet>/hotkeys/<hotkey>); default $INTELLIGENCE_WALLETS or ~/.intelligence/wallets")]
    public string Root { get; set; } = "";

    /// <summary>Wallet (coldkey) name.</summary>
    [Description("wallet (coldkey) name")]
    public string Name { get; set; } = "default";

    /// <summary>Hotkey name.</summary>
    [Description("hotkey name")]
    public string Hotkey { get; set; } = "default";

    /// <summary>File whose first line is the password.</summary>
    [Description("file whose first line is the password; else $INTELLIGENCE_WALLET_PASSWORD; else a prompt on a terminal")]
    public string PasswordFile { get; set; } = "";

    /// <inheritdoc />
    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            yield return "Wallet:Name: required";
        }
        if (string.IsNullOrWhiteSpace(Hotkey))
        {
            yield return "Wallet:Hotkey: required";
        }
        if (!string.IsNullOrEmpty(PasswordFile) && !File.Exists(PasswordFile))
        {
            yield return $"Wallet:PasswordFile: '{PasswordFile}' does not exist";
        }
    }
}

/// <summary>The <c>Subnet:</c> section.</summary>
public sealed class SubnetOptions : IChecked
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Subnet";

    /// <summary>Known subnet names, filled in by the program (the catalog).</summary>
    internal static IReadOnlyList<string> KnownNames { get; set; } = [];

    /// <summary>Subnet id on chain.</summary>
    [Description("subnet id on chain (required)")]
    public int Netuid { get; set; } = -1;

    /// <summary>Catalog name of the subnet.</summary>
    [Description("subnet name in the catalog (required)")]
    public string Name { get; set; } = "";

    /// <inheritdoc />
    public IEnumerable<string> Problems()
    {
        if (Netuid is < 0 or > ushort.MaxValue)
        {
            yield return Netuid == -1 ? "Subnet:Netuid: required" : $"Subnet:Netuid: {Netuid} is not a subnet id (0-65535)";
        }
        if (string.IsNullOrWhiteSpace(Name))
        {
            yield return $"Subnet:Name: required (one of: {string.Join(", ", KnownNames)})";
        }
        else if (KnownNames.Count > 0 && !KnownNames.Contains(Name, StringComparer.Ordinal))
        {
            yield return $"Subnet:Name: unknown subnet '{Name}' (known: {string.Join(", ", KnownNames)})";
        }
    }
}

/// <summary>The <c>State:</c> section.</summary>
public sealed class StateOptions : IChecked
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "State";

    /// <summary>Redis connection string; empty = embedded store in the data folder.</summary>
    [Description("Redis connection string; empty = embedded file store in State:DataDir")]
    public string Redis { get; set; } = "";

    /// <summary>Redis key prefix.</summary>
    [Description("prefix of every Redis key")]
    public string KeyPrefix { get; set; } = "intelligence:";

    /// <summary>The node's data folder.</summary>
    [Description("the node's data folder (embedded store, evidence, pending commits)")]
    public string DataDir { get; set; } = "./data";

    /// <inheritdoc />
    public IEnumerable<string> Problems()
    {
        if (string.IsNullOrWhiteSpace(DataDir))
        {
            yield return "State:DataDir: required";
        }
    }
}

/// <summary>The <c>Health:</c> section.</summary>
public sealed class HealthOptions : IChecked
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Health";

    /// <summary>Where /healthz, /readyz and /metrics listen.</summary>
    [Description("HTTP health (/healthz), readiness (/readyz) and /metrics; port 0 picks a free one")]
    public string Urls { get; set; } = "http://127.0.0.1:0";

    /// <summary>How long SIGTERM waits for in-flight work.</summary>
    [Description("how long a stop (SIGTERM) waits for in-flight work before it cancels it")]
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public IEnumerable<string> Problems()
    {
        foreach (var url in Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || u.Scheme != "http")
            {
                yield return $"Health:Urls: '{url}' is not an http URL";
            }
        }
        if (ShutdownTimeout <= TimeSpan.Zero)
        {
            yield return "Health:ShutdownTimeout: must be positive";
        }
    }
}
