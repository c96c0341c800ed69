using System.Buffers.Binary;
using System.Globalization;
using System.Text.Unicode;
using Nethereum.ABI;
using Nethereum.ABI.Model;

namespace Intelligence.Chain.Contracts;

/// <summary>
/// Checks bytes from the node against the expected ABI types before Nethereum's decoder sees them: it decodes
/// nothing, it only walks the layout. Nethereum's decoder trusts its input (an array length of 2^27 + 1
/// overflows its length check and it decodes 134 million elements out of 96 bytes; truncated data decodes as
/// zeros; offsets are assumed to ascend), so the guard accepts only the canonical encoding solc, cast and
/// Nethereum's encoder produce: every offset points exactly where the previous value ended, every length and
/// count fits in the bytes that are left, padding, integer widths, addresses and bools are clean, and strings are
/// UTF-8, so anything accepted re-encodes to the same bytes. That also makes the work linear in the input's size
/// and rules out aliased offsets.
/// </summary>
internal static class AbiGuard
{
    private const int Word = 32;

    /// <summary>Throws <see cref="AbiException"/> unless <paramref name="data"/> is a canonical encoding of the parameters.</summary>
    public static void Check(IReadOnlyList<Parameter> parameters, ReadOnlySpan<byte> data, string what)
    {
        try
        {
            Sequence(data, 0, parameters.Count, i => parameters[i].ABIType);
        }
        catch (AbiException e)
        {
            throw new AbiException($"{what}: {e.Message}");
        }
    }

    private static bool IsDynamic(ABIType type) => type.FixedSize < 0;

    private static long HeadSize(ABIType type) => IsDynamic(type) ? Word : type.FixedSize;

    /// <summary>Checks n values (head part then tails) starting at <paramref name="start"/>; returns where the encoding ends.</summary>
    private static int Sequence(ReadOnlySpan<byte> data, int start, int count, Func<int, ABIType> typeAt)
    {
        long heads = 0;
        for (var i = 0; i < count; i++)
        {
            var size = HeadSize(typeAt(i));
            if (size <= 0)
            {
                throw new AbiException($"ABI type {typeAt(i).Name} has no size.");
            }
            heads += size;
            if (heads > data.Length - start)
            {
                throw new AbiException($"the data ends inside the head at byte {start} (needs {heads} bytes, {data.Length - start} left).");
            }
        }
        var cursor = start + (int)heads;
        var position = start;
        for (var i = 0; i < count; i++)
        {
            var type = typeAt(i);
            if (IsDynamic(type))
            {
                var offset = ReadSize(data, position, "offset");
                if (offset != cursor - start)
                {
                    throw new AbiException($"the offset at byte {position} is {offset}, not {cursor - start} (only the canonical layout is accepted).");
                }
                cursor = Dynamic(data, cursor, type);
                position += Word;
            }
            else
            {
                Static(data, position, type);
                position += type.FixedSize;
            }
        }
        return cursor;
    }

    /// <summary>Checks a dynamic value (bytes, string, T[], T[k] or tuple with a dynamic part) at <paramref name="at"/>; returns its end.</summary>
    private static int Dynamic(ReadOnlySpan<byte> data, int at, ABIType type)
    {
        switch (type)
        {
            case BytesType or StringType:
            {
                var length = ReadSize(data, at, "length");
                var padded = (length + (long)Word - 1) / Word * Word;
                if (padded > data.Length - at - Word)
                {
                    throw new AbiException($"{type.Name} of {length} bytes at byte {at} runs past the end ({data.Length}).");
                }
                if (data.Slice(at + Word + length, (int)padded - length).ContainsAnyExcept((byte)0))
                {
                    throw new AbiException($"{type.Name} at byte {at} has non-zero padding.");
                }
                if (type is StringType && !Utf8.IsValid(data.Slice(at + Word, length)))
                {
                    throw new AbiException($"the string at byte {at} is not valid UTF-8.");
                }
                return at + Word + (int)padded;
            }
            case DynamicArrayType array:
            {
                var count = ReadSize(data, at, "array length");
                var left = data.Length - at - Word;
                if ((long)count * Math.Max(HeadSize(array.ElementType), Word) > left)
                {
                    throw new AbiException($"an array at byte {at} claims {count} elements but only {left} bytes follow.");
                }
                return Sequence(data, at + Word, count, _ => array.ElementType);
            }
            case StaticArrayType array:
                return Sequence(data, at, FixedLength(array), _ => array.ElementType);
            case TupleType tuple:
                return Sequence(data, at, tuple.Components.Length, i => tuple.Components[i].ABIType);
            default:
                throw new AbiException($"ABI type {type.Name} is not supported.");
        }
    }

    /// <summary>Checks a static value inline at <paramref name="at"/> (the head already fits).</summary>
    private static void Static(ReadOnlySpan<byte> data, int at, ABIType type)
    {
        switch (type)
        {
            case TupleType tuple:
                Sequence(data, at, tuple.Components.Length, i => tuple.Components[i].ABIType);
                return;
            case StaticArrayType array:
                Sequence(data, at, FixedLength(array), _ => array.ElementType);
                return;
        }
        var word = data.Slice(at, Word);
        switch (type)
        {
            case IntType integer:
            {
                var bytes = integer.StaticSize;
                var signed = integer.CanonicalName.StartsWith("int", StringComparison.Ordinal);
                var fill = signed && (word[Word - bytes] & 0x80) != 0 ? (byte)0xFF : (byte)0;
                if (word[..(Word - bytes)].ContainsAnyExcept(fill))
                {
                    throw new AbiException($"the {type.CanonicalName} at byte {at} does not fit its width.");
                }
                return;
            }
            case AddressType:
                if (word[..12].ContainsAnyExcept((byte)0))
                {
                    throw new AbiException($"the address at byte {at} has non-zero high bytes.");
                }
                return;
            case BoolType:
                if (word[..31].ContainsAnyExcept((byte)0) || word[31] > 1)
                {
                    throw new AbiException($"the bool at byte {at} is neither 0 nor 1.");
                }
                return;
            case Bytes32Type:
                return;
            case BytesElementaryType fixedBytes:
                if (word[fixedBytes.StaticSize..].ContainsAnyExcept((byte)0))
                {
                    throw new AbiException($"the {type.Name} at byte {at} has non-zero padding.");
                }
                return;
            default:
                throw new AbiException($"ABI type {type.Name} is not supported.");
        }
    }

    /// <summary>k of T[k], from the type's name (Nethereum keeps it internal).</summary>
    private static int FixedLength(StaticArrayType array)
    {
        var name = array.CanonicalName;
        var open = name.LastIndexOf('[');
        return int.Parse(name.AsSpan(open + 1, name.Length - open - 2), NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>An offset, length or count: a word whose value fits in the data (so in an int).</summary>
    private static int ReadSize(ReadOnlySpan<byte> data, int at, string what)
    {
        if (at > data.Length - Word)
        {
            throw new AbiException($"the data ends before the {what} at byte {at}.");
        }
        var word = data.Slice(at, Word);
        if (word[..24].ContainsAnyExcept((byte)0))
        {
            throw new AbiException($"the {what} at byte {at} is out of range.");
        }
        var value = BinaryPrimitives.ReadUInt64BigEndian(word[24..]);
        if (value > (ulong)data.Length)
        {
            throw new AbiException($"the {what} at byte {at} ({value}) is larger than the data ({data.Length} bytes).");
        }
        return (int)value;
    }
}
