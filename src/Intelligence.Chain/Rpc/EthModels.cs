using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Intelligence.Chain.Rpc;

/// <summary>Hex quantity and data conversions used on the JSON-RPC wire.</summary>
public static class RpcHex
{
    /// <summary>A quantity: 0x-prefixed hex without leading zeros ("0x0" for zero).</summary>
    public static string Quantity(BigInteger value) =>
        value.Sign < 0 ? throw new ArgumentOutOfRangeException(nameof(value)) : "0x" + (value.IsZero ? "0" : value.ToString("x", CultureInfo.InvariantCulture).TrimStart('0'));

    /// <summary>Parses a quantity.</summary>
    public static BigInteger ParseQuantity(string? hex)
    {
        if (hex is null || !hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || hex.Length < 3)
        {
            throw new RpcTransportException($"'{hex}' is not a hex quantity.");
        }
        return BigInteger.TryParse("0" + hex[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new RpcTransportException($"'{hex}' is not a hex quantity.");
    }

    /// <summary>Runs a parser over a node's answer; a missing or mistyped field becomes an <see cref="RpcTransportException"/>.</summary>
    public static T Shape<T>(string what, JsonElement element, Func<JsonElement, T> parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        try
        {
            return parse(element);
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or ChainFormatException or OverflowException)
        {
            throw new RpcTransportException($"The node's {what} is malformed: {e.Message}", e);
        }
    }

    /// <summary>Parses a quantity JSON value.</summary>
    public static BigInteger ParseQuantity(JsonElement e) =>
        ParseQuantity(e.ValueKind == JsonValueKind.String ? e.GetString() : throw new RpcTransportException($"Expected a hex quantity, got {e.ValueKind}."));

    /// <summary>Parses a quantity that fits 64 bits.</summary>
    public static ulong ParseULong(JsonElement e)
    {
        var value = ParseQuantity(e);
        return value <= ulong.MaxValue ? (ulong)value : throw new RpcTransportException($"Quantity {value} does not fit 64 bits.");
    }

    /// <summary>Parses data (0x hex bytes).</summary>
    public static byte[] ParseData(JsonElement e)
    {
        try
        {
            return Hex.Decode(e.ValueKind == JsonValueKind.String ? e.GetString()! : throw new RpcTransportException($"Expected hex data, got {e.ValueKind}."));
        }
        catch (ChainFormatException ex)
        {
            throw new RpcTransportException("Expected hex data: " + ex.Message);
        }
    }

    /// <summary>A block tag or number as JSON.</summary>
    public static JsonNode Block(ulong? number) => number is { } n ? Quantity(n) : "latest";
}

/// <summary>A contract log.</summary>
public sealed record Log(Address Address, IReadOnlyList<byte[]> Topics, byte[] Data, ulong BlockNumber, byte[] BlockHash, byte[] TransactionHash, ulong LogIndex, bool Removed)
{
    internal static Log Parse(JsonElement e) => new(
        Address.Parse(e.GetProperty("address").GetString()!),
        e.GetProperty("topics").EnumerateArray().Select(RpcHex.ParseData).ToList(),
        RpcHex.ParseData(e.GetProperty("data")),
        RpcHex.ParseULong(e.GetProperty("blockNumber")),
        RpcHex.ParseData(e.GetProperty("blockHash")),
        RpcHex.ParseData(e.GetProperty("transactionHash")),
        RpcHex.ParseULong(e.GetProperty("logIndex")),
        e.TryGetProperty("removed", out var r) && r.ValueKind == JsonValueKind.True);
}

/// <summary>A transaction receipt.</summary>
public sealed record Receipt(byte[] TransactionHash, ulong BlockNumber, bool Succeeded, ulong GasUsed, BigInteger EffectiveGasPrice, Address? ContractAddress, IReadOnlyList<Log> Logs)
{
    internal static Receipt Parse(JsonElement e) => new(
        RpcHex.ParseData(e.GetProperty("transactionHash")),
        RpcHex.ParseULong(e.GetProperty("blockNumber")),
        RpcHex.ParseQuantity(e.GetProperty("status")) == 1,
        RpcHex.ParseULong(e.GetProperty("gasUsed")),
        e.TryGetProperty("effectiveGasPrice", out var p) ? RpcHex.ParseQuantity(p) : BigInteger.Zero,
        e.TryGetProperty("contractAddress", out var c) && c.ValueKind == JsonValueKind.String ? Address.Parse(c.GetString()!) : null,
        e.GetProperty("logs").EnumerateArray().Select(Log.Parse).ToList());
}

/// <summary>The header fields this client reads from a block.</summary>
public sealed record BlockHeader(ulong Number, byte[] Hash, byte[] ParentHash, ulong Timestamp, BigInteger? BaseFeePerGas)
{
    internal static BlockHeader Parse(JsonElement e) => new(
        RpcHex.ParseULong(e.GetProperty("number")),
        RpcHex.ParseData(e.GetProperty("hash")),
        RpcHex.ParseData(e.GetProperty("parentHash")),
        RpcHex.ParseULong(e.GetProperty("timestamp")),
        e.TryGetProperty("baseFeePerGas", out var b) && b.ValueKind == JsonValueKind.String ? RpcHex.ParseQuantity(b) : null);
}

/// <summary>Fee history: base fees (one more than blocks: the next block's) and tip percentiles per block.</summary>
public sealed record FeeHistory(ulong OldestBlock, IReadOnlyList<BigInteger> BaseFeePerGas, IReadOnlyList<double> GasUsedRatio, IReadOnlyList<IReadOnlyList<BigInteger>> Reward);

/// <summary>Parameters of eth_call / eth_estimateGas.</summary>
public sealed record CallRequest
{
    /// <summary>Sender.</summary>
    public Address? From { get; init; }

    /// <summary>Target; null for contract creation.</summary>
    public Address? To { get; init; }

    /// <summary>Calldata.</summary>
    public byte[] Data { get; init; } = [];

    /// <summary>Wei sent.</summary>
    public BigInteger Value { get; init; }

    /// <summary>Gas limit, when fixed.</summary>
    public ulong? Gas { get; init; }

    internal JsonObject ToJson()
    {
        var o = new JsonObject();
        if (From is { } from)
        {
            o["from"] = from.ToLowerHex();
        }
        if (To is { } to)
        {
            o["to"] = to.ToLowerHex();
        }
        o["input"] = Hex.Encode(Data);
        if (!Value.IsZero)
        {
            o["value"] = RpcHex.Quantity(Value);
        }
        if (Gas is { } gas)
        {
            o["gas"] = RpcHex.Quantity(gas);
        }
        return o;
    }
}

/// <summary>An eth_getLogs filter over a block range.</summary>
public sealed record LogFilter
{
    /// <summary>First block (inclusive).</summary>
    public required ulong FromBlock { get; init; }

    /// <summary>Last block (inclusive).</summary>
    public required ulong ToBlock { get; init; }

    /// <summary>Contract addresses (any of); empty for all.</summary>
    public IReadOnlyList<Address> Addresses { get; init; } = [];

    /// <summary>Topic filters by position; null matches anything, several values match any of them.</summary>
    public IReadOnlyList<IReadOnlyList<byte[]>?> Topics { get; init; } = [];

    internal JsonObject ToJson(ulong from, ulong to)
    {
        var o = new JsonObject { ["fromBlock"] = RpcHex.Quantity(from), ["toBlock"] = RpcHex.Quantity(to) };
        if (Addresses.Count > 0)
        {
            o["address"] = new JsonArray(Addresses.Select(a => (JsonNode?)JsonValue.Create(a.ToLowerHex())).ToArray());
        }
        if (Topics.Count > 0)
        {
            o["topics"] = new JsonArray(Topics.Select(t => t is null ? null : (JsonNode)new JsonArray(t.Select(x => (JsonNode?)JsonValue.Create(Hex.Encode(x))).ToArray())).ToArray());
        }
        return o;
    }
}
