namespace Intelligence.Protocol.Client;

/// <summary>Connection pool and limits of a <see cref="GrpcClient"/> (applied to its shared SocketsHttpHandler and channels).</summary>
public sealed class GrpcClientOptions
{
    /// <summary>Largest response message accepted, after decompression (default 4 MiB).</summary>
    public int MaxReceiveMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest request message sent (default 4 MiB); a larger one fails locally with RESOURCE_EXHAUSTED.</summary>
    public int MaxSendMessageSize { get; set; } = 4 * 1024 * 1024;

    /// <summary>TCP connect timeout (default 3 s): a dead miner costs at most this, not the OS default.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Idle pooled connections are closed after this long (default 2 min).</summary>
    public TimeSpan PooledConnectionIdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Open another HTTP/2 connection to a server when one reaches its stream limit (default on).</summary>
    public bool EnableMultipleHttp2Connections { get; set; } = true;

    /// <summary>HTTP/2 keep-alive ping after this long without frames, while calls are active (default 30 s; infinite = off).</summary>
    public TimeSpan KeepAlivePingDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A connection whose ping is not answered within this is closed (default 10 s).</summary>
    public TimeSpan KeepAlivePingTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>gzip request messages (default off).</summary>
    public bool CompressRequests { get; set; }

    /// <summary>
    /// A server's channel is closed after this long without a call (default 10 min), so a long-running validator does
    /// not keep one for every address a miner ever had.
    /// </summary>
    public TimeSpan ChannelIdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The clock for <see cref="ChannelIdleTimeout"/> (default: the system's).</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Added to the user-agent after grpc-dotnet's own product token.</summary>
    public string UserAgent { get; set; } = "grpc-dotnet-intelligence/" + ProtocolVersion.Current;
}

/// <summary>Per-call settings.</summary>
public sealed class CallOptions
{
    /// <summary>Deadline for the whole call; sent as grpc-timeout and enforced locally. Null = none.</summary>
    public TimeSpan? Timeout { get; set; }

    /// <summary>Custom metadata (ASCII values; keys ending in "-bin" must hold base64).</summary>
    public IList<KeyValuePair<string, string>> Headers { get; } = new List<KeyValuePair<string, string>>();

    /// <summary>Cancels the call (reported as CANCELLED).</summary>
    public CancellationToken CancellationToken { get; set; }
}
