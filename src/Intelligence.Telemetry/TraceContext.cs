using System.Diagnostics;
using OpenTelemetry.Context.Propagation;

namespace Intelligence.Telemetry;

/// <summary>
/// W3C trace context (<c>traceparent</c>, <c>tracestate</c>) read from a call's gRPC metadata, so a validator's query
/// and the miner's handling of it are one trace. The validator side needs nothing of ours: its HTTP/2 handler writes
/// the current activity's context into every request (SocketsHttpHandler's W3C propagator; tested across a real call
/// in TraceContextTests).
/// </summary>
public static class TraceContext
{
    private static readonly TraceContextPropagator Propagator = new();

    /// <summary>The caller's context from incoming metadata, or default when absent or malformed.</summary>
    public static ActivityContext Extract(Func<string, string?> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var context = Propagator.Extract(default, header, static (h, key) => h(key) is { } v ? [v] : []);
        return context.ActivityContext;
    }
}
