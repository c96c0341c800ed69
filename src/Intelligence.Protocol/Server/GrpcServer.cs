using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Intelligence.Protocol.Server;

/// <summary>Where and how the server listens.</summary>
public sealed class GrpcServerEndpoint
{
    /// <summary>Address to bind (default loopback).</summary>
    public IPAddress Address { get; set; } = IPAddress.Loopback;

    /// <summary>Port to bind; 0 picks a free one (read it back from <see cref="GrpcServer.Port"/>).</summary>
    public int Port { get; set; }

    /// <summary>
    /// HTTP/2 only (cleartext, prior knowledge) by default. HTTP/1.x bytes on such an endpoint get the connection closed.
    /// </summary>
    public HttpProtocols Protocols { get; set; } = HttpProtocols.Http2;

    /// <summary>TLS certificate (with its private key); null = cleartext h2c.</summary>
    public X509Certificate2? Certificate { get; set; }
}

/// <summary>
/// A Kestrel host of its own serving a <see cref="ServiceRegistry"/> with grpc-dotnet over h2c (or TLS), plus
/// grpc.health.v1 and server reflection. Start it, call it, dispose it. Hosts that have a WebApplication already use
/// <see cref="GrpcHosting"/>'s extensions instead.
/// </summary>
public sealed class GrpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IPAddress _bound;

    private readonly bool _tls;

    private GrpcServer(WebApplication app, IPAddress bound, bool tls)
    {
        _app = app;
        _bound = bound;
        _tls = tls;
    }

    /// <summary>The bound port (after <see cref="StartAsync"/>).</summary>
    public int Port { get; private set; }

    /// <summary>The base address clients call, "http://127.0.0.1:port" (https with a certificate).</summary>
    public Uri Address => new($"{(_tls ? "https" : "http")}://{FormatHost()}:{Port}");

    /// <summary>What grpc.health.v1 reports: set not-serving while the model loads or the metagraph is stale.</summary>
    public MinerHealth Health => _app.Services.GetRequiredService<MinerHealth>();

    /// <summary>The host's services (options, health, logging).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Creates and starts a server for <paramref name="registry"/>.</summary>
    public static async Task<GrpcServer> StartAsync(
        ServiceRegistry registry,
        GrpcServerEndpoint? endpoint = null,
        GrpcServerOptions? options = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        endpoint ??= new GrpcServerEndpoint();
        options ??= new GrpcServerOptions();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenGrpc(endpoint, options));
        builder.Services.AddIntelligenceMiner(registry, options);
        var app = builder.Build();
        app.MapIntelligenceMiner();
        var server = new GrpcServer(app, endpoint.Address, endpoint.Certificate is not null);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var address = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("Kestrel reported no bound address.");
        server.Port = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
        return server;
    }

    /// <summary>Stops accepting calls and lets running ones finish (bounded by the host's shutdown timeout).</summary>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private string FormatHost() =>
        _bound.Equals(IPAddress.Any) ? "127.0.0.1" :
        _bound.Equals(IPAddress.IPv6Any) ? "[::1]" :
        _bound.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{_bound}]" : _bound.ToString();
}
