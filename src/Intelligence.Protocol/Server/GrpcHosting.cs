using System.Globalization;
using Grpc.AspNetCore.Server.Model;
using Grpc.Reflection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Intelligence.Protocol.Server;

/// <summary>
/// Puts a <see cref="ServiceRegistry"/> on an ASP.NET Core host with grpc-dotnet: <c>AddIntelligenceMiner</c> on the
/// services, <c>MapIntelligenceMiner</c> on the app, and <c>ListenGrpc</c> on Kestrel. <see cref="GrpcServer"/> is
/// the same three steps on a host of its own.
/// </summary>
public static class GrpcHosting
{
    /// <summary>Health check name of <see cref="MinerHealth"/> in ASP.NET Core health checks.</summary>
    public const string HealthCheckName = "intelligence-miner";

    /// <summary>
    /// Adds grpc-dotnet with our limits, the registry's methods, grpc.health.v1 (reporting <see cref="MinerHealth"/>,
    /// resolvable from the container) and server reflection over the registry's descriptors.
    /// </summary>
    public static IServiceCollection AddIntelligenceMiner(this IServiceCollection services, ServiceRegistry registry, GrpcServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(registry);
        options ??= new GrpcServerOptions();
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.MaxReceiveMessageSize;
            grpc.MaxSendMessageSize = options.MaxSendMessageSize;
            grpc.EnableDetailedErrors = options.EnableDetailedErrors;
            // Sent only to callers whose grpc-accept-encoding lists gzip; requests in gzip are always accepted.
            grpc.ResponseCompressionAlgorithm = options.CompressResponses ? "gzip" : null;
        });
        services.AddSingleton(registry);
        services.AddSingleton(options);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<RegistryService>, RegistryMethodProvider>());
        services.TryAddSingleton<RegistryService>();

        services.TryAddSingleton<MinerHealth>();
        services.AddHealthChecks().AddCheck<MinerHealthCheck>(HealthCheckName);
        // Answer Check from the checks at call time, so a change of MinerHealth shows at once.
        services.AddGrpcHealthChecks(health => health.UseHealthChecksCache = false);

        // Reflection lists what the registry names plus the two standard services. Registered before
        // AddGrpcReflection, whose own discovery needs generated service base classes (ours are bound by hand).
        var descriptors = registry.Descriptors
            .Append(Grpc.Health.V1.Health.Descriptor)
            .Append(Grpc.Reflection.V1Alpha.ServerReflection.Descriptor)
            .Distinct()
            .ToArray();
        services.TryAddSingleton(new ReflectionServiceImpl(descriptors));
        services.AddGrpcReflection();
        return services;
    }

    /// <summary>
    /// Maps the registry's methods, grpc.health.v1 and reflection, and puts the header checks (the miner pipeline's
    /// blacklist on the claimed caller) in front of the methods that have one, before any request body is read.
    /// </summary>
    public static WebApplication MapIntelligenceMiner(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(HeaderCheckMiddleware);
        app.MapGrpcService<RegistryService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        return app;
    }

    /// <summary>
    /// Listens on <paramref name="endpoint"/>: h2c (HTTP/2 with prior knowledge) by default, TLS when it has a
    /// certificate. Applies the server's request-body stall limit.
    /// </summary>
    public static KestrelServerOptions ListenGrpc(this KestrelServerOptions kestrel, GrpcServerEndpoint endpoint, GrpcServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(endpoint);
        options ??= new GrpcServerOptions();
        kestrel.AddServerHeader = false;
        kestrel.Listen(endpoint.Address, endpoint.Port, listen =>
        {
            listen.Protocols = endpoint.Protocols;
            if (endpoint.Certificate is not null)
            {
                listen.UseHttps(endpoint.Certificate);
            }
        });
        // Message size is grpc-dotnet's limit (checked on the length prefix); Kestrel's whole-body limit would only
        // get in the way of streams.
        kestrel.Limits.MaxRequestBodySize = null;
        kestrel.Limits.Http2.MaxStreamsPerConnection = 256;
        kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(240, options.RequestReadTimeout < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : options.RequestReadTimeout);
        return kestrel;
    }

    private static async Task HeaderCheckMiddleware(HttpContext http, RequestDelegate next)
    {
        var check = http.GetEndpoint()?.Metadata.GetMetadata<HeaderCheckMetadata>();
        // Requests that are not gRPC (wrong content-type, HTTP/1.x) go on to grpc-dotnet, which answers them itself.
        if (check is null || !HttpProtocol.IsHttp2(http.Request.Protocol) ||
            http.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) != true)
        {
            await next(http).ConfigureAwait(false);
            return;
        }

        var status = await check.Check.CheckHeadersAsync(http).ConfigureAwait(false);
        if (status.IsOk)
        {
            await next(http).ConfigureAwait(false);
            return;
        }

        // Trailers-Only answer, as grpc-dotnet writes one: HTTP 200, gRPC content-type, the status in the headers.
        // The body was never read; Kestrel resets the rest of the request stream.
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/grpc";
        response.Headers["grpc-status"] = ((int)status.Code).ToString(CultureInfo.InvariantCulture);
        if (status.Detail.Length > 0)
        {
            response.Headers["grpc-message"] = Uri.EscapeDataString(status.Detail);
        }
    }
}

/// <summary>Endpoint metadata: the header check to run before the body of a call to this method is read.</summary>
internal sealed record HeaderCheckMetadata(IHeaderCheck Check);
