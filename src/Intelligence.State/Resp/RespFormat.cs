using System.Buffers.Text;
using System.Globalization;

namespace Intelligence.State.Resp;

/// <summary>Wire constants of RESP (the Redis serialization protocol, versions 2 and 3) and number helpers.</summary>
internal static class RespFormat
{
    /// <summary>Every RESP line ends with CR LF.</summary>
    public static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    // Type bytes (first byte of every value). RESP2: + - : $ *. RESP3 adds the rest.
    public const byte SimpleString = (byte)'+';
    public const byte SimpleError = (byte)'-';
    public const byte Integer = (byte)':';
    public const byte BulkString = (byte)'$';
    public const byte Array = (byte)'*';
    public const byte Null = (byte)'_';
    public const byte Double = (byte)',';
    public const byte Boolean = (byte)'#';
    public const byte BulkError = (byte)'!';
    public const byte VerbatimString = (byte)'=';
    public const byte BigNumber = (byte)'(';
    public const byte Map = (byte)'%';
    public const byte Attribute = (byte)'|';
    public const byte Set = (byte)'~';
    public const byte Push = (byte)'>';

    /// <summary>Verbatim strings start with a 3-byte format ("txt", "mkd") and a colon.</summary>
    public const int VerbatimPrefixLength = 4;

    /// <summary>Decimal digits needed for <paramref name="value"/> including a minus sign.</summary>
    public static int DigitCount(long value)
    {
        if (value < 0)
        {
            return value == long.MinValue ? 20 : 1 + DigitCount(-value);
        }

        var n = 1;
        while (value >= 10)
        {
            value /= 10;
            n++;
        }

        return n;
    }

    /// <summary>Formats a double the way Redis accepts it: round-trip digits, "inf"/"-inf" for infinities.</summary>
    public static int FormatDouble(double value, Span<byte> destination)
    {
        if (double.IsPositiveInfinity(value))
        {
            "inf"u8.CopyTo(destination);
            return 3;
        }

        if (double.IsNegativeInfinity(value))
        {
            "-inf"u8.CopyTo(destination);
            return 4;
        }

        if (double.IsNaN(value))
        {
            throw new ArgumentException("Redis does not accept NaN as a number", nameof(value));
        }

        if (!value.TryFormat(destination, out var written, "R", CultureInfo.InvariantCulture))
        {
            throw new InvalidOperationException("double formatting buffer too small");
        }

        return written;
    }

    /// <summary>Parses a RESP/Redis double: decimal or exponent form, "inf", "-inf", "nan".</summary>
    public static bool TryParseDouble(ReadOnlySpan<byte> text, out double value)
    {
        if (text.SequenceEqual("inf"u8) || text.SequenceEqual("+inf"u8))
        {
            value = double.PositiveInfinity;
            return true;
        }

        if (text.SequenceEqual("-inf"u8))
        {
            value = double.NegativeInfinity;
            return true;
        }

        if (text.SequenceEqual("nan"u8) || text.SequenceEqual("-nan"u8))
        {
            value = double.NaN;
            return true;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Parses a signed 64-bit decimal integer with no whitespace.</summary>
    public static bool TryParseInt64(ReadOnlySpan<byte> text, out long value) =>
        Utf8Parser.TryParse(text, out value, out var consumed) && consumed == text.Length && text.Length > 0;
}
