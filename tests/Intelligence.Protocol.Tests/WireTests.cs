using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Tests;

public sealed class WireTests
{
    // The FsCheck properties here draw a fresh seed each run; a failure's message starts "Falsifiable, after N tests
    // (k shrinks) (seed,gamma)". To rerun exactly that run, replace QuickCheckThrowOnFailure() with
    // Check.One(Config.QuickThrowOnFailure.WithReplay(FSharpOption<Replay>.Some(new Replay(new Rnd(seed, gamma), FSharpOption<int>.None))), property).
    [Fact]
    public void Frame_RoundTrip_AnySegmentation()
    {
        Prop.ForAll<byte[][], int>((messages, seed) =>
        {
            var writer = new ArrayBufferWriter<byte>();
            foreach (var m in messages)
            {
                GrpcFrame.Write(writer, compressed: false, m);
            }

            var buffer = Segmented.Split(writer.WrittenSpan.ToArray(), new Random(seed));
            var read = new List<byte[]>();
            while (GrpcFrame.TryRead(ref buffer, int.MaxValue, out var compressed, out var payload))
            {
                Assert.False(compressed);
                read.Add(payload.ToArray());
            }

            return buffer.IsEmpty && read.Count == messages.Length && read.Zip(messages).All(p => p.First.AsSpan().SequenceEqual(p.Second));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Frame_Partial_NeedsMoreAndLeavesBuffer()
    {
        var writer = new ArrayBufferWriter<byte>();
        GrpcFrame.Write(writer, compressed: true, [1, 2, 3]);
        var bytes = writer.WrittenSpan.ToArray();
        for (var n = 0; n < bytes.Length; n++)
        {
            var buffer = new ReadOnlySequence<byte>(bytes, 0, n);
            Assert.False(GrpcFrame.TryRead(ref buffer, 100, out _, out _));
            Assert.Equal(n, buffer.Length);
        }

        var full = new ReadOnlySequence<byte>(bytes);
        Assert.True(GrpcFrame.TryRead(ref full, 100, out var c, out var payload));
        Assert.True(c);
        Assert.Equal(new byte[] { 1, 2, 3 }, payload.ToArray());
    }

    [Fact]
    public void Frame_HeaderBytes_MatchSpec()
    {
        // Compressed-Flag 1, then length 0x0102 big-endian.
        var header = new byte[5];
        GrpcFrame.WriteHeader(header, compressed: true, 0x0102);
        Assert.Equal(new byte[] { 1, 0, 0, 1, 2 }, header);
    }

    [Fact]
    public void Frame_TooLong_ResourceExhausted()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 0, 0, 0, 1, 0 });
        var e = Assert.Throws<GrpcException>(() => GrpcFrame.TryRead(ref buffer, 255, out _, out _));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, e.Status.Code);
    }

    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("7u", 70L)]
    [InlineData("1500n", 15L)]
    [InlineData("99999999S", 999_999_990_000_000L)]
    public void Timeout_Parse_Units(string value, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(value, out var t));
        Assert.Equal(ticks, t.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("1")]
    [InlineData("123456789S")]
    [InlineData("1s")]
    [InlineData("-1S")]
    [InlineData("1 S")]
    [InlineData("1.5S")]
    public void Timeout_Parse_RejectsInvalid(string value) => Assert.False(GrpcTimeout.TryParse(value, out _));

    [Fact]
    public void Timeout_Format_ParsesBackNoShorterAndClose()
    {
        Prop.ForAll(Gen.Choose(1, int.MaxValue).SelectMany(a => Gen.Choose(1, 100_000).Select(b => (long)a * b)).ToArbitrary(), ticks =>
        {
            var t = TimeSpan.FromTicks(ticks);
            var text = GrpcTimeout.Format(t);
            return text.Length <= 9 && GrpcTimeout.TryParse(text, out var back) && back >= t && back - t <= TimeSpan.FromTicks(Math.Max(ticks / 100_000, 10));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void PercentEncoding_RoundTrip_AndOnlyAllowedBytes()
    {
        Prop.ForAll<string>(s =>
        {
            var text = s is null ? string.Empty : new string(s.Where(c => !char.IsSurrogate(c)).ToArray());
            var encoded = PercentEncoding.Encode(text);
            return encoded.All(c => c is >= ' ' and <= '~') && PercentEncoding.Decode(encoded) == text;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void PercentEncoding_Vectors()
    {
        Assert.Equal("not ready %25 %C3%BC", PercentEncoding.Encode("not ready % ü"));
        Assert.Equal("a\nb", PercentEncoding.Decode("a%0Ab"));
        // Broken escapes are kept, never an error.
        Assert.Equal("%G1 %4 %", PercentEncoding.Decode("%G1 %4 %"));
    }

    [Fact]
    public void Gzip_RoundTrip_AndLimit()
    {
        var message = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("intelligence ", 1000)));
        var compressed = MessageCompression.Compress(message);
        Assert.True(compressed.Length < message.Length / 10);
        Assert.Equal(message, MessageCompression.Decode(new ReadOnlySequence<byte>(compressed), true, GrpcHeaders.Gzip, message.Length));
        var e = Assert.Throws<GrpcException>(() => MessageCompression.Decode(new ReadOnlySequence<byte>(compressed), true, GrpcHeaders.Gzip, message.Length - 1));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, e.Status.Code);
        var corrupt = Assert.Throws<GrpcException>(() => MessageCompression.Decode(new ReadOnlySequence<byte>(new byte[] { 1, 2, 3, 4 }), true, GrpcHeaders.Gzip, 100));
        Assert.Equal(GrpcStatusCode.Internal, corrupt.Status.Code);
    }

    [Fact]
    public void ContentType_Recognition()
    {
        Assert.True(GrpcHeaders.IsGrpcContentType("application/grpc"));
        Assert.True(GrpcHeaders.IsGrpcContentType("application/grpc+proto"));
        Assert.True(GrpcHeaders.IsGrpcContentType("application/grpc; charset=utf-8"));
        Assert.False(GrpcHeaders.IsGrpcContentType("application/grpcx"));
        Assert.False(GrpcHeaders.IsGrpcContentType("application/json"));
        Assert.False(GrpcHeaders.IsGrpcContentType(null));
    }

    [Fact]
    public void BinaryMetadata_PaddedAndUnpadded()
    {
        byte[] value = [1, 2, 3, 4];
        var unpadded = GrpcMetadata.EncodeBinary(value);
        Assert.DoesNotContain('=', unpadded);
        Assert.True(GrpcMetadata.TryDecodeBinary(unpadded, out var a));
        Assert.True(GrpcMetadata.TryDecodeBinary(Convert.ToBase64String(value), out var b));
        Assert.Equal(value, a);
        Assert.Equal(value, b);
        Assert.False(GrpcMetadata.TryDecodeBinary("!!", out _));
    }
}

/// <summary>Builds a multi-segment <see cref="ReadOnlySequence{T}"/> from one array, split at random points.</summary>
internal sealed class Segmented : ReadOnlySequenceSegment<byte>
{
    private Segmented(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    public static ReadOnlySequence<byte> Split(byte[] bytes, Random random)
    {
        if (bytes.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var cuts = Enumerable.Range(0, random.Next(0, 6)).Select(_ => random.Next(0, bytes.Length)).Append(0).Append(bytes.Length).Distinct().Order().ToArray();
        Segmented? first = null;
        Segmented? last = null;
        for (var i = 0; i + 1 < cuts.Length; i++)
        {
            var segment = new Segmented(bytes.AsMemory(cuts[i], cuts[i + 1] - cuts[i]), cuts[i]);
            if (first is null)
            {
                first = segment;
            }
            else
            {
                last!.Next = segment;
            }

            last = segment;
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }
}
