using System.Buffers;
using System.Text;
using Intelligence.State.Resp;

namespace Intelligence.State.Tests;

public class RespReaderTests
{
    private static RespValue ReadOne(string wire)
    {
        var reader = new RespReader(Encoding.UTF8.GetBytes(wire));
        Assert.True(reader.TryRead(out var value));
        Assert.True(reader.End);
        return value;
    }

    private static RespValue Bulk(string s) => RespValue.FromBytes(RespType.BulkString, Encoding.UTF8.GetBytes(s));

    [Fact]
    public void TryRead_Resp2Types_ParsesEach()
    {
        Assert.Equal("OK", ReadOne("+OK\r\n").AsString());
        Assert.Equal(RespType.Error, ReadOne("-ERR bad\r\n").Type);
        Assert.Equal(-42, ReadOne(":-42\r\n").AsInt64());
        Assert.Equal("héllo", ReadOne("$6\r\nhéllo\r\n").AsString());
        Assert.Equal(string.Empty, ReadOne("$0\r\n\r\n").AsString());
        Assert.True(ReadOne("$-1\r\n").IsNull);
        Assert.True(ReadOne("*-1\r\n").IsNull);
        var array = ReadOne("*3\r\n:1\r\n$1\r\na\r\n*0\r\n");
        Assert.Equal(RespType.Array, array.Type);
        Assert.Equal([RespValue.FromInteger(1), Bulk("a"), RespValue.FromItems(RespType.Array, [])], array.Items!);
    }

    [Fact]
    public void TryRead_Resp3Types_ParsesEach()
    {
        Assert.True(ReadOne("_\r\n").IsNull);
        Assert.Equal(1.5, ReadOne(",1.5\r\n").AsDouble());
        Assert.Equal(double.PositiveInfinity, ReadOne(",inf\r\n").AsDouble());
        Assert.Equal(double.NegativeInfinity, ReadOne(",-inf\r\n").AsDouble());
        Assert.True(double.IsNaN(ReadOne(",nan\r\n").AsDouble()));
        Assert.Equal(1e-3, ReadOne(",1e-3\r\n").AsDouble());
        Assert.True(ReadOne("#t\r\n").AsBoolean());
        Assert.False(ReadOne("#f\r\n").AsBoolean());
        Assert.Equal("3492890328409238509324850943850943825024385", ReadOne("(3492890328409238509324850943850943825024385\r\n").AsString());
        Assert.Equal(RespType.Error, ReadOne("!9\r\nSYNTAX xy\r\n").Type);
        var verbatim = ReadOne("=15\r\ntxt:Some string\r\n");
        Assert.Equal(RespType.VerbatimString, verbatim.Type);
        Assert.Equal("Some string", verbatim.AsString());
        var map = ReadOne("%2\r\n+first\r\n:1\r\n+second\r\n:2\r\n");
        Assert.Equal(RespType.Map, map.Type);
        Assert.Equal(4, map.Items!.Length);
        Assert.Equal(RespType.Set, ReadOne("~2\r\n+a\r\n+b\r\n").Type);
        Assert.Equal(RespType.Push, ReadOne(">3\r\n+message\r\n+ch\r\n+hi\r\n").Type);
    }

    [Fact]
    public void TryRead_Attribute_IsSkippedAndFollowingValueReturned()
    {
        var value = ReadOne("|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.19\r\n*2\r\n:2039123\r\n:9543892\r\n");
        Assert.Equal(RespType.Array, value.Type);
        Assert.Equal(2039123, value.Items![0].AsInt64());
    }

    [Fact]
    public void TryRead_EveryStrictPrefix_ReturnsFalseWithoutConsuming()
    {
        var wire = Encoding.UTF8.GetBytes("*4\r\n$5\r\nhello\r\n%1\r\n+k\r\n,2.5\r\n~1\r\n#t\r\n=7\r\ntxt:abc\r\n");
        for (var cut = 0; cut < wire.Length; cut++)
        {
            var reader = new RespReader(wire.AsMemory(0, cut));
            Assert.False(reader.TryRead(out _), $"prefix of {cut} bytes parsed");
            Assert.Equal(0, reader.Consumed);
        }
    }

    [Fact]
    public void TryRead_SplitAcrossSegments_SameValue()
    {
        var wire = Encoding.UTF8.GetBytes("*2\r\n$11\r\nhello world\r\n:123456789\r\n");
        var whole = ReadOne(Encoding.UTF8.GetString(wire));
        for (var cut = 1; cut < wire.Length; cut++)
        {
            var reader = new RespReader(Segments.Split(wire, cut));
            Assert.True(reader.TryRead(out var value));
            Assert.Equal(whole, value);
        }
    }

    [Fact]
    public void TryRead_SeveralValues_ReadsInOrder()
    {
        var reader = new RespReader(Encoding.UTF8.GetBytes(":1\r\n:2\r\n+three\r\n:4"));
        Assert.True(reader.TryRead(out var a));
        Assert.True(reader.TryRead(out var b));
        Assert.True(reader.TryRead(out var c));
        Assert.False(reader.TryRead(out _));
        Assert.Equal((1L, 2L, "three"), (a.AsInt64(), b.AsInt64(), c.AsString()));
    }

    [Theory]
    [InlineData("?\r\n")]
    [InlineData(":12x\r\n")]
    [InlineData(":\r\n")]
    [InlineData(":99999999999999999999\r\n")]
    [InlineData("$2\r\nabcd\r\n")]
    [InlineData("$-2\r\n")]
    [InlineData("*-5\r\n")]
    [InlineData("%-1\r\n")]
    [InlineData("#x\r\n")]
    [InlineData(",abc\r\n")]
    [InlineData("_x\r\n")]
    [InlineData("=2\r\nab\r\n")]
    [InlineData("(12a\r\n")]
    [InlineData("+a\rb\r\n")]
    [InlineData("$?\r\n")]
    [InlineData("$600000000\r\n")]
    public void TryRead_Malformed_ThrowsTypedError(string wire)
    {
        var bytes = Encoding.UTF8.GetBytes(wire);
        Assert.Throws<RespProtocolException>(() =>
        {
            var reader = new RespReader(bytes);
            reader.TryRead(out _);
        });
    }

    [Fact]
    public void TryRead_NumberLineWithoutTerminator_ThrowsInsteadOfWaitingForever()
    {
        var bytes = Encoding.ASCII.GetBytes(":" + new string('1', 600));
        Assert.Throws<RespProtocolException>(() =>
        {
            var reader = new RespReader(bytes);
            reader.TryRead(out _);
        });
    }

    [Fact]
    public void TryRead_HugeAggregateCount_WaitsWithoutAllocating()
    {
        // 60 million elements claimed but 4 bytes present: incomplete, not an OutOfMemory.
        var reader = new RespReader(Encoding.ASCII.GetBytes("*60000000\r\n:1\r\n"));
        Assert.False(reader.TryRead(out _));
    }

    [Fact]
    public void TryRead_NestingBeyondLimit_ThrowsTypedError()
    {
        var wire = string.Concat(Enumerable.Repeat("*1\r\n", RespReader.MaxDepth + 2)) + ":1\r\n";
        var bytes = Encoding.ASCII.GetBytes(wire);
        Assert.Throws<RespProtocolException>(() =>
        {
            var reader = new RespReader(bytes);
            reader.TryRead(out _);
        });
    }

    [Fact]
    public void WriteCommand_MixedArguments_EncodesBulkStrings()
    {
        var buffer = new ArrayBufferWriter<byte>();
        RespWriter.WriteCommand(buffer, ["SET", "k€", 42, 1.5, new byte[] { 0, 255 }, -7L, double.NegativeInfinity]);
        byte[] expected =
        [
            .. "*7\r\n$3\r\nSET\r\n$4\r\n"u8, .. Encoding.UTF8.GetBytes("k€"), .. "\r\n$2\r\n42\r\n$3\r\n1.5\r\n$2\r\n"u8,
            0, 255, .. "\r\n$2\r\n-7\r\n$4\r\n-inf\r\n"u8,
        ];
        Assert.Equal(expected, buffer.WrittenSpan.ToArray());
        Assert.Equal(buffer.WrittenCount, RespWriter.CommandLength(["SET", "k€", 42, 1.5, new byte[] { 0, 255 }, -7L, double.NegativeInfinity]));
    }

    [Fact]
    public void WriteValue_ThenRead_RoundTripsRandomTrees()
    {
        var random = new Random(7);
        for (var i = 0; i < 2000; i++)
        {
            var value = RespGen.Value(random, 0);
            var buffer = new ArrayBufferWriter<byte>();
            RespWriter.WriteValue(buffer, value);
            var reader = new RespReader(buffer.WrittenMemory);
            Assert.True(reader.TryRead(out var back));
            Assert.True(reader.End);
            Assert.Equal(value, back);
        }
    }
}

/// <summary>Random RESP3 values for round-trip and fuzz tests.</summary>
internal static class RespGen
{
    public static RespValue Value(Random random, int depth)
    {
        var kind = random.Next(depth > 3 ? 9 : 13);
        return kind switch
        {
            0 => RespValue.FromBytes(RespType.SimpleString, Text(random, lineSafe: true)),
            1 => RespValue.FromBytes(RespType.Error, Text(random, lineSafe: random.Next(2) == 0)),
            2 => RespValue.FromInteger(random.NextInt64(long.MinValue, long.MaxValue)),
            3 => RespValue.FromBytes(RespType.BulkString, Text(random, lineSafe: false)),
            4 => RespValue.Null,
            5 => RespValue.FromDouble(random.Next(5) == 0 ? double.PositiveInfinity : (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(-300, 300))),
            6 => RespValue.FromBoolean(random.Next(2) == 0),
            7 => RespValue.FromBytes(RespType.BigNumber, Encoding.ASCII.GetBytes((random.Next(2) == 0 ? "-" : string.Empty) + random.NextInt64(0, long.MaxValue) + random.NextInt64(0, long.MaxValue))),
            8 => RespValue.FromBytes(RespType.VerbatimString, Text(random, lineSafe: false)),
            _ => RespValue.FromItems(
                kind switch { 9 => RespType.Array, 10 => RespType.Map, 11 => RespType.Set, _ => RespType.Push },
                Enumerable.Range(0, random.Next(5) * (kind == 10 ? 2 : 1)).Select(_ => Value(random, depth + 1)).ToArray()),
        };
    }

    private static byte[] Text(Random random, bool lineSafe)
    {
        var bytes = new byte[random.Next(12)];
        random.NextBytes(bytes);
        if (lineSafe)
        {
            for (var i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] is (byte)'\r' or (byte)'\n')
                {
                    bytes[i] = (byte)'x';
                }
            }
        }

        return bytes;
    }
}

/// <summary>Builds multi-segment sequences to exercise segment boundaries.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Split(byte[] data, int cut)
    {
        var first = new Segments(data.AsMemory(0, cut), 0);
        var second = new Segments(data.AsMemory(cut), cut);
        first.Next = second;
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }
}
