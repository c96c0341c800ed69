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
        InvokeAsync(args, new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(20) });

    /// <summary>
    /// Parses and runs a command line; a command line the parser refuses is a user error reported as every command
    /// reports one (exit 1, <c>error:</c> lines, JSON with <c>--json</c>), except a command group named without a
    /// subcommand, which shows its help.
    /// </summary>
    public static Task<int> InvokeAsync(string[] args, InvocationConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var parse = BuildRoot().Parse(args);
        var groupWithoutSubcommand = parse.CommandResult.Command.Subcommands.Count > 0 && parse.CommandResult.Command.Action is null;
        return parse.Errors.Count == 0 || groupWithoutSubcommand
            ? parse.InvokeAsync(configuration)
            : Task.FromResult(Cli.ParseErrors.Report(parse, configuration.Output, configuration.Error));
    }
}
