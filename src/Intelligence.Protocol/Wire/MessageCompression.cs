using System.Buffers;
using System.IO.Compression;

namespace Intelligence.Protocol.Wire;

/// <summary>gzip for messages whose Compressed-Flag is 1; decompression is bounded so a small bomb cannot grow.</summary>
public static class MessageCompression
{
    /// <summary>True for an encoding name we can decode ("identity" or "gzip").</summary>
    public static bool IsSupported(string? encoding) =>
        encoding is null || encoding.Length == 0 || encoding == GrpcHeaders.Identity || encoding == GrpcHeaders.Gzip;

    /// <summary>gzips a message.</summary>
    public static byte[] Compress(ReadOnlySpan<byte> message)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(message);
        }

        return output.ToArray();
    }

    /// <summary>
    /// Turns a received payload into message bytes: identity is copied; gzip is inflated up to
    /// <paramref name="maxLength"/> bytes (more is RESOURCE_EXHAUSTED, corrupt data is INTERNAL).
    /// </summary>
    public static byte[] Decode(in ReadOnlySequence<byte> payload, bool compressed, string? encoding, int maxLength)
    {
        if (!compressed)
        {
            return payload.ToArray();
        }

        if (encoding != GrpcHeaders.Gzip)
        {
            throw new GrpcException(GrpcStatusCode.Internal, encoding is null or "" or GrpcHeaders.Identity
                ? "Compressed message received without a grpc-encoding."
                : $"Unsupported grpc-encoding '{encoding}'.");
        }

        try
        {
            using var input = new MemoryStream(payload.ToArray(), writable: false);
            using var gzip = new GZipStream(input, CompressionMode.Decompress);
            var rented = ArrayPool<byte>.Shared.Rent(Math.Min(maxLength, 64 * 1024) + 1);
            try
            {
                using var output = new MemoryStream();
                int n;
                while ((n = gzip.Read(rented, 0, rented.Length)) > 0)
                {
                    if (output.Length + n > maxLength)
                    {
                        throw new GrpcException(GrpcStatusCode.ResourceExhausted, $"Decompressed message is larger than the limit of {maxLength} bytes.");
                    }

                    output.Write(rented, 0, n);
                }

                return output.ToArray();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
        catch (InvalidDataException e)
        {
            throw new GrpcException(GrpcStatusCode.Internal, "Corrupt gzip message: " + e.Message);
        }
    }
}
