using System.CommandLine;

namespace Intelligence.Cli.Commands;

/// <summary>The top-level command groups. A new group is a file in this folder plus one line here.</summary>
internal static class CommandGroups
{
    public static IEnumerable<Command> All()
    {
        yield return DevnetCommands.Create();
        yield return EpochCommands.Create();
        yield return ModelCommands.Create();
        yield return SubnetCommands.Create();
        yield return WalletCommands.Create();
        yield return ChainCommands.Register();
        yield return ChainCommands.Serve();
        yield return ChainCommands.Stake();
        yield return ChainCommands.Delegate();
        yield return ChainCommands.Metagraph();
        yield return ChainCommands.Weights();
        yield return NetworkCommands.Create();
    }
}
