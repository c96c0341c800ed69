using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Client;

/// <summary>The outcome of one call: never an exception, always a status, a latency and the metadata received.</summary>
public sealed class CallResult
{
    internal CallResult(GrpcStatus status, TimeSpan latency, IReadOnlyList<byte[]> messages, IReadOnlyDictionary<string, string> headers, IReadOnlyDictionary<string, string> trailers)
    {
        Status = status;
        Latency = latency;
        Messages = messages;
        Headers = headers;
        Trailers = trailers;
    }

    /// <summary>Final status (OK, or the server's or a locally synthesized error).</summary>
    public GrpcStatus Status { get; }

    /// <summary>Time from sending to the status being known.</summary>
    public TimeSpan Latency { get; }

    /// <summary>Response messages as received (decompressed, not parsed): the bytes a response signature is checked over.</summary>
    public IReadOnlyList<byte[]> Messages { get; }

    /// <summary>Response header metadata (lower-case keys; repeated keys joined with ",").</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>Trailer metadata, grpc-status and grpc-message included (for Trailers-Only, the headers).</summary>
    public IReadOnlyDictionary<string, string> Trailers { get; }

    /// <summary>Looks a key up in trailers, then headers.</summary>
    public string? GetMetadata(string key) =>
        Trailers.TryGetValue(key, out var v) ? v : Headers.TryGetValue(key, out v) ? v : null;
}
