namespace Intelligence.Chain.Rlp;

/// <summary>
/// Recursive Length Prefix encoding (Ethereum Yellow Paper, appendix B). The encoder sizes the output
/// first and writes once into an exact buffer; the decoder is strict (canonical lengths only, no trailing
/// bytes, bounded nesting) and reports malformed input as <see cref="RlpException"/>.
/// </summary>
public static class RlpCodec
{
    /// <summary>Single bytes below this value encode as themselves.</summary>
    private const byte ShortStringOffset = 0x80;
    /// <summary>Prefix base for strings longer than 55 bytes (0xb7 + length of length).</summary>
    private const byte LongStringOffset = 0xb7;
    /// <summary>Prefix base for lists whose payload is at most 55 bytes.</summary>
    private const byte ShortListOffset = 0xc0;
    /// <summary>Prefix base for longer lists (0xf7 + length of length).</summary>
    private const byte LongListOffset = 0xf7;
    /// <summary>Longest payload that fits a one-byte prefix.</summary>
    private const int ShortLimit = 55;

    /// <summary>Maximum nesting depth the decoder accepts (transactions need 4).</summary>
    public const int MaxDepth = 64;

    /// <summary>Encodes an item.</summary>
    public static byte[] Encode(RlpItem item)
    {
        var buffer = new byte[EncodedLength(item)];
        var written = Write(item, buffer);
        return written == buffer.Length ? buffer : throw new InvalidOperationException("RLP length mismatch.");
    }

    /// <summary>Encoded size of an item in bytes.</summary>
    public static int EncodedLength(RlpItem item)
    {
        switch (item)
        {
            case RlpString s:
                return s.Value.Length == 1 && s.Value[0] < ShortStringOffset ? 1 : PrefixLength(s.Value.Length) + s.Value.Length;
            case RlpList l:
                var payload = PayloadLength(l);
                return PrefixLength(payload) + payload;
            default:
                throw new ArgumentException("Unknown RLP item.", nameof(item));
        }
    }

    private static int PayloadLength(RlpList list)
    {
        var total = 0;
        foreach (var child in list.Items)
        {
            total = checked(total + EncodedLength(child));
        }
        return total;
    }

    private static int PrefixLength(int payload) => payload <= ShortLimit ? 1 : 1 + ByteCount(payload);

    private static int ByteCount(int value)
    {
        var n = 0;
        for (var v = (uint)value; v != 0; v >>= 8)
        {
            n++;
        }
        return n;
    }

    private static int WritePrefix(Span<byte> dst, int payload, byte shortOffset, byte longOffset)
    {
        if (payload <= ShortLimit)
        {
            dst[0] = (byte)(shortOffset + payload);
            return 1;
        }
        var n = ByteCount(payload);
        dst[0] = (byte)(longOffset + n);
        for (var i = 0; i < n; i++)
        {
            dst[n - i] = (byte)(payload >> (8 * i));
        }
        return 1 + n;
    }

    private static int Write(RlpItem item, Span<byte> dst)
    {
        if (item is RlpString s)
        {
            if (s.Value.Length == 1 && s.Value[0] < ShortStringOffset)
            {
                dst[0] = s.Value[0];
                return 1;
            }
            var p = WritePrefix(dst, s.Value.Length, ShortStringOffset, LongStringOffset);
            s.Value.CopyTo(dst[p..]);
            return p + s.Value.Length;
        }
        var list = (RlpList)item;
        var offset = WritePrefix(dst, PayloadLength(list), ShortListOffset, LongListOffset);
        foreach (var child in list.Items)
        {
            offset += Write(child, dst[offset..]);
        }
        return offset;
    }

    /// <summary>Decodes exactly one item that spans the whole input.</summary>
    public static RlpItem Decode(ReadOnlySpan<byte> input)
    {
        var reader = new RlpReader(input);
        var item = reader.ReadItem(0);
        if (!reader.End)
        {
            throw new RlpException($"{reader.Remaining} trailing bytes after the RLP item.");
        }
        return item;
    }

    /// <summary>Decodes one item from the start of the input and reports how many bytes it used.</summary>
    public static RlpItem DecodeFirst(ReadOnlySpan<byte> input, out int consumed)
    {
        var reader = new RlpReader(input);
        var item = reader.ReadItem(0);
        consumed = input.Length - reader.Remaining;
        return item;
    }

    /// <summary>A forward-only reader over a complete buffer.</summary>
    private ref struct RlpReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _data = data;

        public readonly bool End => _data.IsEmpty;

        public readonly int Remaining => _data.Length;

        public RlpItem ReadItem(int depth)
        {
            if (depth > MaxDepth)
            {
                throw new RlpException($"RLP nesting deeper than {MaxDepth}.");
            }
            if (_data.IsEmpty)
            {
                throw new RlpException("Unexpected end of RLP input.");
            }
            var prefix = _data[0];
            if (prefix < ShortStringOffset)
            {
                _data = _data[1..];
                return new RlpString([prefix]);
            }
            if (prefix < ShortListOffset)
            {
                var payload = ReadPayload(prefix, ShortStringOffset, LongStringOffset);
                if (payload.Length == 1 && payload[0] < ShortStringOffset)
                {
                    throw new RlpException("Single byte below 0x80 must encode as itself (non-canonical).");
                }
                return new RlpString(payload.ToArray());
            }
            var body = ReadPayload(prefix, ShortListOffset, LongListOffset);
            var inner = new RlpReader(body);
            var items = new List<RlpItem>();
            while (!inner.End)
            {
                items.Add(inner.ReadItem(depth + 1));
            }
            return new RlpList(items);
        }

        private ReadOnlySpan<byte> ReadPayload(byte prefix, byte shortOffset, byte longOffset)
        {
            int length;
            int header;
            if (prefix <= longOffset)
            {
                length = prefix - shortOffset;
                header = 1;
            }
            else
            {
                var lengthOfLength = prefix - longOffset;
                if (lengthOfLength > 4)
                {
                    throw new RlpException($"RLP length of {lengthOfLength} bytes is larger than this decoder accepts.");
                }
                if (_data.Length < 1 + lengthOfLength)
                {
                    throw new RlpException("Unexpected end of RLP input inside a length.");
                }
                if (_data[1] == 0)
                {
                    throw new RlpException("RLP length has a leading zero byte (non-canonical).");
                }
                long value = 0;
                for (var i = 0; i < lengthOfLength; i++)
                {
                    value = (value << 8) | _data[1 + i];
                }
                if (value <= ShortLimit)
                {
                    throw new RlpException("RLP long form used for a payload of 55 bytes or less (non-canonical).");
                }
                if (value > int.MaxValue)
                {
                    throw new RlpException("RLP payload length is out of range.");
                }
                length = (int)value;
                header = 1 + lengthOfLength;
            }
            if (_data.Length - header < length)
            {
                throw new RlpException($"RLP payload needs {length} bytes but only {_data.Length - header} remain.");
            }
            var payload = _data.Slice(header, length);
            _data = _data[(header + length)..];
            return payload;
        }
    }
}
