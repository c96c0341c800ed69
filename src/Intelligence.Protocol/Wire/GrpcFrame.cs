using System.Buffers;
using System.Buffers.Binary;

namespace Intelligence.Protocol.Wire;

/// <summary>
/// The gRPC Length-Prefixed-Message: a 1-byte Compressed-Flag (0 or 1), a 4-byte big-endian length,
/// then the message bytes. DATA frame boundaries say nothing about message boundaries.
/// </summary>
public static class GrpcFrame
{
    /// <summary>Bytes before the message: flag (1) + length (4).</summary>
    public const int HeaderSize = 5;

    /// <summary>Compressed-Flag value for a message sent as is.</summary>
    public const byte Uncompressed = 0;

    /// <summary>Compressed-Flag value for a message compressed with the call's grpc-encoding.</summary>
    public const byte Compressed = 1;

    /// <summary>
    /// Reads one message from the front of <paramref name="buffer"/>. Returns false (and leaves the buffer) when
    /// more bytes are needed; throws <see cref="GrpcException"/> for a bad flag or a length over <paramref name="maxLength"/>.
    /// On success the buffer is advanced past the message and <paramref name="payload"/> slices it (no copy).
    /// </summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, int maxLength, out bool compressed, out ReadOnlySequence<byte> payload)
    {
        compressed = false;
        payload = default;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        Span<byte> header = stackalloc byte[HeaderSize];
        buffer.Slice(0, HeaderSize).CopyTo(header);
        var length = ReadHeader(header, maxLength, out compressed);
        if (buffer.Length - HeaderSize < length)
        {
            return false;
        }

        payload = buffer.Slice(HeaderSize, length);
        buffer = buffer.Slice(payload.End);
        return true;
    }

    /// <summary>
    /// Reads one whole message and decodes it (gzip when flagged): the single entry point both server and client use,
    /// and the fuzz target's subject. Same contract as <see cref="TryRead"/>.
    /// </summary>
    public static bool TryReadMessage(ref ReadOnlySequence<byte> buffer, int maxLength, string? encoding, out byte[] message)
    {
        if (!TryRead(ref buffer, maxLength, out var compressed, out var payload))
        {
            message = [];
            return false;
        }

        message = MessageCompression.Decode(payload, compressed, encoding, maxLength);
        return true;
    }

    /// <summary>Validates a 5-byte header and returns the message length.</summary>
    public static int ReadHeader(ReadOnlySpan<byte> header, int maxLength, out bool compressed)
    {
        compressed = header[0] switch
        {
            Uncompressed => false,
            Compressed => true,
            _ => throw new GrpcException(GrpcStatusCode.Internal, $"Invalid Compressed-Flag {header[0]} in message header."),
        };
        var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (length > (uint)maxLength)
        {
            throw new GrpcException(GrpcStatusCode.ResourceExhausted, $"Received message of {length} bytes is larger than the limit of {maxLength} bytes.");
        }

        return (int)length;
    }

    /// <summary>Writes the 5-byte header for a message of <paramref name="length"/> bytes.</summary>
    public static void WriteHeader(Span<byte> destination, bool compressed, int length)
    {
        destination[0] = compressed ? Compressed : Uncompressed;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    /// <summary>Writes header + message into <paramref name="writer"/> in one span.</summary>
    public static void Write(IBufferWriter<byte> writer, bool compressed, ReadOnlySpan<byte> message)
    {
        var span = writer.GetSpan(HeaderSize + message.Length);
        WriteHeader(span, compressed, message.Length);
        message.CopyTo(span[HeaderSize..]);
        writer.Advance(HeaderSize + message.Length);
    }
}
