namespace Intelligence.Chain;

/// <summary>Hex helpers for the 0x-prefixed strings Ethereum tools exchange.</summary>
public static class Hex
{
    /// <summary>Lower-case hex with a 0x prefix.</summary>
    public static string Encode(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);

    /// <summary>Decodes hex with or without a 0x prefix; an odd length or a non-hex character is a <see cref="ChainFormatException"/>.</summary>
    public static byte[] Decode(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        var body = StripPrefix(hex);
        if (body.Length % 2 != 0)
        {
            throw new ChainFormatException($"Hex string has an odd number of digits ({body.Length}).");
        }
        try
        {
            return Convert.FromHexString(body);
        }
        catch (FormatException)
        {
            throw new ChainFormatException("Hex string contains a character that is not a hex digit.");
        }
    }

    /// <summary>Decodes hex that must be exactly <paramref name="length"/> bytes long.</summary>
    public static byte[] Decode(string hex, int length, string what)
    {
        var bytes = Decode(hex);
        if (bytes.Length != length)
        {
            throw new ChainFormatException($"{what} must be {length} bytes, got {bytes.Length}.");
        }
        return bytes;
    }

    internal static ReadOnlySpan<char> StripPrefix(string hex) =>
        hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex.AsSpan(2) : hex.AsSpan();
}
