using System.CommandLine;
using Intelligence.Cli.Commands;

namespace Intelligence.Cli;

/// <summary>Entry point of the <c>intelligence</c> command.</summary>
public static class Program
{
    /// <summary>Builds the command tree: one group per concern, each defined in <c>Commands/</c>.</summary>
    public static RootCommand BuildRoot()
    {
        var root = new RootCommand("intelligence: wallets, subnets, staking, metagraph, epochs and the local devnet");
        Cli.GlobalOptions.AddTo(root);
        foreach (var group in CommandGroups.All())
        {
            root.Subcommands.Add(group);
        }
        return root;
    }

    /// <summary>Runs the command line and returns the process exit code.</summary>
    /// <remarks>Ctrl-C and SIGTERM cancel the command; up to 20 s are left for it to stop what it started (the devnet's children).</remarks>
    public static Task<int> Main(string[] args) =>
        BuildRoot().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) });
}
