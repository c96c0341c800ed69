using System.Diagnostics;
using OpenTelemetry.Context.Propagation;

namespace Intelligence.Telemetry;

/// <summary>
/// W3C trace context (<c>traceparent</c>, <c>tracestate</c>) carried in gRPC metadata, so a validator's query and
/// the miner's handling of it are one trace whatever HTTP stack sits underneath.
/// </summary>
public static class TraceContext
{
    private static readonly TraceContextPropagator Propagator = new();

    /// <summary>Adds the context of <paramref name="activity"/> (when there is one) to outgoing metadata.</summary>
    public static void Inject(Activity? activity, ICollection<KeyValuePair<string, string>> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (activity is null)
        {
            return;
        }
        Propagator.Inject(new PropagationContext(activity.Context, default), metadata, static (m, key, value) => m.Add(new(key, value)));
    }

    /// <summary>The caller's context from incoming metadata, or default when absent or malformed.</summary>
    public static ActivityContext Extract(Func<string, string?> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var context = Propagator.Extract(default, header, static (h, key) => h(key) is { } v ? [v] : []);
        return context.ActivityContext;
    }
}
