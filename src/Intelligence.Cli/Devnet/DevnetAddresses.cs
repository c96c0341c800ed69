using System.Globalization;
using System.Text.Json;
using Intelligence.Chain;

namespace Intelligence.Cli.Devnet;

/// <summary>
/// Where the contracts of a deployment live: the JSON that contracts/script/Deploy.s.sol writes
/// (<c>{"chainId","network","token","views","yuma","minSubnetCost","startBlock"}</c>).
/// </summary>
internal sealed record DevnetAddresses(ulong ChainId, Address Network, Address Token, Address Views, Address Yuma, ulong StartBlock)
{
    /// <summary>Reads an addresses file; a missing field or a bad address is a <see cref="FormatException"/>.</summary>
    public static DevnetAddresses Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        return new DevnetAddresses(
            Number(root, "chainId"),
            AddressOf(root, "network"),
            AddressOf(root, "token"),
            AddressOf(root, "views"),
            AddressOf(root, "yuma"),
            Number(root, "startBlock"));
    }

    private static ulong Number(JsonElement root, string name) =>
        root.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetUInt64(out var v)
            ? v
            : throw new FormatException($"addresses: '{name}' must be a non-negative integer");

    private static Address AddressOf(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.String)
        {
            throw new FormatException($"addresses: '{name}' is missing or not a string");
        }
        try
        {
            return Address.Parse(e.GetString()!);
        }
        catch (ChainFormatException ex)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"addresses: '{name}': {ex.Message}"), ex);
        }
    }
}
