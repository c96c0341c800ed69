namespace Intelligence.Protocol.Wire;

/// <summary>Header names and values from the gRPC over HTTP/2 protocol document (PROTOCOL-HTTP2.md).</summary>
public static class GrpcHeaders
{
    /// <summary>Content type every gRPC request and response carries (a "+proto" suffix is also accepted).</summary>
    public const string ContentType = "application/grpc";
    /// <summary>Content type we send: protobuf messages.</summary>
    public const string ContentTypeProto = "application/grpc+proto";
    /// <summary>Deadline header: at most 8 digits and a unit (H M S m u n).</summary>
    public const string Timeout = "grpc-timeout";
    /// <summary>Compression of messages whose Compressed-Flag is 1.</summary>
    public const string Encoding = "grpc-encoding";
    /// <summary>Message encodings the sender can decode, comma separated.</summary>
    public const string AcceptEncoding = "grpc-accept-encoding";
    /// <summary>Trailer holding the decimal status code.</summary>
    public const string Status = "grpc-status";
    /// <summary>Trailer holding the percent-encoded status message.</summary>
    public const string Message = "grpc-message";
    /// <summary>Required on requests so proxies that drop trailers are detected.</summary>
    public const string TE = "te";
    /// <summary>The only value of the te header.</summary>
    public const string TETrailers = "trailers";
    /// <summary>Encoding name for gzip messages.</summary>
    public const string Gzip = "gzip";
    /// <summary>Encoding name for uncompressed messages.</summary>
    public const string Identity = "identity";
    /// <summary>What we accept: advertised on every response and request.</summary>
    public const string SupportedEncodings = "identity,gzip";
    /// <summary>Suffix of metadata keys whose values are base64-encoded binary.</summary>
    public const string BinarySuffix = "-bin";

    /// <summary>True when a content-type names gRPC ("application/grpc", optionally "+proto" or ";...").</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        if (contentType.Length == ContentType.Length)
        {
            return true;
        }

        var next = contentType[ContentType.Length];
        return next is '+' or ';';
    }
}
