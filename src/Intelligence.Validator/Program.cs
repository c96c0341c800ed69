using Intelligence.Node;
using Intelligence.Subnets.Catalog;
using Intelligence.Telemetry;
using Intelligence.Validator;
using Microsoft.Extensions.DependencyInjection;

// intelligence-validator: query, score and weigh a subnet's miners (README.md has the command to copy).
ValidatorRuntime.Apply();
if (NodeHost.TryPrintHelp(args, "intelligence-validator", "queries a subnet's miners with private data, scores them and sets weights",
    [(ChainOptions.Section, new ChainOptions()), (WalletOptions.Section, new WalletOptions()), (SubnetOptions.Section, new SubnetOptions()),
     (StateOptions.Section, new StateOptions()), (TelemetryOptions.Section, new TelemetryOptions()), (HealthOptions.Section, new HealthOptions()),
     (ValidatorOptions.Section, new ValidatorOptions())],
    Console.Out))
{
    return 0;
}

NodeHost.UseSubnetNames(SubnetCatalog.Names);
Microsoft.AspNetCore.Builder.WebApplication app;
try
{
    var builder = NodeHost.CreateBuilder(args, "intelligence-validator");
    NodeHost.Bind<ChainOptions>(builder, ChainOptions.Section);
    NodeHost.Bind<WalletOptions>(builder, WalletOptions.Section);
    NodeHost.Bind<SubnetOptions>(builder, SubnetOptions.Section);
    var state = NodeHost.Bind<StateOptions>(builder, StateOptions.Section);
    var options = NodeHost.Bind<ValidatorOptions>(builder, ValidatorOptions.Section);
    NodeHost.AddProblems(options.Problems(state));
    NodeHost.ThrowIfInvalid();
    builder.Services.AddSingleton<ValidatorNode>();
    builder.Services.AddHostedService(sp => sp.GetRequiredService<ValidatorNode>());
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
    var validator = app.Services.GetRequiredService<ValidatorNode>();
    Console.Out.WriteLine($"ready validator uid={validator.Uid} hotkey={validator.Hotkey} worker={validator.Worker} health={app.HealthUrl()}");
    Console.Out.Flush();
});
return await NodeHost.RunAsync(app);
