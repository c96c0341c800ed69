using System.Globalization;
using Intelligence.Chain.Contracts;
using Intelligence.Cli.Commands;
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
                DevnetDemo.Tokens(n.Stake),
                n.ValidatorPermit ? "yes" : "no",
                n.Active ? "yes" : "no",
                U16(n.Consensus),
                U16(n.ValidatorTrust),
                U16(n.Incentive),
                U16(n.Dividends),
                DevnetDemo.Tokens(n.Emission),
                Axon(n.Axon));
        }
        console.Write(table);
    }

    private static string U16(ushort value) => (value / 65535m).ToString("0.0000", CultureInfo.InvariantCulture);

    private static string Axon(Axon axon)
    {
        if (axon.Port == 0)
        {
            return "-";
        }
        if (axon.IpType != 4)
        {
            return string.Create(CultureInfo.InvariantCulture, $"ipv6:{axon.Port}");
        }
        var ip = (uint)(axon.Ip & uint.MaxValue);
        return string.Create(CultureInfo.InvariantCulture, $"{ip >> 24}.{(ip >> 16) & 255}.{(ip >> 8) & 255}.{ip & 255}:{axon.Port}");
    }
}
