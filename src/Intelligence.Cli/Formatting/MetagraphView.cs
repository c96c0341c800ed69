using System.Globalization;
using System.Text.Json.Nodes;
using Intelligence.Chain.Contracts;
using Spectre.Console;

namespace Intelligence.Cli.Formatting;

/// <summary>The metagraph as a table (columns dropped to fit the width, least useful first) and as JSON (exact values).</summary>
internal static class MetagraphView
{
    /// <summary>Columns in display order: name, one-line meaning, priority (lower stays longer when the terminal is narrow).</summary>
    public static readonly IReadOnlyList<(string Name, string Meaning, int Priority)> Columns =
    [
        ("uid", "position of the neuron in the subnet", 0),
        ("role", "devnet role of the hotkey (validator or miner)", 2),
        ("hotkey", "the neuron's hotkey (shortened)", 3),
        ("coldkey", "the coldkey that registered it (shortened)", 9),
        ("stake", "INTL staked on the hotkey", 1),
        ("permit", "validator permit: among the top stakes, its weights count", 4),
        ("trust", "validator trust: share of its weights that agreed with consensus", 7),
        ("consensus", "stake-weighted median of the weights it received", 6),
        ("incentive", "its share of the miners' half of the emission", 0),
        ("dividends", "its share of the validators' half of the emission", 0),
        ("emission", "INTL it earned in the last epoch", 0),
        ("axon", "endpoint it serves (ip:port)", 8),
        ("updated", "block of its last weights (validators) or registration", 10),
        ("active", "updated within the activity cutoff", 5),
    ];

    /// <summary>One line per column, for the legend under tables and for --help.</summary>
    public static string Legend(int width, bool roles = true)
    {
        var keep = Visible(width);
        if (!roles)
        {
            keep.Remove("role");
        }
        return string.Join(Environment.NewLine, Columns.Where(c => keep.Contains(c.Name)).Select(c => $"  {c.Name,-10} {c.Meaning}"));
    }

    /// <summary>Widest cell of each column (values are bounded: shortened keys, four decimals, ip:port), plus 3 of padding.</summary>
    private static readonly Dictionary<string, int> Widths = new(StringComparer.Ordinal)
    {
        ["uid"] = 6, ["role"] = 24, ["hotkey"] = 15, ["coldkey"] = 15, ["stake"] = 16, ["permit"] = 9, ["trust"] = 9, ["consensus"] = 12,
        ["incentive"] = 12, ["dividends"] = 12, ["emission"] = 14, ["axon"] = 24, ["updated"] = 10, ["active"] = 9,
    };

    /// <summary>The columns that fit <paramref name="width"/>: the most useful first (lowest priority number), in display order.</summary>
    private static HashSet<string> Visible(int width)
    {
        var keep = new HashSet<string>(StringComparer.Ordinal);
        var used = 4;
        foreach (var c in Columns.OrderBy(c => c.Priority))
        {
            if (used + Widths[c.Name] <= width || keep.Count < 4)
            {
                keep.Add(c.Name);
                used += Widths[c.Name];
            }
        }
        return keep;
    }

    public static Table Table(MetagraphSnapshot mg, IReadOnlyDictionary<ushort, string>? roles, int width, string? title = null, string? sortBy = null, bool descending = true)
    {
        var keep = Visible(width);
        if (roles is null || roles.Count == 0)
        {
            keep.Remove("role");
        }
        var columns = Columns.Where(c => keep.Contains(c.Name)).Select(c => c.Name).ToList();
        var table = new Table().Border(TableBorder.Simple);
        if (title is not null)
        {
            table.Title(Markup.Escape(title));
        }
        foreach (var c in columns)
        {
            table.AddColumn(new TableColumn(c).RightAligned());
        }
        foreach (var n in Sort(mg.Neurons, sortBy, descending))
        {
            table.AddRow(columns.Select(c => Markup.Escape(Cell(n, c, roles))).ToArray());
        }
        table.Expand = false;
        return table;
    }

    public static IEnumerable<NeuronView> Sort(IEnumerable<NeuronView> neurons, string? column, bool descending)
    {
        Func<NeuronView, System.Numerics.BigInteger> key = column switch
        {
            null or "uid" => n => n.Uid,
            "stake" => n => n.Stake,
            "trust" => n => n.ValidatorTrust,
            "consensus" => n => n.Consensus,
            "incentive" => n => n.Incentive,
            "dividends" => n => n.Dividends,
            "emission" => n => n.Emission,
            "updated" => n => n.LastUpdate,
            _ => throw new Cli.UserErrorException($"cannot sort by '{column}': use one of uid, stake, trust, consensus, incentive, dividends, emission, updated"),
        };
        return column is null or "uid"
            ? neurons.OrderBy(n => n.Uid)
            : descending ? neurons.OrderByDescending(key).ThenBy(n => n.Uid) : neurons.OrderBy(key).ThenBy(n => n.Uid);
    }

    private static string Cell(NeuronView n, string column, IReadOnlyDictionary<ushort, string>? roles) => column switch
    {
        "uid" => n.Uid.ToString(CultureInfo.InvariantCulture),
        "role" => roles?.GetValueOrDefault(n.Uid) ?? "",
        "hotkey" => Units.Short(n.Hotkey.ToString()),
        "coldkey" => Units.Short(n.Coldkey.ToString()),
        "stake" => Units.Tokens(n.Stake),
        "permit" => n.ValidatorPermit ? "yes" : "no",
        "trust" => Units.U16(n.ValidatorTrust),
        "consensus" => Units.U16(n.Consensus),
        "incentive" => Units.U16(n.Incentive),
        "dividends" => Units.U16(n.Dividends),
        "emission" => Units.Tokens(n.Emission),
        "axon" => Axon(n.Axon),
        "updated" => n.LastUpdate.ToString(CultureInfo.InvariantCulture),
        "active" => n.Active ? "yes" : "no",
        _ => "",
    };

    public static string Axon(Axon axon)
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

    public static JsonObject Json(MetagraphSnapshot mg, IEnumerable<NeuronView> neurons) => new()
    {
        ["netuid"] = mg.Netuid,
        ["block"] = mg.Block,
        ["neurons"] = new JsonArray([.. neurons.Select(n => (JsonNode)new JsonObject
        {
            ["uid"] = n.Uid,
            ["hotkey"] = n.Hotkey.ToString(),
            ["coldkey"] = n.Coldkey.ToString(),
            ["stake"] = Units.Exact(n.Stake),
            ["effective_stake"] = Units.Exact(n.EffectiveStake),
            ["validator_permit"] = n.ValidatorPermit,
            ["validator_trust"] = Units.U16Exact(n.ValidatorTrust),
            ["consensus"] = Units.U16Exact(n.Consensus),
            ["incentive"] = Units.U16Exact(n.Incentive),
            ["dividends"] = Units.U16Exact(n.Dividends),
            ["emission"] = Units.Exact(n.Emission),
            ["axon"] = Axon(n.Axon),
            ["last_update"] = n.LastUpdate,
            ["registered_at"] = n.RegisteredAt,
            ["active"] = n.Active,
        })]),
    };
}
