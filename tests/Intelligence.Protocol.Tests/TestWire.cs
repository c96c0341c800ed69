using System.Buffers.Binary;
using System.IO.Compression;

namespace Intelligence.Protocol.Tests;

/// <summary>
/// What the raw-HTTP/2 tests need to build bad requests by hand: header names and the 5-byte message prefix of the
/// gRPC HTTP/2 document. The library has no framing code of its own any more (grpc-dotnet does it).
/// </summary>
internal static class TestWire
{
    public const string ContentType = "application/grpc";
    public const string Encoding = "grpc-encoding";
    public const string Gzip = "gzip";
    public const string Status = "grpc-status";
    public const string Message = "grpc-message";
    public const string Timeout = "grpc-timeout";
    public const int HeaderSize = 5;

    public static void WriteHeader(Span<byte> destination, bool compressed, int length)
    {
        destination[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    public static byte[] Compress(ReadOnlySpan<byte> bytes)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }

        return output.ToArray();
    }
}
