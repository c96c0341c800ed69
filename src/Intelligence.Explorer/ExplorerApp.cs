using System.Reflection;
using Intelligence.Explorer.Api;
using Intelligence.Explorer.Indexing;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.FileProviders;

namespace Intelligence.Explorer;

/// <summary>
/// Builds the explorer: options, the chain reader, the SQLite index, the indexer, the JSON API and the pages (plain
/// HTML + JS + CSS embedded in the assembly: nothing is built or downloaded at install time).
/// </summary>
public static class ExplorerApp
{
    /// <summary>Builds the app from command-line flags; returns the problems instead when the configuration is bad.</summary>
    public static (WebApplication? App, IReadOnlyList<string> Problems) Build(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddEnvironmentVariables("INTELLIGENCE__");
        builder.Configuration.AddCommandLine(args);
        var problems = OptionsValidation.Bind(builder.Configuration, out var chainOptions, out var options);
        Deployment? deployment = null;
        if (problems.Count == 0)
        {
            try
            {
                deployment = ChainReader.LoadDeployment(chainOptions.AddressesFile!);
            }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or IOException or UnauthorizedAccessException)
            {
                problems = [$"Chain:AddressesFile: {e.Message}"];
            }
        }
        if (deployment is not null && chainOptions.ChainId is { } expected && expected != deployment.ChainId)
        {
            problems = [$"Chain:ChainId: {expected} differs from the addresses file's {deployment.ChainId}"];
        }
        if (problems.Count > 0)
        {
            return (null, problems);
        }

        builder.WebHost.UseUrls(options.Urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        Directory.CreateDirectory(options.DataDir);
        builder.Services.ConfigureHttpJsonOptions(o => ApiEndpoints.Configure(o.SerializerOptions));
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(chainOptions);
        builder.Services.AddSingleton(_ => new ChainReader(new Uri(chainOptions.RpcUrl), deployment!, chainOptions.CallTimeout));
        builder.Services.AddSingleton(_ => new IndexStore(Path.Combine(options.DataDir, "explorer.db")));
        builder.Services.AddSingleton<LiveState>();
        builder.Services.AddHostedService<Indexer>();

        var app = builder.Build();
        var files = new EmbeddedFileProvider(typeof(ExplorerApp).Assembly, "Intelligence.Explorer.web");
        app.UseStaticFiles(new StaticFileOptions { FileProvider = files, RequestPath = "/assets" });
        app.MapExplorerApi();
        MapPage(app, "/", "network.html", files);
        MapPage(app, "/subnets/{netuid}", "subnet.html", files);
        MapPage(app, "/subnets/{netuid}/epochs/{epoch}", "epoch.html", files);
        MapPage(app, "/neurons/{hotkey}", "neuron.html", files);
        return (app, []);
    }

    private static void MapPage(WebApplication app, string route, string file, IFileProvider files) =>
        app.MapGet(route, async (HttpContext context) =>
        {
            var info = files.GetFileInfo(file);
            context.Response.ContentType = "text/html; charset=utf-8";
            await using var stream = info.CreateReadStream();
            await stream.CopyToAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });

    /// <summary>The URLs Kestrel listens on, once started (port 0 resolved).</summary>
    public static IReadOnlyList<string> Addresses(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
    }

    /// <summary>The informational version of the explorer.</summary>
    public static string Version => typeof(ExplorerApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
}
