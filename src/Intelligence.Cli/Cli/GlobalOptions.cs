using System.CommandLine;

namespace Intelligence.Cli.Cli;

/// <summary>
/// Options every command understands (recursive on the root). Defaults: $INTELLIGENCE_RPC / $INTELLIGENCE_ADDRESSES,
/// else the running devnet's (found from the current folder), else http://127.0.0.1:8545 and ~/.intelligence/addresses.json.
/// </summary>
internal static class GlobalOptions
{
    public static readonly Option<string?> Rpc = new("--rpc")
    {
        Description = "JSON-RPC endpoint (default: $INTELLIGENCE_RPC, else the running devnet's, else http://127.0.0.1:8545)",
        Recursive = true,
    };

    public static readonly Option<string?> Addresses = new("--addresses")
    {
        Description = "Deployment addresses JSON (default: $INTELLIGENCE_ADDRESSES, else the devnet's, else ~/.intelligence/addresses.json)",
        Recursive = true,
    };

    public static readonly Option<string?> Wallets = new("--wallets")
    {
        Description = "Wallets root (default: $INTELLIGENCE_WALLETS, else ~/.intelligence/wallets)",
        Recursive = true,
    };

    public static readonly Option<string> Wallet = new("--wallet", "-w")
    {
        Description = "Wallet (coldkey) name",
        DefaultValueFactory = _ => "default",
        Recursive = true,
    };

    public static readonly Option<string> Hotkey = new("--hotkey")
    {
        Description = "Hotkey name inside the wallet",
        DefaultValueFactory = _ => "default",
        Recursive = true,
    };

    public static readonly Option<string?> PasswordFile = new("--password-file")
    {
        Description = "File whose first line is the wallet password (else $INTELLIGENCE_WALLET_PASSWORD, else a prompt on a terminal)",
        Recursive = true,
    };

    public static readonly Option<bool> Json = new("--json")
    {
        Description = "Print only JSON on stdout (exact base units and fractions); errors also as a JSON object",
        Recursive = true,
    };

    public static readonly Option<bool> Yes = new("--yes", "-y")
    {
        Description = "Do not ask for confirmation before sending a transaction",
        Recursive = true,
    };

    public static void AddTo(RootCommand root)
    {
        foreach (var option in new Option[] { Rpc, Addresses, Wallets, Wallet, Hotkey, PasswordFile, Json, Yes })
        {
            root.Options.Add(option);
        }
    }

    /// <summary>The wallets root for a parse result.</summary>
    public static string WalletsRoot(ParseResult parse) => parse.GetValue(Wallets) is { Length: > 0 } w ? w : Intelligence.Chain.Keys.Wallet.DefaultRoot;
}
