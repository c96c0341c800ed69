using Intelligence.Cli.Cli;
using Intelligence.Cli.Commands;

namespace Intelligence.Cli.Devnet;

/// <summary>
/// Where the devnet finds its parts: the checkout (folder holding Intelligence.sln), the bootstrapped toolchain
/// (<c>.tools/</c>, or <c>$INTELLIGENCE_TOOLS_DIR</c>) and the Release builds of the binaries (BINARIES.md:
/// <c>src/&lt;Project&gt;/bin/Release/net10.0/&lt;assembly&gt;</c>).
/// </summary>
internal sealed class Toolchain(string root)
{
    public string Root { get; } = root;

    public string ToolsDir =>
        Environment.GetEnvironmentVariable("INTELLIGENCE_TOOLS_DIR") is { Length: > 0 } env && File.Exists(Path.Combine(env, "bin", "anvil"))
            ? env
            : Path.Combine(Root, ".tools");

    public string Anvil => Path.Combine(ToolsDir, "bin", "anvil");
    public string Forge => Path.Combine(ToolsDir, "bin", "forge");
    public string Bootstrap => Path.Combine(Root, "tools", "bootstrap.sh");

    /// <summary>True when the tools the devnet itself runs are installed.</summary>
    public bool Complete => File.Exists(Anvil) && File.Exists(Forge) && File.Exists(Path.Combine(ToolsDir, "bin", "solc"));

    /// <summary>The checkout: the folder holding Intelligence.sln above the current folder, else above this program.</summary>
    public static Toolchain Locate()
    {
        var root = RepositoryRoot.Find(Environment.CurrentDirectory) ?? RepositoryRoot.Find(AppContext.BaseDirectory)
            ?? throw new UserErrorException("the devnet runs from a checkout of the repository: no Intelligence.sln above the current folder or above this program");
        return new Toolchain(root);
    }

    /// <summary>A binary's Release build: the apphost, else its dll through <c>dotnet</c>; null when not built.</summary>
    public (string Executable, string[] Prefix)? Binary(string project, string assembly)
    {
        var dir = Path.Combine(Root, "src", project, "bin", "Release", "net10.0");
        var apphost = Path.Combine(dir, OperatingSystem.IsWindows() ? assembly + ".exe" : assembly);
        if (File.Exists(apphost))
        {
            return (apphost, []);
        }
        var dll = Path.Combine(dir, assembly + ".dll");
        return File.Exists(dll) ? ("dotnet", [dll]) : null;
    }

    public (string Executable, string[] Prefix)? Miner => Binary("Intelligence.Miner", "intelligence-miner");
    public (string Executable, string[] Prefix)? Validator => Binary("Intelligence.Validator", "intelligence-validator");
    public (string Executable, string[] Prefix)? Explorer => Binary("Intelligence.Explorer", "intelligence-explorer");
}
