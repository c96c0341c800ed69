using Intelligence.Miner;
using Intelligence.Node;
using Intelligence.Subnets.Catalog;
using Intelligence.Telemetry;
using Microsoft.Extensions.DependencyInjection;

// intelligence-miner: serve a subnet's ONNX model to validators (README.md has the command to copy).
IReadOnlyDictionary<string, string> aliases = new Dictionary<string, string> { ["--register"] = "Miner:Register" };
if (NodeHost.TryPrintHelp(args, "intelligence-miner", "serves a subnet's ONNX model to the network's validators",
    [(ChainOptions.Section, new ChainOptions()), (WalletOptions.Section, new WalletOptions()), (SubnetOptions.Section, new SubnetOptions()),
     (StateOptions.Section, new StateOptions()), (TelemetryOptions.Section, new TelemetryOptions()), (HealthOptions.Section, new HealthOptions()),
     (MinerOptions.Section, new MinerOptions())],
    Console.Out, [new HelpEntry("--register", "", "same as --Miner:Register true")]))
{
    return 0;
}

NodeHost.UseSubnetNames(SubnetCatalog.Names);
Microsoft.AspNetCore.Builder.WebApplication app;
try
{
    var builder = NodeHost.CreateBuilder(args, "intelligence-miner", aliases);
    NodeHost.Bind<ChainOptions>(builder, ChainOptions.Section);
    NodeHost.Bind<WalletOptions>(builder, WalletOptions.Section);
    NodeHost.Bind<SubnetOptions>(builder, SubnetOptions.Section);
    NodeHost.Bind<StateOptions>(builder, StateOptions.Section);
    NodeHost.Bind<MinerOptions>(builder, MinerOptions.Section);
    NodeHost.ThrowIfInvalid();
    builder.Services.AddSingleton<MinerNode>();
    builder.Services.AddHostedService(sp => sp.GetRequiredService<MinerNode>());
    app = builder.Build();
}
catch (NodeStartupException e)
{
    foreach (var line in NodeHost.Problems(e))
    {
        Console.Error.WriteLine("error: " + line);
    }
    return NodeHost.ExitConfiguration;
}

app.MapNodeHealth();
app.Lifetime.ApplicationStarted.Register(() =>
{
    var miner = app.Services.GetRequiredService<MinerNode>();
    Console.Out.WriteLine($"ready miner uid={miner.Uid} hotkey={miner.Hotkey} grpc={miner.GrpcEndpoint} health={app.HealthUrl()}");
    Console.Out.Flush();
});
return await NodeHost.RunAsync(app);
