using System.Buffers;
using System.Text;
using Google.Protobuf;
using Intelligence.Protocol.V1;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Tests.Fuzz;

/// <summary>
/// Fuzz target for the frame/message reader: arbitrary bytes, split at arbitrary points, go through the same path the
/// server uses (frame -> gzip -> protobuf parse). The only allowed failures are the typed ones:
/// <see cref="GrpcException"/> for framing and <see cref="InvalidProtocolBufferException"/> for the message.
/// Anything else (or a hang) is a bug. Also feeds the header parsers (grpc-timeout, grpc-message).
/// </summary>
internal static class FrameReaderFuzzTarget
{
    public const int MaxMessage = 64 * 1024;

    public static void Run(byte[] input, Random random)
    {
        var encoding = input.Length > 0 && (input[0] & 1) == 1 ? GrpcHeaders.Gzip : null;
        var buffer = Segmented.Split(input, random);
        try
        {
            var guard = 0;
            while (GrpcFrame.TryReadMessage(ref buffer, MaxMessage, encoding, out var message))
            {
                if (++guard > input.Length + 1)
                {
                    throw new InvalidOperationException("Reader made no progress.");
                }

                try
                {
                    ForwardRequest.Parser.ParseFrom(message);
                }
                catch (InvalidProtocolBufferException)
                {
                    // Typed rejection: fine.
                }
            }
        }
        catch (GrpcException e) when (e.Status.Code is GrpcStatusCode.Internal or GrpcStatusCode.ResourceExhausted)
        {
            // Typed rejection: fine.
        }

        var text = Encoding.Latin1.GetString(input);
        GrpcTimeout.TryParse(text.AsSpan(0, Math.Min(text.Length, 12)), out _);
        PercentEncoding.Decode(text);
    }

    /// <summary>Inputs: random bytes, and valid frames with a few bytes flipped, cut or duplicated.</summary>
    public static IEnumerable<byte[]> Corpus(int count, int seed)
    {
        var random = new Random(seed);
        var valid = Valid();
        for (var i = 0; i < count; i++)
        {
            switch (i % 4)
            {
                case 0:
                    var bytes = new byte[random.Next(0, 64)];
                    random.NextBytes(bytes);
                    yield return bytes;
                    break;
                default:
                    var seedFrame = valid[random.Next(valid.Length)];
                    var mutated = (byte[])seedFrame.Clone();
                    for (var flips = random.Next(1, 4); flips > 0 && mutated.Length > 0; flips--)
                    {
                        mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
                    }

                    yield return (i % 4) switch
                    {
                        1 => mutated,
                        2 => mutated[..random.Next(0, mutated.Length + 1)],
                        _ => [.. mutated, .. seedFrame],
                    };
                    break;
            }
        }
    }

    private static byte[][] Valid()
    {
        var request = InteropService.Echo(40);
        request.Extension = Google.Protobuf.WellKnownTypes.Any.Pack(new HealthRequest());
        var plain = request.ToByteArray();
        var writer = new ArrayBufferWriter<byte>();
        GrpcFrame.Write(writer, compressed: false, plain);
        var uncompressed = writer.WrittenSpan.ToArray();
        writer.Clear();
        GrpcFrame.Write(writer, compressed: true, MessageCompression.Compress(plain));
        var gzip = writer.WrittenSpan.ToArray();
        // First byte's low bit picks gzip in Run: keep a gzip frame's flag byte odd.
        return [uncompressed, gzip];
    }
}
