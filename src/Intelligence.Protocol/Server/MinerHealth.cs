using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Intelligence.Protocol.Server;

/// <summary>
/// Whether the node is ready to serve, as reported by <c>grpc.health.v1.Health</c>. The host sets it: not serving
/// while the model loads or the metagraph is stale, serving otherwise. Starts as serving.
/// </summary>
public sealed class MinerHealth
{
    private volatile string? _notServingReason;

    /// <summary>True unless <see cref="SetNotServing"/> was called since the last <see cref="SetServing"/>.</summary>
    public bool IsServing => _notServingReason is null;

    /// <summary>Why the node is not serving, or null.</summary>
    public string? Reason => _notServingReason;

    /// <summary>Reports SERVING.</summary>
    public void SetServing() => _notServingReason = null;

    /// <summary>Reports NOT_SERVING with a reason (for example "model loading", "metagraph stale").</summary>
    public void SetNotServing(string reason) => _notServingReason = string.IsNullOrEmpty(reason) ? "not serving" : reason;
}

/// <summary>The ASP.NET Core health check Grpc.AspNetCore.HealthChecks maps to grpc.health.v1 statuses.</summary>
internal sealed class MinerHealthCheck(MinerHealth health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(health.Reason is { } reason ? HealthCheckResult.Unhealthy(reason) : HealthCheckResult.Healthy());
}
