using System.Buffers;

namespace Intelligence.State.Resp;

/// <summary>
/// Reads RESP2/RESP3 values from a buffer. <see cref="TryRead"/> returns false (consuming nothing)
/// when more bytes are needed and throws <see cref="RespProtocolException"/> only for malformed input.
/// </summary>
public ref struct RespReader
{
    /// <summary>Largest bulk string accepted, as Redis' default proto-max-bulk-len (512 MiB).</summary>
    public const long MaxBulkLength = 512L * 1024 * 1024;

    /// <summary>Largest element count accepted for one aggregate.</summary>
    public const long MaxAggregateLength = 1L << 26;

    /// <summary>Deepest nesting of aggregates accepted (protects the stack against hostile input).</summary>
    public const int MaxDepth = 64;

    /// <summary>Longest simple line (simple string, error, number) accepted before its CR LF.</summary>
    public const int MaxLineLength = 1024 * 1024;

    // The smallest complete RESP value is three bytes ("_\r\n"); used to refuse absurd counts early.
    private const int MinValueLength = 3;

    private SequenceReader<byte> _reader;

    /// <summary>Starts reading at the beginning of <paramref name="buffer"/>.</summary>
    public RespReader(ReadOnlySequence<byte> buffer) => _reader = new SequenceReader<byte>(buffer);

    /// <summary>Starts reading at the beginning of <paramref name="buffer"/>.</summary>
    public RespReader(ReadOnlyMemory<byte> buffer) : this(new ReadOnlySequence<byte>(buffer))
    {
    }

    /// <summary>Position just after the last complete value read.</summary>
    public readonly SequencePosition Position => _reader.Position;

    /// <summary>Bytes consumed by complete values so far.</summary>
    public readonly long Consumed => _reader.Consumed;

    /// <summary>True when every byte of the buffer has been consumed.</summary>
    public readonly bool End => _reader.End;

    /// <summary>Reads one complete value; false (position unchanged) when the buffer ends first.</summary>
    /// <exception cref="RespProtocolException">The bytes are not valid RESP.</exception>
    public bool TryRead(out RespValue value)
    {
        var snapshot = _reader;
        if (TryReadValue(0, out value))
        {
            return true;
        }

        _reader = snapshot;
        value = default;
        return false;
    }

    private bool TryReadValue(int depth, out RespValue value)
    {
        value = default;
        if (depth > MaxDepth)
        {
            throw new RespProtocolException($"aggregates nested deeper than {MaxDepth}");
        }

        while (true)
        {
            if (!_reader.TryRead(out var type))
            {
                return false;
            }

            switch (type)
            {
                case RespFormat.SimpleString:
                case RespFormat.SimpleError:
                case RespFormat.BigNumber:
                    {
                        if (!TryReadLine(MaxLineLength, out var line))
                        {
                            return false;
                        }

                        var kind = type switch
                        {
                            RespFormat.SimpleString => RespType.SimpleString,
                            RespFormat.SimpleError => RespType.Error,
                            _ => RespType.BigNumber,
                        };
                        if (kind == RespType.BigNumber && !IsBigNumber(line))
                        {
                            throw new RespProtocolException("big number is not a decimal integer");
                        }

                        value = RespValue.FromBytes(kind, line.ToArray());
                        return true;
                    }

                case RespFormat.Integer:
                    {
                        if (!TryReadNumberLine(out var line))
                        {
                            return false;
                        }

                        if (!RespFormat.TryParseInt64(line, out var n))
                        {
                            throw new RespProtocolException("integer reply is not a 64-bit decimal");
                        }

                        value = RespValue.FromInteger(n);
                        return true;
                    }

                case RespFormat.Double:
                    {
                        if (!TryReadNumberLine(out var line))
                        {
                            return false;
                        }

                        if (!RespFormat.TryParseDouble(line, out var d))
                        {
                            throw new RespProtocolException("double reply is not a number");
                        }

                        value = RespValue.FromDouble(d);
                        return true;
                    }

                case RespFormat.Boolean:
                    {
                        if (!TryReadNumberLine(out var line))
                        {
                            return false;
                        }

                        value = line.Length == 1 && line[0] == (byte)'t' ? RespValue.FromBoolean(true)
                            : line.Length == 1 && line[0] == (byte)'f' ? RespValue.FromBoolean(false)
                            : throw new RespProtocolException("boolean reply is neither t nor f");
                        return true;
                    }

                case RespFormat.Null:
                    {
                        if (!TryReadNumberLine(out var line))
                        {
                            return false;
                        }

                        if (line.Length != 0)
                        {
                            throw new RespProtocolException("null reply carries data");
                        }

                        value = RespValue.Null;
                        return true;
                    }

                case RespFormat.BulkString:
                case RespFormat.BulkError:
                case RespFormat.VerbatimString:
                    return TryReadBulk(type, out value);

                case RespFormat.Array:
                case RespFormat.Set:
                case RespFormat.Push:
                case RespFormat.Map:
                    return TryReadAggregate(type, depth, out value);

                case RespFormat.Attribute:
                    // Attributes describe the value that follows; they are read and dropped.
                    if (!TryReadAggregate(RespFormat.Map, depth, out _))
                    {
                        return false;
                    }

                    continue;

                default:
                    throw new RespProtocolException($"unknown RESP type byte 0x{type:x2}");
            }
        }
    }

    private bool TryReadBulk(byte type, out RespValue value)
    {
        value = default;
        if (!TryReadLength(allowNull: type == RespFormat.BulkString, MaxBulkLength, out var length))
        {
            return false;
        }

        if (length < 0)
        {
            value = RespValue.Null;
            return true;
        }

        if (_reader.Remaining < length + 2)
        {
            return false;
        }

        var bytes = new byte[length];
        _reader.TryCopyTo(bytes);
        _reader.Advance(length);
        if (!_reader.IsNext(RespFormat.Crlf, advancePast: true))
        {
            throw new RespProtocolException("bulk string not terminated by CR LF");
        }

        switch (type)
        {
            case RespFormat.BulkError:
                value = RespValue.FromBytes(RespType.Error, bytes);
                break;
            case RespFormat.VerbatimString:
                if (bytes.Length < RespFormat.VerbatimPrefixLength || bytes[RespFormat.VerbatimPrefixLength - 1] != (byte)':')
                {
                    throw new RespProtocolException("verbatim string lacks its format prefix");
                }

                value = RespValue.FromBytes(RespType.VerbatimString, bytes[RespFormat.VerbatimPrefixLength..]);
                break;
            default:
                value = RespValue.FromBytes(RespType.BulkString, bytes);
                break;
        }

        return true;
    }

    private bool TryReadAggregate(byte type, int depth, out RespValue value)
    {
        value = default;
        if (!TryReadLength(allowNull: type == RespFormat.Array, MaxAggregateLength, out var count))
        {
            return false;
        }

        if (count < 0)
        {
            value = RespValue.Null;
            return true;
        }

        if (type == RespFormat.Map)
        {
            count *= 2;
        }

        // Do not allocate for elements whose bytes cannot be in the buffer yet.
        if (_reader.Remaining < count * MinValueLength)
        {
            return false;
        }

        var items = count == 0 ? [] : new RespValue[count];
        for (var i = 0; i < items.Length; i++)
        {
            if (!TryReadValue(depth + 1, out items[i]))
            {
                return false;
            }
        }

        var kind = type switch
        {
            RespFormat.Array => RespType.Array,
            RespFormat.Set => RespType.Set,
            RespFormat.Push => RespType.Push,
            _ => RespType.Map,
        };
        value = RespValue.FromItems(kind, items);
        return true;
    }

    private bool TryReadLength(bool allowNull, long max, out long length)
    {
        length = 0;
        if (!TryReadNumberLine(out var line))
        {
            return false;
        }

        if (!RespFormat.TryParseInt64(line, out length))
        {
            throw new RespProtocolException(line.Length > 0 && line[0] == (byte)'?'
                ? "streamed RESP3 aggregates are not supported"
                : "length is not a decimal integer");
        }

        if (length == -1 && allowNull)
        {
            return true;
        }

        if (length < 0 || length > max)
        {
            throw new RespProtocolException($"length {length} out of range");
        }

        return true;
    }

    // Numbers and lengths fit in a short line; a long run without CR LF is malformed, not incomplete.
    private bool TryReadNumberLine(out ReadOnlySpan<byte> line)
    {
        const int maxNumberLine = 512;
        if (!TryReadLine(maxNumberLine, out var sequence))
        {
            line = default;
            return false;
        }

        line = sequence.IsSingleSegment ? sequence.FirstSpan : sequence.ToArray();
        return true;
    }

    private bool TryReadLine(int maxLength, out ReadOnlySequence<byte> line)
    {
        if (_reader.TryReadTo(out line, RespFormat.Crlf, advancePastDelimiter: true))
        {
            if (line.Length > maxLength)
            {
                throw new RespProtocolException("line too long");
            }

            if (line.PositionOf((byte)'\n') is not null || line.PositionOf((byte)'\r') is not null)
            {
                throw new RespProtocolException("stray CR or LF inside a line");
            }

            return true;
        }

        if (_reader.Remaining > maxLength + 1)
        {
            throw new RespProtocolException("line too long or not terminated by CR LF");
        }

        return false;
    }

    private static bool IsBigNumber(ReadOnlySequence<byte> line)
    {
        var span = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
        if (span.Length > 0 && (span[0] == (byte)'-' || span[0] == (byte)'+'))
        {
            span = span[1..];
        }

        if (span.Length == 0)
        {
            return false;
        }

        foreach (var b in span)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return true;
    }
}
