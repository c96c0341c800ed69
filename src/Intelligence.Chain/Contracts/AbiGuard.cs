using System.Buffers.Binary;
using System.Globalization;
using System.Text.Unicode;
using Nethereum.ABI;

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

    /// <summary>Throws <see cref="AbiException"/> unless <paramref name="data"/> is a canonical encoding of <paramref name="shapes"/>.</summary>
    public static void Check(AbiShape[] shapes, ReadOnlySpan<byte> data, string what)
    {
        try
        {
            Sequence(data, 0, shapes, null, shapes.Length);
        }
        catch (AbiException e)
        {
            throw new AbiException($"{what}: {e.Message}");
        }
    }

    /// <summary>
    /// Checks <paramref name="count"/> values (the head part, then the tails) starting at <paramref name="start"/>:
    /// the items of a tuple (<paramref name="items"/>) or the elements of an array (<paramref name="element"/>).
    /// Returns where the encoding ends.
    /// </summary>
    private static int Sequence(ReadOnlySpan<byte> data, int start, AbiShape[]? items, AbiShape? element, int count)
    {
        long heads = 0;
        if (element is null)
        {
            foreach (var item in items!)
            {
                heads += item.HeadSize;
            }
        }
        else
        {
            heads = (long)element.HeadSize * count;
        }
        if (heads > data.Length - start)
        {
            throw new AbiException($"the data ends inside the head at byte {start} (needs {heads} bytes, {data.Length - start} left).");
        }
        var cursor = start + (int)heads;
        var position = start;
        for (var i = 0; i < count; i++)
        {
            var shape = element ?? items![i];
            if (shape.IsDynamic)
            {
                var offset = ReadSize(data, position, "offset");
                if (offset != cursor - start)
                {
                    throw new AbiException($"the offset at byte {position} is {offset}, not {cursor - start} (only the canonical layout is accepted).");
                }
                cursor = Dynamic(data, cursor, shape);
            }
            else
            {
                Static(data, position, shape);
            }
            position += shape.HeadSize;
        }
        return cursor;
    }

    /// <summary>Checks a dynamic value (bytes, string, T[], or T[k] and tuples with a dynamic part) at <paramref name="at"/>; returns its end.</summary>
    private static int Dynamic(ReadOnlySpan<byte> data, int at, AbiShape shape)
    {
        switch (shape.Kind)
        {
            case AbiShape.Kinds.Bytes or AbiShape.Kinds.String:
            {
                var length = ReadSize(data, at, "length");
                var padded = (length + (long)Word - 1) / Word * Word;
                if (padded > data.Length - at - Word)
                {
                    throw new AbiException($"{shape.Name} of {length} bytes at byte {at} runs past the end ({data.Length}).");
                }
                if (data.Slice(at + Word + length, (int)padded - length).ContainsAnyExcept((byte)0))
                {
                    throw new AbiException($"{shape.Name} at byte {at} has non-zero padding.");
                }
                if (shape.Kind == AbiShape.Kinds.String && !Utf8.IsValid(data.Slice(at + Word, length)))
                {
                    throw new AbiException($"the string at byte {at} is not valid UTF-8.");
                }
                return at + Word + (int)padded;
            }
            case AbiShape.Kinds.Array:
            {
                var count = ReadSize(data, at, "array length");
                var left = data.Length - at - Word;
                if ((long)count * shape.Element!.HeadSize > left)
                {
                    throw new AbiException($"an array at byte {at} claims {count} elements but only {left} bytes follow.");
                }
                return Sequence(data, at + Word, null, shape.Element, count);
            }
            case AbiShape.Kinds.FixedArray:
                return Sequence(data, at, null, shape.Element, shape.Length);
            default:
                return Sequence(data, at, shape.Items, null, shape.Items!.Length);
        }
    }

    /// <summary>Checks a static value inline at <paramref name="at"/> (its head already fits).</summary>
    private static void Static(ReadOnlySpan<byte> data, int at, AbiShape shape)
    {
        switch (shape.Kind)
        {
            case AbiShape.Kinds.Tuple:
                Sequence(data, at, shape.Items, null, shape.Items!.Length);
                return;
            case AbiShape.Kinds.FixedArray:
                Sequence(data, at, null, shape.Element, shape.Length);
                return;
        }
        var word = data.Slice(at, Word);
        switch (shape.Kind)
        {
            case AbiShape.Kinds.Integer:
            {
                var fill = shape.Signed && (word[Word - shape.Length] & 0x80) != 0 ? (byte)0xFF : (byte)0;
                if (word[..(Word - shape.Length)].ContainsAnyExcept(fill))
                {
                    throw new AbiException($"the {shape.Name} at byte {at} does not fit its width.");
                }
                return;
            }
            case AbiShape.Kinds.Address:
                if (word[..12].ContainsAnyExcept((byte)0))
                {
                    throw new AbiException($"the address at byte {at} has non-zero high bytes.");
                }
                return;
            case AbiShape.Kinds.Bool:
                if (word[..31].ContainsAnyExcept((byte)0) || word[31] > 1)
                {
                    throw new AbiException($"the bool at byte {at} is neither 0 nor 1.");
                }
                return;
            default:
                if (word[shape.Length..].ContainsAnyExcept((byte)0))
                {
                    throw new AbiException($"the {shape.Name} at byte {at} has non-zero padding.");
                }
                return;
        }
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

/// <summary>
/// What <see cref="AbiGuard"/> needs to know of a Nethereum <see cref="ABIType"/>, worked out once per layout
/// (Nethereum recomputes a tuple's size from its components on every call).
/// </summary>
internal sealed class AbiShape
{
    /// <summary>The kinds of ABI type.</summary>
    public enum Kinds { Integer, Address, Bool, FixedBytes, Bytes, String, Array, FixedArray, Tuple }

    private AbiShape(Kinds kind, string name, int headSize, bool isDynamic)
    {
        Kind = kind;
        Name = name;
        HeadSize = headSize;
        IsDynamic = isDynamic;
    }

    public Kinds Kind { get; }

    /// <summary>The canonical type name, for messages.</summary>
    public string Name { get; }

    /// <summary>Bytes in the enclosing head: 32 (an offset) for dynamic types, the whole value for static ones.</summary>
    public int HeadSize { get; }

    public bool IsDynamic { get; }

    /// <summary>Integers: the width in bytes; bytesN: N; T[k]: k.</summary>
    public int Length { get; private init; }

    /// <summary>Integers: intN rather than uintN.</summary>
    public bool Signed { get; private init; }

    /// <summary>Arrays: the element.</summary>
    public AbiShape? Element { get; private init; }

    /// <summary>Tuples: the components.</summary>
    public AbiShape[]? Items { get; private init; }

    /// <summary>The shape of a Nethereum type (tuple components must be set).</summary>
    public static AbiShape Of(ABIType type)
    {
        const int word = 32;
        switch (type)
        {
            case IntType integer:
                return new AbiShape(Kinds.Integer, integer.CanonicalName, word, false)
                {
                    Length = integer.StaticSize, Signed = integer.CanonicalName.StartsWith("int", StringComparison.Ordinal),
                };
            case AddressType:
                return new AbiShape(Kinds.Address, "address", word, false);
            case BoolType:
                return new AbiShape(Kinds.Bool, "bool", word, false);
            case Bytes32Type or BytesElementaryType:
                return new AbiShape(Kinds.FixedBytes, type.Name, word, false) { Length = type.StaticSize };
            case BytesType:
                return new AbiShape(Kinds.Bytes, "bytes", word, true);
            case StringType:
                return new AbiShape(Kinds.String, "string", word, true);
            case DynamicArrayType array:
                return new AbiShape(Kinds.Array, type.CanonicalName, word, true) { Element = Of(array.ElementType) };
            case StaticArrayType array:
            {
                var element = Of(array.ElementType);
                var name = array.CanonicalName;
                var open = name.LastIndexOf('[');
                var length = int.Parse(name.AsSpan(open + 1, name.Length - open - 2), NumberStyles.None, CultureInfo.InvariantCulture);
                return new AbiShape(Kinds.FixedArray, name, element.IsDynamic ? word : checked(element.HeadSize * length), element.IsDynamic)
                {
                    Element = element, Length = length,
                };
            }
            case TupleType tuple:
            {
                var items = (tuple.Components ?? []).Select(c => Of(c.ABIType)).ToArray();
                if (items.Length == 0)
                {
                    throw new AbiException("An empty tuple has no ABI encoding.");
                }
                var isDynamic = items.Any(i => i.IsDynamic);
                return new AbiShape(Kinds.Tuple, "tuple", isDynamic ? word : items.Sum(i => i.HeadSize), isDynamic) { Items = items };
            }
            default:
                throw new AbiException($"ABI type {type.Name} is not supported.");
        }
    }
}
