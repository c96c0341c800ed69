using System.Globalization;
using System.Text.Json;
using Intelligence.Chain;

namespace Intelligence.Node;

/// <summary>
/// Where a deployment's contracts live: the JSON contracts/script/Deploy.s.sol writes
/// (<c>{"chainId","network","token","views","yuma","minSubnetCost","startBlock"}</c>).
/// </summary>
public sealed record Deployment(ulong ChainId, Address Network, Address Token, Address Views, Address Yuma, ulong StartBlock)
{
    /// <summary>Reads an addresses file; a missing field or a bad address is a <see cref="NodeStartupException"/> naming it.</summary>
    public static Deployment Load(string path)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            return new Deployment(Number(root, "chainId", path), AddressOf(root, "network", path), AddressOf(root, "token", path),
                AddressOf(root, "views", path), AddressOf(root, "yuma", path), Number(root, "startBlock", path));
        }
        catch (JsonException e)
        {
            throw new NodeStartupException($"Chain:AddressesFile: '{path}' is not JSON: {e.Message}");
        }
        catch (IOException e)
        {
            throw new NodeStartupException($"Chain:AddressesFile: cannot read '{path}': {e.Message}");
        }
    }

    private static ulong Number(JsonElement root, string name, string path) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetUInt64(out var v)
            ? v
            : throw new NodeStartupException($"Chain:AddressesFile: '{path}': '{name}' must be a non-negative integer");

    private static Address AddressOf(JsonElement root, string name, string path)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.String)
        {
            throw new NodeStartupException($"Chain:AddressesFile: '{path}': '{name}' is missing or not a string");
        }
        return Address.TryParse(e.GetString()!, out var a)
            ? a
            : throw new NodeStartupException(string.Create(CultureInfo.InvariantCulture, $"Chain:AddressesFile: '{path}': '{name}' is not an address"));
    }
}
