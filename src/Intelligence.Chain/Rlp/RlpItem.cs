using System.Numerics;

namespace Intelligence.Chain.Rlp;

/// <summary>Malformed or non-canonical RLP input.</summary>
public sealed class RlpException(string message) : ChainException(message);

/// <summary>An RLP value: a byte string (<see cref="RlpString"/>) or a list of items (<see cref="RlpList"/>).</summary>
public abstract class RlpItem
{
    private protected RlpItem() { }

    /// <summary>This item as a byte string, or an <see cref="RlpException"/> naming what was expected.</summary>
    public RlpString AsString(string what = "value") =>
        this as RlpString ?? throw new RlpException($"Expected a byte string for {what}, found a list.");

    /// <summary>This item as a list, or an <see cref="RlpException"/>.</summary>
    public RlpList AsList(string what = "value") =>
        this as RlpList ?? throw new RlpException($"Expected a list for {what}, found a byte string.");

    /// <summary>A byte string item.</summary>
    public static RlpString Bytes(ReadOnlySpan<byte> bytes) => new(bytes.ToArray());

    /// <summary>A non-negative integer as its minimal big-endian bytes (zero is the empty string).</summary>
    public static RlpString Integer(BigInteger value)
    {
        if (value.Sign < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), "RLP integers are non-negative.");
        }
        return new RlpString(value.IsZero ? [] : value.ToByteArray(isUnsigned: true, isBigEndian: true));
    }

    /// <summary>A list item.</summary>
    public static RlpList List(params RlpItem[] items) => new(items);
}

/// <summary>An RLP byte string.</summary>
public sealed class RlpString(byte[] bytes) : RlpItem
{
    /// <summary>The raw bytes.</summary>
    public byte[] Value { get; } = bytes;

    /// <summary>The bytes read as a canonical big-endian unsigned integer (no leading zero byte).</summary>
    public BigInteger ToBigInteger(int maxBytes = 32)
    {
        if (Value.Length > maxBytes)
        {
            throw new RlpException($"Integer is {Value.Length} bytes, more than the {maxBytes} allowed.");
        }
        if (Value.Length > 0 && Value[0] == 0)
        {
            throw new RlpException("Integer has a leading zero byte (non-canonical).");
        }
        return new BigInteger(Value, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>The bytes read as a canonical unsigned 64-bit integer.</summary>
    public ulong ToUInt64() => (ulong)ToBigInteger(8);
}

/// <summary>An RLP list.</summary>
public sealed class RlpList(IReadOnlyList<RlpItem> items) : RlpItem
{
    /// <summary>The items in order.</summary>
    public IReadOnlyList<RlpItem> Items { get; } = items;

    /// <summary>Number of items.</summary>
    public int Count => Items.Count;

    /// <summary>The item at <paramref name="index"/>.</summary>
    public RlpItem this[int index] => Items[index];
}
