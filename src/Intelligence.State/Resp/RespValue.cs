using System.Globalization;
using System.Text;

namespace Intelligence.State.Resp;

/// <summary>
/// One parsed RESP value. A small struct: scalars live inline, strings as <see cref="byte"/> arrays,
/// aggregates as <see cref="RespValue"/> arrays.
/// </summary>
public readonly struct RespValue : IEquatable<RespValue>
{
    private readonly object? _ref;
    private readonly long _scalar;

    private RespValue(RespType type, object? reference, long scalar)
    {
        Type = type;
        _ref = reference;
        _scalar = scalar;
    }

    /// <summary>The wire type of this value.</summary>
    public RespType Type { get; }

    /// <summary>True for null replies (RESP3 <c>_</c>, RESP2 null bulk string or null array).</summary>
    public bool IsNull => Type == RespType.Null;

    /// <summary>True when this value is a server error.</summary>
    public bool IsError => Type == RespType.Error;

    /// <summary>The null value.</summary>
    public static RespValue Null => new(RespType.Null, null, 0);

    /// <summary>Creates a simple string, error, bulk, big-number or verbatim value over <paramref name="bytes"/>.</summary>
    public static RespValue FromBytes(RespType type, byte[] bytes) => new(type, bytes, 0);

    /// <summary>Creates an integer value.</summary>
    public static RespValue FromInteger(long value) => new(RespType.Integer, null, value);

    /// <summary>Creates a RESP3 double value.</summary>
    public static RespValue FromDouble(double value) => new(RespType.Double, null, BitConverter.DoubleToInt64Bits(value));

    /// <summary>Creates a RESP3 boolean value.</summary>
    public static RespValue FromBoolean(bool value) => new(RespType.Boolean, null, value ? 1 : 0);

    /// <summary>Creates an aggregate (array, map, set or push) over <paramref name="items"/>.</summary>
    public static RespValue FromItems(RespType type, RespValue[] items) => new(type, items, 0);

    /// <summary>The raw bytes of a string-like value (simple, bulk, error, big number, verbatim); null otherwise.</summary>
    public byte[]? Bytes => _ref as byte[];

    /// <summary>The items of an aggregate (array, map, set, push); null otherwise. Maps alternate key, value.</summary>
    public RespValue[]? Items => _ref as RespValue[];

    /// <summary>True for arrays, maps, sets and pushes.</summary>
    public bool IsAggregate => _ref is RespValue[];

    /// <summary>The value as text: strings decoded as UTF-8, numbers in invariant form, null as null.</summary>
    public string? AsString() => Type switch
    {
        RespType.Null => null,
        RespType.Integer => _scalar.ToString(CultureInfo.InvariantCulture),
        RespType.Double => AsDouble().ToString("R", CultureInfo.InvariantCulture),
        RespType.Boolean => _scalar != 0 ? "true" : "false",
        _ when _ref is byte[] b => Encoding.UTF8.GetString(b),
        _ => throw new RedisUnexpectedReplyException($"expected a string reply, got {Type}"),
    };

    /// <summary>The value as a 64-bit integer (integer replies, or numeric strings as RESP2 sends them).</summary>
    public long AsInt64()
    {
        if (Type == RespType.Integer || Type == RespType.Boolean)
        {
            return _scalar;
        }

        if (_ref is byte[] b && Type != RespType.Error && long.TryParse(b, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
        {
            return v;
        }

        throw new RedisUnexpectedReplyException($"expected an integer reply, got {Type}");
    }

    /// <summary>The value as a double (RESP3 doubles, integers, or numeric strings as RESP2 sends them).</summary>
    public double AsDouble()
    {
        switch (Type)
        {
            case RespType.Double:
                return BitConverter.Int64BitsToDouble(_scalar);
            case RespType.Integer:
                return _scalar;
        }

        if (_ref is byte[] b && Type != RespType.Error && RespFormat.TryParseDouble(b, out var d))
        {
            return d;
        }

        throw new RedisUnexpectedReplyException($"expected a numeric reply, got {Type}");
    }

    /// <summary>The value as a boolean: RESP3 booleans, or integers 0/1 as RESP2 sends them.</summary>
    public bool AsBoolean() => Type switch
    {
        RespType.Boolean or RespType.Integer => _scalar != 0,
        _ => throw new RedisUnexpectedReplyException($"expected a boolean reply, got {Type}"),
    };

    /// <inheritdoc />
    public bool Equals(RespValue other)
    {
        if (Type != other.Type || _scalar != other._scalar)
        {
            return false;
        }

        return (_ref, other._ref) switch
        {
            (null, null) => true,
            (byte[] a, byte[] b) => a.AsSpan().SequenceEqual(b),
            (RespValue[] a, RespValue[] b) => a.AsSpan().SequenceEqual(b),
            _ => false,
        };
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is RespValue v && Equals(v);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Type, _scalar, _ref is RespValue[] a ? a.Length : (_ref as byte[])?.Length ?? 0);

    /// <summary>Equality of type and content.</summary>
    public static bool operator ==(RespValue left, RespValue right) => left.Equals(right);

    /// <summary>Inequality of type or content.</summary>
    public static bool operator !=(RespValue left, RespValue right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => Type switch
    {
        RespType.Null => "(null)",
        _ when _ref is RespValue[] items => $"{Type}[{string.Join(", ", items.Select(i => i.ToString()))}]",
        _ => $"{Type}:{AsString()}",
    };
}
