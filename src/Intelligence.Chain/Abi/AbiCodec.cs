using System.Buffers.Binary;
using System.Collections;
using System.Numerics;
using System.Text;

namespace Intelligence.Chain.Abi;

/// <summary>
/// Solidity ABI encoding and decoding (head/tail layout, 32-byte words). The encoder sizes the output and
/// writes once; the decoder checks every offset, length and padding and raises <see cref="AbiException"/>
/// for malformed input, with a work budget so aliased offsets cannot blow up memory.
/// </summary>
public static class AbiCodec
{
    private const int Word = 32;

    /// <summary>Encodes values as the tuple of <paramref name="types"/> (function arguments, return data).</summary>
    public static byte[] Encode(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values)
    {
        ArgumentNullException.ThrowIfNull(types);
        ArgumentNullException.ThrowIfNull(values);
        if (types.Count != values.Count)
        {
            throw new AbiException($"Expected {types.Count} values, got {values.Count}.");
        }
        var buffer = new byte[SequenceSize(types, values)];
        WriteSequence(types, values, buffer);
        return buffer;
    }

    /// <summary>Encodes one value of one type (as a one-element tuple).</summary>
    public static byte[] Encode(AbiType type, object? value) => Encode([type], [value]);

    /// <summary>Decodes data laid out as the tuple of <paramref name="types"/>.</summary>
    public static object?[] Decode(IReadOnlyList<AbiType> types, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(types);
        var budget = new Budget(data.Length);
        return DecodeSequence(types, data, ref budget);
    }

    // ---------------------------------------------------------------- encoding

    private static IList AsList(object? value, AbiType type)
    {
        return value switch
        {
            IList list => list,
            System.Runtime.CompilerServices.ITuple tuple => Enumerable.Range(0, tuple.Length).Select(i => tuple[i]).ToArray(),
            _ => throw new AbiException($"A value of type {type.Name} must be a list, got {value?.GetType().Name ?? "null"}."),
        };
    }

    private static IReadOnlyList<object?> ToObjects(IList list)
    {
        var result = new object?[list.Count];
        for (var i = 0; i < list.Count; i++)
        {
            result[i] = list[i];
        }
        return result;
    }

    private static int Padded(int length) => checked((length + Word - 1) / Word * Word);

    private static int SequenceSize(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values)
    {
        var size = 0;
        for (var i = 0; i < types.Count; i++)
        {
            size = checked(size + types[i].HeadSize);
            if (types[i].IsDynamic)
            {
                size = checked(size + Size(types[i], values[i]));
            }
        }
        return size;
    }

    /// <summary>Full encoded size of a value (for dynamic types: the out-of-line part).</summary>
    private static int Size(AbiType type, object? value)
    {
        switch (type)
        {
            case AbiBytes:
                return Word + Padded(AsBytes(value, type).Length);
            case AbiString:
                return Word + Padded(Encoding.UTF8.GetByteCount(value as string ?? throw new AbiException("A string value must be a string.")));
            case AbiArray array:
            {
                var list = AsList(value, type);
                return checked(Word + SequenceSize(Repeat(array.Element, list.Count), ToObjects(list)));
            }
            case AbiFixedArray fixedArray:
            {
                var list = CheckedFixed(fixedArray, value);
                return SequenceSize(Repeat(fixedArray.Element, list.Count), ToObjects(list));
            }
            case AbiTuple tuple:
            {
                var list = AsList(value, type);
                if (list.Count != tuple.Components.Count)
                {
                    throw new AbiException($"Tuple {tuple.Name} needs {tuple.Components.Count} values, got {list.Count}.");
                }
                return SequenceSize(tuple.Components, ToObjects(list));
            }
            default:
                return Word;
        }
    }

    private static IList CheckedFixed(AbiFixedArray type, object? value)
    {
        var list = AsList(value, type);
        if (list.Count != type.Length)
        {
            throw new AbiException($"{type.Name} needs exactly {type.Length} elements, got {list.Count}.");
        }
        return list;
    }

    private static AbiType[] Repeat(AbiType type, int count)
    {
        var types = new AbiType[count];
        Array.Fill(types, type);
        return types;
    }

    private static int WriteSequence(IReadOnlyList<AbiType> types, IReadOnlyList<object?> values, Span<byte> dst)
    {
        var head = 0;
        var tail = 0;
        for (var i = 0; i < types.Count; i++)
        {
            tail += types[i].HeadSize;
        }
        for (var i = 0; i < types.Count; i++)
        {
            var type = types[i];
            if (type.IsDynamic)
            {
                WriteUInt(dst.Slice(head, Word), (ulong)tail);
                tail += WriteValue(type, values[i], dst[tail..]);
                head += Word;
            }
            else
            {
                head += WriteValue(type, values[i], dst[head..]);
            }
        }
        return tail;
    }

    private static int WriteValue(AbiType type, object? value, Span<byte> dst)
    {
        switch (type)
        {
            case AbiInteger integer:
                WriteInteger(integer, ToBigInteger(value, type), dst[..Word]);
                return Word;
            case AbiAddress:
                var address = value switch
                {
                    Address a => a,
                    string s => Address.Parse(s),
                    _ => throw new AbiException($"An address value must be an Address, got {value?.GetType().Name ?? "null"}."),
                };
                dst[..12].Clear();
                address.WriteTo(dst.Slice(12, 20));
                return Word;
            case AbiBool:
                dst[..Word].Clear();
                dst[Word - 1] = value is bool b ? (b ? (byte)1 : (byte)0) : throw new AbiException("A bool value must be a bool.");
                return Word;
            case AbiFixedBytes fixedBytes:
            {
                var bytes = AsBytes(value, type);
                if (bytes.Length != fixedBytes.Length)
                {
                    throw new AbiException($"{type.Name} needs exactly {fixedBytes.Length} bytes, got {bytes.Length}.");
                }
                dst[..Word].Clear();
                bytes.CopyTo(dst);
                return Word;
            }
            case AbiBytes:
                return WriteDynamicBytes(AsBytes(value, type), dst);
            case AbiString:
                return WriteDynamicBytes(Encoding.UTF8.GetBytes((string)value!), dst);
            case AbiArray array:
            {
                var list = AsList(value, type);
                WriteUInt(dst[..Word], (ulong)list.Count);
                return Word + WriteSequence(Repeat(array.Element, list.Count), ToObjects(list), dst[Word..]);
            }
            case AbiFixedArray fixedArray:
            {
                var list = CheckedFixed(fixedArray, value);
                return WriteSequence(Repeat(fixedArray.Element, list.Count), ToObjects(list), dst);
            }
            case AbiTuple tuple:
                return WriteSequence(tuple.Components, ToObjects(AsList(value, type)), dst);
            default:
                throw new AbiException($"Cannot encode {type.Name}.");
        }
    }

    private static int WriteDynamicBytes(ReadOnlySpan<byte> bytes, Span<byte> dst)
    {
        WriteUInt(dst[..Word], (ulong)bytes.Length);
        var padded = Padded(bytes.Length);
        dst.Slice(Word, padded).Clear();
        bytes.CopyTo(dst[Word..]);
        return Word + padded;
    }

    private static byte[] AsBytes(object? value, AbiType type) => value switch
    {
        byte[] b => b,
        ReadOnlyMemory<byte> m => m.ToArray(),
        Memory<byte> m => m.ToArray(),
        string s when s.StartsWith("0x", StringComparison.OrdinalIgnoreCase) => Hex.Decode(s),
        _ => throw new AbiException($"A {type.Name} value must be a byte array, got {value?.GetType().Name ?? "null"}."),
    };

    private static BigInteger ToBigInteger(object? value, AbiType type) => value switch
    {
        BigInteger b => b,
        int i => i,
        long l => l,
        uint u => u,
        ulong ul => ul,
        short s => s,
        ushort us => us,
        byte by => by,
        sbyte sb => sb,
        UInt128 u128 => (BigInteger)u128,
        Int128 i128 => (BigInteger)i128,
        _ => throw new AbiException($"A {type.Name} value must be an integer, got {value?.GetType().Name ?? "null"}."),
    };

    private static void WriteInteger(AbiInteger type, BigInteger value, Span<byte> dst)
    {
        var min = type.Signed ? -(BigInteger.One << (type.Bits - 1)) : BigInteger.Zero;
        var max = type.Signed ? (BigInteger.One << (type.Bits - 1)) - 1 : (BigInteger.One << type.Bits) - 1;
        if (value < min || value > max)
        {
            throw new AbiException($"Value {value} does not fit {type.Name}.");
        }
        var twos = value.Sign < 0 ? (BigInteger.One << 256) + value : value;
        dst.Clear();
        var bytes = twos.ToByteArray(isUnsigned: true, isBigEndian: true);
        bytes.CopyTo(dst[(Word - bytes.Length)..]);
    }

    private static void WriteUInt(Span<byte> dst, ulong value)
    {
        dst[..24].Clear();
        BinaryPrimitives.WriteUInt64BigEndian(dst[24..], value);
    }

    // ---------------------------------------------------------------- decoding

    /// <summary>Counts the bytes a decode touches; legitimate data touches each byte about once.</summary>
    private struct Budget(int inputLength)
    {
        private long _left = (4L * inputLength) + 4096;

        public void Spend(long bytes)
        {
            _left -= bytes;
            if (_left < 0)
            {
                throw new AbiException("ABI data expands far beyond its size (overlapping offsets?).");
            }
        }
    }

    private static object?[] DecodeSequence(IReadOnlyList<AbiType> types, ReadOnlySpan<byte> data, ref Budget budget)
    {
        var values = new object?[types.Count];
        var head = 0;
        for (var i = 0; i < types.Count; i++)
        {
            var type = types[i];
            if (type.IsDynamic)
            {
                var offset = ReadLength(data, head, "offset");
                budget.Spend(Word);
                values[i] = DecodeDynamic(type, data[offset..], ref budget);
                head += Word;
            }
            else
            {
                values[i] = DecodeStatic(type, data, head, ref budget);
                head += type.StaticSize;
            }
        }
        return values;
    }

    private static ReadOnlySpan<byte> ReadWord(ReadOnlySpan<byte> data, int position)
    {
        if (position < 0 || position > data.Length - Word)
        {
            throw new AbiException($"ABI data ends before the word at byte {position} (length {data.Length}).");
        }
        return data.Slice(position, Word);
    }

    /// <summary>Reads an offset or length word, which must be small and point inside the data.</summary>
    private static int ReadLength(ReadOnlySpan<byte> data, int position, string what)
    {
        var word = ReadWord(data, position);
        if (word[..28].ContainsAnyExcept((byte)0) || (word[28] & 0x80) != 0)
        {
            throw new AbiException($"ABI {what} at byte {position} is out of range.");
        }
        var value = BinaryPrimitives.ReadInt32BigEndian(word[28..]);
        if (what == "offset" && value > data.Length)
        {
            throw new AbiException($"ABI offset {value} at byte {position} points past the end ({data.Length}).");
        }
        return value;
    }

    private static object? DecodeStatic(AbiType type, ReadOnlySpan<byte> data, int position, ref Budget budget)
    {
        switch (type)
        {
            case AbiFixedArray fixedArray:
                return DecodeSequence(Repeat(fixedArray.Element, fixedArray.Length), ReadSpan(data, position, fixedArray.StaticSize), ref budget);
            case AbiTuple tuple:
                return DecodeSequence(tuple.Components, ReadSpan(data, position, tuple.StaticSize), ref budget);
        }
        budget.Spend(Word);
        var word = ReadWord(data, position);
        switch (type)
        {
            case AbiInteger integer:
                return DecodeInteger(integer, word);
            case AbiAddress:
                if (word[..12].ContainsAnyExcept((byte)0))
                {
                    throw new AbiException("ABI address has non-zero high bytes.");
                }
                return new Address(word[12..]);
            case AbiBool:
                if (word[..31].ContainsAnyExcept((byte)0) || word[31] > 1)
                {
                    throw new AbiException("ABI bool is neither 0 nor 1.");
                }
                return word[31] == 1;
            case AbiFixedBytes fixedBytes:
                if (word[fixedBytes.Length..].ContainsAnyExcept((byte)0))
                {
                    throw new AbiException($"ABI {type.Name} has non-zero padding.");
                }
                return word[..fixedBytes.Length].ToArray();
            default:
                throw new AbiException($"Cannot decode {type.Name}.");
        }
    }

    private static ReadOnlySpan<byte> ReadSpan(ReadOnlySpan<byte> data, int position, int length)
    {
        if (position < 0 || length < 0 || position > data.Length - length)
        {
            throw new AbiException($"ABI data ends before {length} bytes at byte {position}.");
        }
        return data.Slice(position, length);
    }

    private static BigInteger DecodeInteger(AbiInteger type, ReadOnlySpan<byte> word)
    {
        var unsigned = new BigInteger(word, isUnsigned: true, isBigEndian: true);
        if (!type.Signed)
        {
            if (type.Bits < 256 && unsigned >> type.Bits != 0)
            {
                throw new AbiException($"ABI value does not fit {type.Name}.");
            }
            return unsigned;
        }
        var signedValue = new BigInteger(word, isUnsigned: false, isBigEndian: true);
        var min = -(BigInteger.One << (type.Bits - 1));
        var max = (BigInteger.One << (type.Bits - 1)) - 1;
        if (signedValue < min || signedValue > max)
        {
            throw new AbiException($"ABI value does not fit {type.Name} (bad sign extension).");
        }
        return signedValue;
    }

    private static object? DecodeDynamic(AbiType type, ReadOnlySpan<byte> data, ref Budget budget)
    {
        switch (type)
        {
            case AbiBytes:
            case AbiString:
            {
                var length = ReadLength(data, 0, "length");
                var bytes = ReadSpan(data, Word, length);
                budget.Spend(Word + length);
                return type is AbiBytes ? bytes.ToArray() : Encoding.UTF8.GetString(bytes);
            }
            case AbiArray array:
            {
                var count = ReadLength(data, 0, "array length");
                budget.Spend(Word);
                var body = data[Word..];
                if ((long)count * array.Element.HeadSize > body.Length)
                {
                    throw new AbiException($"ABI array claims {count} elements but only {body.Length} bytes follow.");
                }
                return DecodeSequence(Repeat(array.Element, count), body, ref budget);
            }
            case AbiFixedArray fixedArray:
                return DecodeSequence(Repeat(fixedArray.Element, fixedArray.Length), data, ref budget);
            case AbiTuple tuple:
                return DecodeSequence(tuple.Components, data, ref budget);
            default:
                throw new AbiException($"Cannot decode {type.Name}.");
        }
    }
}
