namespace Intelligence.Protocol.Server;

/// <summary>Limits and behaviour of the gRPC server (applied to grpc-dotnet's and Kestrel's options).</summary>
public sealed class GrpcServerOptions
{
    /// <summary>Largest request message accepted, after decompression (default 4 MiB, as in other gRPC servers).</summary>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest response message sent (default 4 MiB); a larger one ends the call with RESOURCE_EXHAUSTED.</summary>
    public int MaxSendMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// How long a request body may arrive slower than Kestrel's minimum data rate (240 bytes/s) before the stream is
    /// reset, so a client that stalls mid-message cannot hold a stream forever (default 5 s; at least 1 s).
    /// </summary>
    public TimeSpan RequestReadTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>gzip responses when the caller accepts gzip (default off: loopback and LAN gain nothing).</summary>
    public bool CompressResponses { get; set; }

    /// <summary>Put exception messages of failing handlers in grpc-message (default off: they may hold secrets).</summary>
    public bool EnableDetailedErrors { get; set; }
}
