using Intelligence.Protocol.Wire;
using Microsoft.AspNetCore.Http;

namespace Intelligence.Protocol.Server;

/// <summary>Everything a handler or interceptor knows about one call, and the metadata it sends back.</summary>
public sealed class ServerCallContext
{
    private List<KeyValuePair<string, string>>? _responseHeaders;
    private List<KeyValuePair<string, string>>? _responseTrailers;
    private Dictionary<object, object?>? _items;

    internal ServerCallContext(HttpContext httpContext, string method, DateTime? deadline, CancellationToken cancellationToken)
    {
        HttpContext = httpContext;
        Method = method;
        Deadline = deadline;
        CancellationToken = cancellationToken;
        ReceivedAt = DateTime.UtcNow;
    }

    /// <summary>The underlying ASP.NET Core request (connection info, raw headers).</summary>
    public HttpContext HttpContext { get; }

    /// <summary>The method path, "/package.Service/Method".</summary>
    public string Method { get; }

    /// <summary>UTC deadline from grpc-timeout, or null when the caller sent none.</summary>
    public DateTime? Deadline { get; }

    /// <summary>Cancelled when the caller goes away or the deadline passes.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>When the server started on the call (UTC).</summary>
    public DateTime ReceivedAt { get; }

    /// <summary>Request headers, custom metadata included (binary "-bin" values still base64).</summary>
    public IHeaderDictionary RequestHeaders => HttpContext.Request.Headers;

    /// <summary>Per-call state shared between interceptors and the handler.</summary>
    public IDictionary<object, object?> Items => _items ??= [];

    /// <summary>Metadata sent with the response headers (before the first message).</summary>
    public IList<KeyValuePair<string, string>> ResponseHeaders => _responseHeaders ??= [];

    /// <summary>Metadata sent with the trailers, after the last message.</summary>
    public IList<KeyValuePair<string, string>> ResponseTrailers => _responseTrailers ??= [];

    /// <summary>
    /// Called with each serialized response message (uncompressed) before it is written; the miner pipeline
    /// uses it to sign responses. Set by interceptors. The bytes may live in the response buffer: read them during the
    /// call, do not keep them.
    /// </summary>
    public Action<ServerCallContext, ReadOnlyMemory<byte>>? OnResponseMessage { get; set; }

    /// <summary>Called once before trailers are written, with the final status; can add trailers.</summary>
    public Action<ServerCallContext, GrpcStatus>? OnCompleting { get; set; }

    /// <summary>Reads one request header (the first value), or null.</summary>
    public string? GetHeader(string name)
    {
        var values = HttpContext.Request.Headers[name];
        return values.Count == 0 ? null : values[0];
    }

    /// <summary>The miner pipeline's state for this call (a field, so a pipelined call needs no <see cref="Items"/> dictionary).</summary>
    internal Pipeline.MinerCall? MinerCall { get; set; }

    internal bool HasResponseHeaders => _responseHeaders is { Count: > 0 };

    internal bool HasResponseTrailers => _responseTrailers is { Count: > 0 };
}
