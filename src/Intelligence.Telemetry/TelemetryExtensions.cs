using System.ComponentModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Intelligence.Telemetry;

/// <summary>The <c>Telemetry:</c> section shared by the binaries.</summary>
public sealed class TelemetryOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Telemetry";

    /// <summary>OTLP endpoint (gRPC, e.g. http://collector:4317); empty = no export.</summary>
    [Description("OTLP exporter endpoint (e.g. http://127.0.0.1:4317); empty = no export")]
    public string OtlpEndpoint { get; set; } = "";

    /// <summary>Expose Prometheus /metrics on the health endpoint.</summary>
    [Description("expose Prometheus /metrics on the health endpoint")]
    public bool Prometheus { get; set; }
}

/// <summary>
/// One place where OpenTelemetry is wired, in the spirit of aspire's ServiceDefaults: every ActivitySource and Meter
/// whose name starts with <c>Intelligence.</c> (each is a constant next to the code that emits it), the runtime
/// metrics, an OTLP exporter when <c>Telemetry:OtlpEndpoint</c> is set and the Prometheus scrape endpoint when
/// <c>Telemetry:Prometheus</c> is true. With neither, nothing is registered and instruments cost nothing.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>Prefix of every ActivitySource and Meter name of the project.</summary>
    public const string NamePrefix = "Intelligence.";

    /// <summary>Adds traces and metrics for <paramref name="serviceName"/> as configured; returns the options read.</summary>
    public static TelemetryOptions AddIntelligenceTelemetry(this IHostApplicationBuilder builder, string serviceName, string? serviceInstanceId = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = new TelemetryOptions();
        builder.Configuration.GetSection(TelemetryOptions.Section).Bind(options);
        builder.Services.AddSingleton(options);
        var otlp = !string.IsNullOrWhiteSpace(options.OtlpEndpoint) && Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out _);
        if (!otlp && !options.Prometheus)
        {
            return options;
        }

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceInstanceId: serviceInstanceId ?? Environment.MachineName + "-" + Environment.ProcessId));
        otel.WithMetrics(metrics =>
        {
            metrics.AddMeter(NamePrefix + "*").AddRuntimeInstrumentation();
            if (otlp)
            {
                metrics.AddOtlpExporter(o => o.Endpoint = new Uri(options.OtlpEndpoint));
            }
            if (options.Prometheus)
            {
                metrics.AddPrometheusExporter();
            }
        });
        if (otlp)
        {
            otel.WithTracing(tracing => tracing
                .AddSource(NamePrefix + "*")
                .AddOtlpExporter(o => o.Endpoint = new Uri(options.OtlpEndpoint)));
        }
        return options;
    }

    /// <summary>Maps <c>/metrics</c> on <paramref name="app"/> when Prometheus is enabled.</summary>
    public static void MapIntelligenceMetrics(this WebApplication app, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Prometheus)
        {
            app.MapPrometheusScrapingEndpoint("/metrics");
        }
    }
}
