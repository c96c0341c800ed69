using System.CommandLine;
using Intelligence.Subnets;

namespace Intelligence.Cli.Commands;

/// <summary><c>intelligence subnet ...</c>: subnet tooling (<c>new</c> scaffolds a subnet from subnets/template).</summary>
internal static class SubnetCommands
{
    public static Command Create()
    {
        var subnet = new Command("subnet", "Subnets: scaffold a subnet project (new), and create, list, show and tune subnets on chain");
        subnet.Subcommands.Add(New());
        ChainCommands.AddSubnetCommands(subnet);
        return subnet;
    }

    private static Command New()
    {
        var name = new Argument<string>("name") { Description = "Subnet name: lower-case words joined by '-', e.g. air-quality" };
        var outputDir = new Option<DirectoryInfo?>("--output", "-o") { Description = "Folder to create (default: subnets/<name> in the repository)" };
        var repo = new Option<DirectoryInfo?>("--repo") { Description = "Repository root holding Intelligence.sln (default: found from the current folder)" };
        var command = new Command("new", "Copy subnets/template into a new subnet with its names filled in and a passing test") { name, outputDir, repo };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var root = parseResult.GetValue(repo)?.FullName ?? RepositoryRoot.Find(Environment.CurrentDirectory);
            if (root is null)
            {
                error.WriteLine("error: no Intelligence.sln found above the current folder; pass --repo");
                return 1;
            }
            var subnetName = parseResult.GetRequiredValue(name);
            var destination = parseResult.GetValue(outputDir)?.FullName ?? Path.Combine(root, "subnets", subnetName);
            try
            {
                var files = SubnetScaffold.Create(Path.Combine(root, "subnets", SubnetScaffold.TemplateName), destination, subnetName, root);
                output.WriteLine($"created subnet '{subnetName}' in {destination} ({files.Count} files)");
                var pascal = SubnetScaffold.PascalName(subnetName);
                output.WriteLine("next:");
                output.WriteLine($"  dotnet sln {Path.Combine(root, "Intelligence.sln")} add {Path.Combine(destination, $"Intelligence.Subnets.{pascal}.csproj")} {Path.Combine(destination, "tests", $"Intelligence.Subnets.{pascal}.Tests.csproj")}");
                output.WriteLine($"  dotnet test {Path.Combine(destination, "tests")} -c Release");
                return 0;
            }
            catch (ArgumentException e)
            {
                error.WriteLine($"error: {e.Message}");
                return 1;
            }
            catch (IOException e)
            {
                error.WriteLine($"error: cannot write {destination}: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}

/// <summary>Finds the repository root (the folder holding Intelligence.sln) from a starting folder.</summary>
internal static class RepositoryRoot
{
    public static string? Find(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Intelligence.sln")))
            {
                return dir.FullName;
            }
        }
        return null;
    }
}
