using System.Buffers;

namespace Intelligence.State.Resp;

/// <summary>
/// Writes commands as RESP arrays of bulk strings (the only form a client sends), and, for fakes and
/// tests, any <see cref="RespValue"/> in RESP3 form. Lengths are computed first, then written once.
/// </summary>
public static class RespWriter
{
    // Longest double in "R" form is 24 bytes ("-1.7976931348623157E+308"); 32 leaves room.
    private const int DoubleScratch = 32;

    /// <summary>Encoded size of a command made of <paramref name="args"/>.</summary>
    public static int CommandLength(ReadOnlySpan<RedisArg> args)
    {
        Span<byte> scratch = stackalloc byte[DoubleScratch];
        var total = 1 + RespFormat.DigitCount(args.Length) + 2;
        foreach (var arg in args)
        {
            var n = arg.PayloadLength(scratch);
            total += 1 + RespFormat.DigitCount(n) + 2 + n + 2;
        }

        return total;
    }

    /// <summary>Writes <paramref name="args"/> (command name first) as one RESP array of bulk strings.</summary>
    public static void WriteCommand(IBufferWriter<byte> output, ReadOnlySpan<RedisArg> args)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (args.Length == 0)
        {
            throw new ArgumentException("a command needs at least its name", nameof(args));
        }

        var length = CommandLength(args);
        var span = output.GetSpan(length);
        var pos = WriteHeader(span, RespFormat.Array, args.Length);
        Span<byte> scratch = stackalloc byte[DoubleScratch];
        foreach (var arg in args)
        {
            pos += WriteHeader(span[pos..], RespFormat.BulkString, arg.PayloadLength(scratch));
            pos += arg.WritePayload(span[pos..]);
            RespFormat.Crlf.CopyTo(span[pos..]);
            pos += 2;
        }

        output.Advance(pos);
    }

    /// <summary>Writes <paramref name="value"/> in RESP3 form (RESP2 form when <paramref name="resp2"/> is set).</summary>
    public static void WriteValue(IBufferWriter<byte> output, RespValue value, bool resp2 = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        switch (value.Type)
        {
            case RespType.SimpleString:
                WriteLine(output, RespFormat.SimpleString, value.Bytes!);
                break;
            case RespType.Error when resp2 || !HasLineBreak(value.Bytes!):
                WriteLine(output, RespFormat.SimpleError, value.Bytes!);
                break;
            case RespType.Error:
                WriteBulk(output, RespFormat.BulkError, value.Bytes!);
                break;
            case RespType.Integer:
                WriteLine(output, RespFormat.Integer, System.Text.Encoding.ASCII.GetBytes(value.AsString()!));
                break;
            case RespType.BigNumber:
                WriteLine(output, resp2 ? RespFormat.SimpleString : RespFormat.BigNumber, value.Bytes!);
                break;
            case RespType.Double when resp2:
            case RespType.BulkString:
                WriteBulk(output, RespFormat.BulkString, value.Type == RespType.Double ? DoubleBytes(value.AsDouble()) : value.Bytes!);
                break;
            case RespType.Double:
                WriteLine(output, RespFormat.Double, DoubleBytes(value.AsDouble()));
                break;
            case RespType.Boolean:
                if (resp2)
                {
                    WriteLine(output, RespFormat.Integer, value.AsBoolean() ? "1"u8.ToArray() : "0"u8.ToArray());
                }
                else
                {
                    WriteLine(output, RespFormat.Boolean, value.AsBoolean() ? "t"u8.ToArray() : "f"u8.ToArray());
                }

                break;
            case RespType.VerbatimString:
                if (resp2)
                {
                    WriteBulk(output, RespFormat.BulkString, value.Bytes!);
                }
                else
                {
                    WriteBulk(output, RespFormat.VerbatimString, [.. "txt:"u8, .. value.Bytes!]);
                }

                break;
            case RespType.Null:
                WriteRaw(output, resp2 ? "$-1\r\n"u8 : "_\r\n"u8);
                break;
            default:
                var items = value.Items!;
                var type = resp2 ? RespFormat.Array : value.Type switch
                {
                    RespType.Map => RespFormat.Map,
                    RespType.Set => RespFormat.Set,
                    RespType.Push => RespFormat.Push,
                    _ => RespFormat.Array,
                };
                var count = type == RespFormat.Map ? items.Length / 2 : items.Length;
                var header = output.GetSpan(24);
                output.Advance(WriteHeader(header, type, count));
                foreach (var item in items)
                {
                    WriteValue(output, item, resp2);
                }

                break;
        }
    }

    private static bool HasLineBreak(ReadOnlySpan<byte> text) => text.IndexOfAny((byte)'\r', (byte)'\n') >= 0;

    private static byte[] DoubleBytes(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan"u8.ToArray();
        }

        Span<byte> scratch = stackalloc byte[DoubleScratch];
        return scratch[..RespFormat.FormatDouble(d, scratch)].ToArray();
    }

    private static void WriteLine(IBufferWriter<byte> output, byte type, ReadOnlySpan<byte> text)
    {
        var span = output.GetSpan(text.Length + 3);
        span[0] = type;
        text.CopyTo(span[1..]);
        RespFormat.Crlf.CopyTo(span[(1 + text.Length)..]);
        output.Advance(text.Length + 3);
    }

    private static void WriteBulk(IBufferWriter<byte> output, byte type, ReadOnlySpan<byte> payload)
    {
        var span = output.GetSpan(payload.Length + 24);
        var pos = WriteHeader(span, type, payload.Length);
        payload.CopyTo(span[pos..]);
        pos += payload.Length;
        RespFormat.Crlf.CopyTo(span[pos..]);
        output.Advance(pos + 2);
    }

    private static void WriteRaw(IBufferWriter<byte> output, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    private static int WriteHeader(Span<byte> span, byte type, long count)
    {
        span[0] = type;
        count.TryFormat(span[1..], out var n, default, System.Globalization.CultureInfo.InvariantCulture);
        RespFormat.Crlf.CopyTo(span[(1 + n)..]);
        return n + 3;
    }
}
