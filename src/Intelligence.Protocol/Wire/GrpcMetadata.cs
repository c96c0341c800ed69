namespace Intelligence.Protocol.Wire;

/// <summary>Helpers for custom metadata: "-bin" keys carry base64 (padded or not) values.</summary>
public static class GrpcMetadata
{
    /// <summary>True for a key whose values are binary (ends with "-bin").</summary>
    public static bool IsBinaryKey(string key) => key.EndsWith("-bin", StringComparison.OrdinalIgnoreCase);

    /// <summary>Encodes a binary value as unpadded base64 (what the spec says to emit).</summary>
    public static string EncodeBinary(ReadOnlySpan<byte> value) => Convert.ToBase64String(value).TrimEnd('=');

    /// <summary>Decodes a binary value, padded or not; false when it is not base64.</summary>
    public static bool TryDecodeBinary(string value, out byte[] bytes)
    {
        var padded = (value.Length % 4) switch
        {
            2 => value + "==",
            3 => value + "=",
            _ => value,
        };
        bytes = new byte[(padded.Length / 4 * 3) + 3];
        if (Convert.TryFromBase64String(padded, bytes, out var written))
        {
            Array.Resize(ref bytes, written);
            return true;
        }

        bytes = [];
        return false;
    }
}
