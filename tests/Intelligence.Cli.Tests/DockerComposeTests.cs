using System.Text.RegularExpressions;
using System.Xml.Linq;
using YamlDotNet.RepresentationModel;

namespace Intelligence.Cli.Tests;

/// <summary>
/// docker-compose.yml checked against the repository (no Docker engine runs here): build contexts and Dockerfiles
/// exist and are multi-stage and non-root, each image's project and assembly are real, every flag and environment
/// key is a configuration key of the binaries, CLI commands parse, mounted files exist, and host ports do not collide.
/// </summary>
public sealed partial class DockerComposeTests
{
    /// <summary>The binaries' configuration keys (the contract between the binaries, the devnet and this file).</summary>
    private static readonly HashSet<string> NodeKeys = new(StringComparer.Ordinal)
    {
        "Chain:RpcUrl", "Chain:AddressesFile", "Chain:ChainId", "Chain:CallTimeout",
        "Wallet:Root", "Wallet:Name", "Wallet:Hotkey", "Wallet:PasswordFile",
        "Subnet:Netuid", "Subnet:Name", "State:Redis", "State:DataDir",
        "Telemetry:OtlpEndpoint", "Telemetry:Prometheus", "Health:Urls",
        "Miner:Model", "Miner:Provider", "Miner:Listen", "Miner:ExternalAddress", "Miner:Register", "Miner:ForceValidatorPermit", "Miner:MinStake",
        "Validator:StepInterval", "Validator:QueryTimeout", "Validator:SampleSize", "Validator:Alpha", "Validator:WeightsIntervalBlocks",
        "Validator:RunEpochs", "Validator:EvidenceRetention", "Validator:Workers", "Validator:WorkerIndex", "Validator:LeaseTime",
        "Explorer:Urls", "Explorer:DataDir",
    };

    /// <summary>The binaries the compose file may build before their projects are in this checkout (they arrive with their issues).</summary>
    private static readonly Dictionary<string, string> ContractBinaries = new(StringComparer.Ordinal)
    {
        ["Intelligence.Miner"] = "intelligence-miner",
        ["Intelligence.Validator"] = "intelligence-validator",
        ["Intelligence.Explorer"] = "intelligence-explorer",
    };

    private static readonly string Root = RepoPaths.Root();

    private static YamlMappingNode Services()
    {
        var yaml = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(Path.Combine(Root, "docker-compose.yml"))))
        {
            yaml.Load(reader);
        }
        return (YamlMappingNode)((YamlMappingNode)yaml.Documents[0].RootNode)["services"];
    }

    /// <summary>A key of a mapping, following YAML merge keys (<c>&lt;&lt;: *anchor</c>) as compose does.</summary>
    private static YamlNode? Get(YamlMappingNode map, string key)
    {
        if (map.Children.TryGetValue(new YamlScalarNode(key), out var v))
        {
            return v;
        }
        return map.Children.TryGetValue(new YamlScalarNode("<<"), out var merged) && merged is YamlMappingNode m ? Get(m, key) : null;
    }

    private static IEnumerable<(string Name, YamlMappingNode Service)> All() =>
        Services().Children.Select(kv => (((YamlScalarNode)kv.Key).Value!, (YamlMappingNode)kv.Value));

    private static List<string> Strings(YamlNode? node) => node switch
    {
        YamlSequenceNode seq => [.. seq.Children.Select(c => ((YamlScalarNode)c).Value!)],
        YamlScalarNode s => [s.Value!],
        _ => [],
    };

    [Fact]
    public void EveryBuild_HasARealContextAndAMultiStageNonRootDockerfile()
    {
        var builds = 0;
        foreach (var (name, service) in All())
        {
            if (Get(service, "build") is not YamlMappingNode build)
            {
                Assert.True(Get(service, "image") is YamlScalarNode, $"{name} has neither build nor image");
                continue;
            }
            builds++;
            var context = Path.GetFullPath(Path.Combine(Root, ((YamlScalarNode)Get(build, "context")!).Value!));
            Assert.True(Directory.Exists(context), $"{name}: build context {context} does not exist");
            var dockerfile = Path.Combine(context, ((YamlScalarNode)Get(build, "dockerfile")!).Value!);
            Assert.True(File.Exists(dockerfile), $"{name}: {dockerfile} does not exist");
            var text = File.ReadAllLines(dockerfile);
            Assert.True(text.Count(l => l.StartsWith("FROM ", StringComparison.Ordinal)) >= 2, $"{name}: {dockerfile} is not multi-stage");
            var user = text.LastOrDefault(l => l.StartsWith("USER ", StringComparison.Ordinal));
            Assert.True(user is not null && user.Trim() != "USER root" && user.Trim() != "USER 0", $"{name}: {dockerfile} runs as root");
        }
        Assert.True(builds >= 5, $"only {builds} services are built from the repository");
    }

    [Fact]
    public void EveryDotnetImage_NamesARealProjectAndItsAssembly()
    {
        foreach (var (name, service) in All())
        {
            if (Get(service, "build") is not YamlMappingNode build || Get(build, "args") is not YamlMappingNode args)
            {
                continue;
            }
            var project = ((YamlScalarNode?)Get(args, "PROJECT"))?.Value;
            var assembly = ((YamlScalarNode?)Get(args, "ASSEMBLY"))?.Value;
            Assert.False(string.IsNullOrEmpty(project), $"{name}: no PROJECT build arg");
            var csproj = Path.Combine(Root, "src", project!, project + ".csproj");
            if (File.Exists(csproj))
            {
                var declared = XDocument.Load(csproj).Descendants("AssemblyName").Select(e => e.Value).FirstOrDefault() ?? project;
                Assert.Equal(declared, assembly);
            }
            else
            {
                Assert.True(ContractBinaries.TryGetValue(project!, out var expected), $"{name}: project {project} is neither in src/ nor a contract binary");
                Assert.Equal(expected, assembly);
            }
        }
    }

    [Fact]
    public void Flags_EnvironmentKeys_AndCliCommands_AreReal()
    {
        foreach (var (name, service) in All())
        {
            var args = Get(service, "build") is YamlMappingNode b && Get(b, "args") is YamlMappingNode a ? ((YamlScalarNode?)Get(a, "PROJECT"))?.Value : null;
            var command = Strings(Get(service, "command"));
            if (args == "Intelligence.Cli")
            {
                if (command.Count > 0)
                {
                    var parse = Program.BuildRoot().Parse([.. command]);
                    Assert.True(parse.Errors.Count == 0, $"{name}: `intelligence {string.Join(' ', command)}`: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
                }
            }
            else if (args is not null)
            {
                foreach (var flag in command.Where(c => c.StartsWith("--", StringComparison.Ordinal)))
                {
                    Assert.True(NodeKeys.Contains(flag[2..]), $"{name}: flag {flag} is not a configuration key");
                    AssertKeyInSource(args, flag[2..]);
                }
            }
            if (Get(service, "environment") is YamlMappingNode env)
            {
                var keys = env.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).ToList();
                if (env.Children.TryGetValue(new YamlScalarNode("<<"), out var inherited) && inherited is YamlMappingNode im)
                {
                    keys.AddRange(im.Children.Keys.Select(k => ((YamlScalarNode)k).Value!));
                }
                foreach (var key in keys.Where(k => k.StartsWith("INTELLIGENCE__", StringComparison.Ordinal)))
                {
                    var configKey = key["INTELLIGENCE__".Length..].Replace("__", ":", StringComparison.Ordinal);
                    Assert.True(NodeKeys.Contains(configKey), $"{name}: environment {key} maps to no configuration key");
                    if (args is not null)
                    {
                        AssertKeyInSource(args, configKey);
                    }
                }
            }
        }
    }

    [Fact]
    public void InitScript_UsesRealCliCommands()
    {
        var script = File.ReadAllLines(Path.Combine(Root, "docker", "init-network.sh"));
        var calls = script.Select(l => l.Trim()).Where(l => l.StartsWith("$I ", StringComparison.Ordinal) || l.Contains("until $I ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(calls);
        foreach (var line in calls)
        {
            var words = line[(line.IndexOf("$I ", StringComparison.Ordinal) + 3)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .TakeWhile(w => w != ";" && w != "do").Select(w => w.Trim('"').Replace("$h", "hk", StringComparison.Ordinal)).ToArray();
            var parse = Program.BuildRoot().Parse(words);
            Assert.True(parse.Errors.Count == 0, $"`intelligence {string.Join(' ', words)}`: {string.Join("; ", parse.Errors.Select(e => e.Message))}");
        }
    }

    /// <summary>When the binary's project is in the checkout, the key's property must be declared in the options of a project under src/ (its own, the shared node or telemetry library).</summary>
    private static void AssertKeyInSource(string project, string key)
    {
        var dirs = Directory.GetDirectories(Path.Combine(Root, "src")).Where(d => !d.EndsWith("Intelligence.Cli", StringComparison.Ordinal)).ToList();
        if (!Directory.Exists(Path.Combine(Root, "src", project)))
        {
            return; // arrives with its issue; the key is still checked against the contract's list above
        }
        var property = key[(key.IndexOf(':', StringComparison.Ordinal) + 1)..];
        var found = dirs.SelectMany(d => Directory.GetFiles(d, "*.cs", SearchOption.AllDirectories)).Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Any(f => Regex.IsMatch(File.ReadAllText(f), $@"\b{Regex.Escape(property)}\s*\{{\s*get;"));
        Assert.True(found, $"{project}: no options property '{property}' for {key}");
    }

    [Fact]
    public void MountedFilesExist_AndHostPortsDoNotCollide()
    {
        var ports = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, service) in All())
        {
            foreach (var volume in Strings(Get(service, "volumes")).Where(v => v.StartsWith("./", StringComparison.Ordinal)))
            {
                var path = Path.Combine(Root, volume.Split(':')[0]);
                Assert.True(File.Exists(path) || Directory.Exists(path), $"{name}: mounted {path} does not exist");
            }
            foreach (var port in Strings(Get(service, "ports")))
            {
                var parts = port.Split(':');
                var host = parts.Length == 3 ? parts[0] + ":" + parts[1] : parts[0];
                Assert.True(ports.TryAdd(host, name), $"{name} and {ports.GetValueOrDefault(host)} both publish {host}");
            }
        }
        Assert.True(ports.Count >= 5);
    }
}
