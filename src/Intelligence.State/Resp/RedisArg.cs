using System.Text;

namespace Intelligence.State.Resp;

/// <summary>
/// One command argument, sent as a RESP bulk string: text (UTF-8), raw bytes, an integer or a double.
/// Implicit conversions let callers pass <c>"SET", key, 42</c> directly.
/// </summary>
public readonly struct RedisArg
{
    private readonly object? _ref;
    private readonly long _scalar;
    private readonly Kind _kind;

    private enum Kind : byte
    {
        Bytes,
        Text,
        Int64,
        Double,
    }

    private RedisArg(Kind kind, object? reference, long scalar)
    {
        _kind = kind;
        _ref = reference;
        _scalar = scalar;
    }

    /// <summary>A text argument, encoded as UTF-8.</summary>
    public static implicit operator RedisArg(string value) => new(Kind.Text, value ?? throw new ArgumentNullException(nameof(value)), 0);

    /// <summary>A binary argument.</summary>
    public static implicit operator RedisArg(byte[] value) => new(Kind.Bytes, new ReadOnlyMemory<byte>(value ?? throw new ArgumentNullException(nameof(value))), 0);

    /// <summary>A binary argument.</summary>
    public static implicit operator RedisArg(ReadOnlyMemory<byte> value) => new(Kind.Bytes, value, 0);

    /// <summary>An integer argument in decimal.</summary>
    public static implicit operator RedisArg(long value) => new(Kind.Int64, null, value);

    /// <summary>An integer argument in decimal.</summary>
    public static implicit operator RedisArg(int value) => new(Kind.Int64, null, value);

    /// <summary>A double argument in round-trip form ("inf"/"-inf" for infinities).</summary>
    public static implicit operator RedisArg(double value) => new(Kind.Double, null, BitConverter.DoubleToInt64Bits(value));

    /// <summary>Named alternative to the implicit conversion from <see cref="string"/>.</summary>
    public static RedisArg FromString(string value) => value;

    /// <summary>The argument's text when it was given as a string (command names are).</summary>
    internal string? Text => _kind == Kind.Text ? (string)_ref! : null;

    /// <summary>Number of bytes of the argument's payload.</summary>
    internal int PayloadLength(Span<byte> scratch) => _kind switch
    {
        Kind.Text => Encoding.UTF8.GetByteCount((string)_ref!),
        Kind.Bytes => ((ReadOnlyMemory<byte>)_ref!).Length,
        Kind.Int64 => RespFormat.DigitCount(_scalar),
        _ => RespFormat.FormatDouble(BitConverter.Int64BitsToDouble(_scalar), scratch),
    };

    /// <summary>Writes the payload (not the RESP framing) and returns its length.</summary>
    internal int WritePayload(Span<byte> destination) => _kind switch
    {
        Kind.Text => Encoding.UTF8.GetBytes((string)_ref!, destination),
        Kind.Bytes => Copy(((ReadOnlyMemory<byte>)_ref!).Span, destination),
        Kind.Int64 => _scalar.TryFormat(destination, out var n, default, System.Globalization.CultureInfo.InvariantCulture) ? n : throw new InvalidOperationException("buffer too small"),
        _ => RespFormat.FormatDouble(BitConverter.Int64BitsToDouble(_scalar), destination),
    };

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }

    /// <inheritdoc />
    public override string ToString() => _kind switch
    {
        Kind.Text => (string)_ref!,
        Kind.Bytes => $"<{((ReadOnlyMemory<byte>)_ref!).Length} bytes>",
        Kind.Int64 => _scalar.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => BitConverter.Int64BitsToDouble(_scalar).ToString("R", System.Globalization.CultureInfo.InvariantCulture),
    };
}
