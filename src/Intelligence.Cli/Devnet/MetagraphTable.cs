using System.Globalization;
using Intelligence.Chain.Contracts;
using Intelligence.Cli.Commands;
using Intelligence.Cli.Formatting;
using Spectre.Console;

namespace Intelligence.Cli.Devnet;

/// <summary>Prints a subnet's metagraph as a plain-text table.</summary>
internal static class MetagraphTable
{
    public static void Write(MetagraphSnapshot metagraph, IReadOnlyList<string> roles, TextWriter output)
    {
        var console = PlainConsole.Create(output);
        var table = PlainConsole.Table(["uid", "role", "hotkey", "stake (INTL)", "permit", "active", "consensus", "vtrust", "incentive", "dividends", "last emission (INTL)", "axon"])
            .Title(string.Create(CultureInfo.InvariantCulture, $"subnet {metagraph.Netuid} at block {metagraph.Block}"));
        foreach (var n in metagraph.Neurons)
        {
            var hotkey = n.Hotkey.ToString();
            table.AddRow(
                n.Uid.ToString(CultureInfo.InvariantCulture),
                n.Uid < roles.Count ? roles[n.Uid] : "",
                hotkey[..6] + ".." + hotkey[^4..],
                Units.Tokens(n.Stake),
                n.ValidatorPermit ? "yes" : "no",
                n.Active ? "yes" : "no",
                Units.U16(n.Consensus),
                Units.U16(n.ValidatorTrust),
                Units.U16(n.Incentive),
                Units.U16(n.Dividends),
                Units.Tokens(n.Emission),
                MetagraphView.Axon(n.Axon));
        }
        console.Write(table);
    }
}
