using Intelligence.Explorer;

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(OptionsValidation.Help);
    return 0;
}

var (app, problems) = ExplorerApp.Build(args);
if (app is null)
{
    foreach (var problem in problems)
    {
        Console.Error.WriteLine("error: " + problem);
    }
    return 1;
}

await app.StartAsync();
foreach (var url in ExplorerApp.Addresses(app))
{
    Console.WriteLine($"ready explorer url={url}");
}
await app.WaitForShutdownAsync();
return 0;
