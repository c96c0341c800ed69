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
    public static Task<int> Main(string[] args) => BuildRoot().Parse(args).InvokeAsync();
}
