using System.Net;
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
}

/// <summary>A Kestrel host serving gRPC methods over cleartext HTTP/2 (h2c). Start it, call it, dispose it.</summary>
public sealed class GrpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IPAddress _bound;

    private GrpcServer(WebApplication app, IPAddress bound)
    {
        _app = app;
        _bound = bound;
    }

    /// <summary>The bound port (after <see cref="StartAsync"/>).</summary>
    public int Port { get; private set; }

    /// <summary>The base address clients call, "http://127.0.0.1:port".</summary>
    public Uri Address => new($"http://{FormatHost()}:{Port}");

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

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(endpoint.Address, endpoint.Port, listen => listen.Protocols = endpoint.Protocols);
            // Room for one request message plus framing; larger bodies are refused by the frame reader first.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 256;
        });
        builder.Services.AddSingleton(registry);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<GrpcRequestHandler>();

        var app = builder.Build();
        var handler = app.Services.GetRequiredService<GrpcRequestHandler>();
        app.Run(handler.HandleAsync);
        var server = new GrpcServer(app, endpoint.Address);
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
