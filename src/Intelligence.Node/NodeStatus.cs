using System.Collections.Concurrent;
using System.Text.Json;
using Intelligence.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Intelligence.Node;

/// <summary>
/// What a node reports on /healthz and /readyz: started or not, degraded and why (chain unreachable or stalled,
/// deregistered, store down), and descriptive fields (model, provider, hotkey, uid, netuid, block...).
/// </summary>
public sealed class NodeStatus
{
    private readonly ConcurrentDictionary<string, string> _info = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _degraded = new(StringComparer.Ordinal);
    private volatile bool _ready;

    /// <summary>True once start-up finished.</summary>
    public bool Ready => _ready;

    /// <summary>True when any degradation is set.</summary>
    public bool IsDegraded => !_degraded.IsEmpty;

    /// <summary>The current degradations (source -> reason).</summary>
    public IReadOnlyDictionary<string, string> Degradations => new Dictionary<string, string>(_degraded);

    /// <summary>Descriptive fields.</summary>
    public IReadOnlyDictionary<string, string> Info => new SortedDictionary<string, string>(_info, StringComparer.Ordinal);

    /// <summary>Raised after <see cref="State"/> may have changed (start-up finished, a degradation set or cleared).</summary>
    public event Action? Changed;

    /// <summary>Marks start-up finished.</summary>
    public void MarkReady()
    {
        _ready = true;
        Changed?.Invoke();
    }

    /// <summary>Sets a descriptive field.</summary>
    public void Set(string key, string value) => _info[key] = value;

    /// <summary>Sets (reason non-null) or clears (null) one source of degradation; returns true when it changed.</summary>
    public bool Degrade(string source, string? reason)
    {
        bool changed;
        if (reason is null)
        {
            changed = _degraded.TryRemove(source, out _);
        }
        else
        {
            changed = !_degraded.TryGetValue(source, out var old) || old != reason;
            _degraded[source] = reason;
        }
        if (changed)
        {
            Changed?.Invoke();
        }
        return changed;
    }

    /// <summary>"ready", "degraded" or "starting".</summary>
    public string State => !_ready ? "starting" : IsDegraded ? "degraded" : "ready";
}

/// <summary>The HTTP health surface of a node (on <c>Health:Urls</c>).</summary>
public static class HealthEndpoints
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    /// <summary>Maps /healthz (alive: 200 with the status), /readyz (200 when ready and not degraded, else 503) and /metrics.</summary>
    public static void MapNodeHealth(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var status = app.Services.GetRequiredService<NodeStatus>();
        app.MapGet("/healthz", (HttpContext http) => Write(http, status, 200));
        app.MapGet("/readyz", (HttpContext http) => Write(http, status, status.State == "ready" ? 200 : 503));
        app.MapIntelligenceMetrics(app.Services.GetRequiredService<TelemetryOptions>());
    }

    /// <summary>The first address the health server is bound to (after start).</summary>
    public static string HealthUrl(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        return addresses?.FirstOrDefault() ?? "";
    }

    private static Task Write(HttpContext http, NodeStatus status, int code)
    {
        http.Response.StatusCode = code;
        http.Response.ContentType = "application/json";
        var body = new Dictionary<string, object>
        {
            ["status"] = status.State,
            ["info"] = status.Info,
            ["degraded"] = status.Degradations,
        };
        return http.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}
