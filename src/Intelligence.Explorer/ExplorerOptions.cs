using System.Globalization;

namespace Intelligence.Explorer;

/// <summary>The <c>Chain:</c> section: which node and which deployment to read.</summary>
public sealed class ChainOptions
{
    /// <summary>JSON-RPC endpoint.</summary>
    public string RpcUrl { get; set; } = "http://127.0.0.1:8545";

    /// <summary>The deployment JSON written by contracts/script/Deploy.s.sol (required).</summary>
    public string? AddressesFile { get; set; }

    /// <summary>Optional: checked against the node and the addresses file at start.</summary>
    public ulong? ChainId { get; set; }

    /// <summary>Timeout of every RPC call.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>The <c>Explorer:</c> section: where to listen, where to keep the index, how to follow the chain.</summary>
public sealed class ExplorerOptions
{
    /// <summary>Kestrel URL(s), separated by ';'. Port 0 picks a free one (the chosen URL is printed).</summary>
    public string Urls { get; set; } = "http://127.0.0.1:5480";

    /// <summary>Folder of the SQLite index (explorer.db).</summary>
    public string DataDir { get; set; } = "./explorer-data";

    /// <summary>Blocks near the head that may still be replaced by a reorganisation; the index keeps checkpoints over them.</summary>
    public ulong ReorgDepth { get; set; } = 12;

    /// <summary>Time between polls of the node once the index has caught up.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Most blocks read in one catch-up step.</summary>
    public ulong BatchBlocks { get; set; } = 2000;

    /// <summary>Deadline of the live TCP probe of a neuron's axon.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>Binds and checks the options; one message per bad setting.</summary>
public static class OptionsValidation
{
    /// <summary>The help text: every option with its default.</summary>
    public const string Help = """
        intelligence-explorer: a web dashboard and JSON API for an Intelligence network (docs/explorer.md)

        Options (flags --Section:Key value, environment INTELLIGENCE__Section__Key, or appsettings.json):
          --Chain:RpcUrl URL            JSON-RPC endpoint (default http://127.0.0.1:8545)
          --Chain:AddressesFile FILE    deployment JSON from contracts/script/Deploy.s.sol (required)
          --Chain:ChainId N             expected chain id (default: not checked beyond the addresses file)
          --Chain:CallTimeout T         timeout of each RPC call (default 00:00:10)
          --Explorer:Urls URLS          where to listen, ';'-separated; port 0 = free port (default http://127.0.0.1:5480)
          --Explorer:DataDir DIR        folder of the SQLite index (default ./explorer-data)
          --Explorer:ReorgDepth N       blocks near the head that may be reorganised (default 12)
          --Explorer:PollInterval T     time between polls once caught up (default 00:00:01)
          --Explorer:BatchBlocks N      most blocks per catch-up step (default 2000)
          --Explorer:ProbeTimeout T     deadline of the live axon probe (default 00:00:02)

        Prints "ready explorer url=<url>" once listening.
        """;

    /// <summary>Binds both sections; returns the problems found (empty when all is well).</summary>
    public static IReadOnlyList<string> Bind(IConfiguration configuration, out ChainOptions chain, out ExplorerOptions explorer)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        chain = new ChainOptions();
        explorer = new ExplorerOptions();
        try
        {
            configuration.GetSection("Chain").Bind(chain);
        }
        catch (InvalidOperationException e)
        {
            problems.Add("Chain: " + (e.InnerException?.Message ?? e.Message));
        }
        try
        {
            configuration.GetSection("Explorer").Bind(explorer);
        }
        catch (InvalidOperationException e)
        {
            problems.Add("Explorer: " + (e.InnerException?.Message ?? e.Message));
        }
        if (!Uri.TryCreate(chain.RpcUrl, UriKind.Absolute, out var rpc) || (rpc.Scheme != "http" && rpc.Scheme != "https"))
        {
            problems.Add($"Chain:RpcUrl: '{chain.RpcUrl}' is not an http(s) URL");
        }
        if (string.IsNullOrWhiteSpace(chain.AddressesFile))
        {
            problems.Add("Chain:AddressesFile: required (the JSON written by contracts/script/Deploy.s.sol)");
        }
        else if (!File.Exists(chain.AddressesFile))
        {
            problems.Add($"Chain:AddressesFile: '{chain.AddressesFile}' does not exist");
        }
        if (chain.CallTimeout <= TimeSpan.Zero)
        {
            problems.Add("Chain:CallTimeout: must be positive");
        }
        foreach (var url in explorer.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).DefaultIfEmpty(""))
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || (u.Scheme != "http" && u.Scheme != "https"))
            {
                problems.Add($"Explorer:Urls: '{url}' is not an http(s) URL");
            }
        }
        if (string.IsNullOrWhiteSpace(explorer.DataDir))
        {
            problems.Add("Explorer:DataDir: required");
        }
        if (explorer.PollInterval <= TimeSpan.Zero)
        {
            problems.Add("Explorer:PollInterval: must be positive");
        }
        if (explorer.BatchBlocks == 0)
        {
            problems.Add("Explorer:BatchBlocks: must be at least 1");
        }
        if (explorer.ProbeTimeout <= TimeSpan.Zero)
        {
            problems.Add("Explorer:ProbeTimeout: must be positive");
        }
        if (explorer.ReorgDepth > 10_000)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"Explorer:ReorgDepth: {explorer.ReorgDepth} is more than 10000"));
        }
        return problems;
    }
}
