using System.Text.Json;
using System.Text.Json.Serialization;
using Intelligence.Cli.Commands;

namespace Intelligence.Cli.Devnet;

/// <summary>One process the devnet started.</summary>
internal sealed record DevnetChild(string Name, int Pid, string Executable, string Log, string? Ready);

/// <summary>One subnet of the devnet.</summary>
internal sealed record DevnetSubnet(string Name, ushort Netuid);

/// <summary>
/// <c>.devnet/devnet.json</c>: what a running <c>devnet up</c> started (its own pid, anvil, every node), so that
/// <c>devnet status</c> and <c>devnet down</c> in another terminal, and other commands' defaults, can find it.
/// </summary>
internal sealed record DevnetState
{
    public const string FileName = "devnet.json";

    public int UpPid { get; init; }
    public string Rpc { get; init; } = "";
    public string AddressesFile { get; init; } = "";
    public string? ExplorerUrl { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public List<DevnetSubnet> Subnets { get; init; } = [];
    public List<DevnetChild> Children { get; init; } = [];

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static DevnetState? TryLoad(string devnetDir)
    {
        var path = Path.Combine(devnetDir, FileName);
        try
        {
            return File.Exists(path) ? JsonSerializer.Deserialize<DevnetState>(File.ReadAllText(path), Options) : null;
        }
        catch (JsonException)
        {
            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The state of a devnet whose <c>up</c> is still running, found from the current folder's repository.</summary>
    public static DevnetState? TryLoadForCurrentFolder()
    {
        var root = RepositoryRoot.Find(Environment.CurrentDirectory);
        if (root is null)
        {
            return null;
        }
        var state = TryLoad(Path.Combine(root, ".devnet"));
        return state is not null && ProcessSupervisor.IsAlive(state.UpPid) ? state : null;
    }

    public void Save(string devnetDir)
    {
        var path = Path.Combine(devnetDir, FileName);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Options));
        File.Move(tmp, path, overwrite: true);
    }
}
