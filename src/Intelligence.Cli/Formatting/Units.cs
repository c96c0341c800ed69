using System.Globalization;
using System.Numerics;

namespace Intelligence.Cli.Formatting;

/// <summary>
/// The one rule for amounts and fractions everywhere in the CLI: tables show tokens (INTL, 18 decimals) with four
/// decimals, truncated, and fractions with four decimals; <c>--json</c> carries exact base units (a decimal string)
/// and exact fractions (<c>"n/65535"</c> for the contract's u16 values, <c>"n/4294967296"</c> for Q32).
/// </summary>
internal static class Units
{
    /// <summary>Base units per token (18 decimals).</summary>
    public static readonly BigInteger BaseUnitsPerToken = BigInteger.Pow(10, 18);

    /// <summary>An amount of base units as tokens with <paramref name="decimals"/> decimals, truncated, thousands separated.</summary>
    public static string Tokens(BigInteger baseUnits, int decimals = 4)
    {
        var negative = baseUnits.Sign < 0;
        var abs = BigInteger.Abs(baseUnits);
        var whole = BigInteger.DivRem(abs, BaseUnitsPerToken, out var rest);
        var frac = rest / BigInteger.Pow(10, 18 - decimals);
        var text = whole.ToString("N0", CultureInfo.InvariantCulture) +
                   (decimals > 0 ? "." + frac.ToString(CultureInfo.InvariantCulture).PadLeft(decimals, '0') : "");
        return negative ? "-" + text : text;
    }

    /// <summary>Tokens with the unit, e.g. <c>1,234.5000 INTL</c>.</summary>
    public static string Intl(BigInteger baseUnits) => Tokens(baseUnits) + " INTL";

    /// <summary>ETH (gas money) with six decimals.</summary>
    public static string Eth(BigInteger wei) => Tokens(wei, 9) + " ETH";

    /// <summary>Exact base units for JSON.</summary>
    public static string Exact(BigInteger baseUnits) => baseUnits.ToString(CultureInfo.InvariantCulture);

    /// <summary>A u16 fraction (value / 65535) with four decimals, truncated.</summary>
    public static string U16(ushort value) =>
        (decimal.Truncate(value * 10_000m / 65535m) / 10_000m).ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>A u16 fraction exactly, for JSON.</summary>
    public static string U16Exact(ushort value) => string.Create(CultureInfo.InvariantCulture, $"{value}/65535");

    /// <summary>A Q32 fraction with four decimals, truncated.</summary>
    public static string Q32(ulong value) =>
        (decimal.Truncate(value * 10_000m / 4294967296m) / 10_000m).ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>A Q32 fraction exactly, for JSON.</summary>
    public static string Q32Exact(ulong value) => string.Create(CultureInfo.InvariantCulture, $"{value}/4294967296");

    /// <summary>Parses a token amount typed by a person ("12", "0.5", "1,000.25") into base units.</summary>
    public static bool TryParseTokens(string? text, out BigInteger baseUnits)
    {
        baseUnits = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var t = text.Trim().Replace(",", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);
        if (t.EndsWith("INTL", StringComparison.OrdinalIgnoreCase))
        {
            t = t[..^4].Trim();
        }
        var dot = t.IndexOf('.', StringComparison.Ordinal);
        var whole = dot < 0 ? t : t[..dot];
        var frac = dot < 0 ? "" : t[(dot + 1)..];
        if (frac.Length > 18 || (whole.Length == 0 && frac.Length == 0) || !whole.All(char.IsAsciiDigit) || !frac.All(char.IsAsciiDigit))
        {
            return false;
        }
        baseUnits = (whole.Length == 0 ? BigInteger.Zero : BigInteger.Parse(whole, CultureInfo.InvariantCulture)) * BaseUnitsPerToken +
                    (frac.Length == 0 ? BigInteger.Zero : BigInteger.Parse(frac.PadRight(18, '0'), CultureInfo.InvariantCulture));
        return true;
    }

    /// <summary>A hotkey or coldkey shortened for tables: <c>0x1234..abcd</c>.</summary>
    public static string Short(string address) => address.Length > 12 ? address[..6] + ".." + address[^4..] : address;
}
