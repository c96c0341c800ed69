using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Intelligence.Chain.Contracts;

namespace Intelligence.Chain.Rpc;

/// <summary>
/// Typed eth_* calls over a <see cref="JsonRpcClient"/>. Reverts of eth_call and eth_estimateGas come back as
/// <see cref="ContractRevertException"/>, decoded with the custom errors in <see cref="Errors"/>.
/// </summary>
public sealed class EthClient(JsonRpcClient rpc, RevertDecoder? errors = null)
{
    /// <summary>The underlying JSON-RPC client.</summary>
    public JsonRpcClient Rpc { get; } = rpc ?? throw new ArgumentNullException(nameof(rpc));

    /// <summary>Custom errors known when decoding reverts; add a contract's errors here.</summary>
    public RevertDecoder Errors { get; } = errors ?? new RevertDecoder();

    /// <summary>eth_chainId.</summary>
    public async Task<ulong> ChainIdAsync(CancellationToken ct = default) =>
        RpcHex.ParseULong(await Rpc.CallAsync("eth_chainId", [], ct).ConfigureAwait(false));

    /// <summary>eth_blockNumber.</summary>
    public async Task<ulong> BlockNumberAsync(CancellationToken ct = default) =>
        RpcHex.ParseULong(await Rpc.CallAsync("eth_blockNumber", [], ct).ConfigureAwait(false));

    /// <summary>eth_getBalance at the latest block.</summary>
    public async Task<BigInteger> GetBalanceAsync(Address address, CancellationToken ct = default) =>
        RpcHex.ParseQuantity(await Rpc.CallAsync("eth_getBalance", [address.ToLowerHex(), "latest"], ct).ConfigureAwait(false));

    /// <summary>eth_getTransactionCount; <paramref name="pending"/> counts transactions in the pool too.</summary>
    public async Task<ulong> GetTransactionCountAsync(Address address, bool pending = true, CancellationToken ct = default) =>
        RpcHex.ParseULong(await Rpc.CallAsync("eth_getTransactionCount", [address.ToLowerHex(), pending ? "pending" : "latest"], ct).ConfigureAwait(false));

    /// <summary>eth_getCode.</summary>
    public async Task<byte[]> GetCodeAsync(Address address, CancellationToken ct = default) =>
        RpcHex.ParseData(await Rpc.CallAsync("eth_getCode", [address.ToLowerHex(), "latest"], ct).ConfigureAwait(false));

    /// <summary>eth_getBlockByNumber without transactions; null when the block does not exist yet.</summary>
    public async Task<BlockHeader?> GetBlockAsync(ulong? number = null, CancellationToken ct = default)
    {
        var result = await Rpc.CallAsync("eth_getBlockByNumber", [RpcHex.Block(number), false], ct).ConfigureAwait(false);
        return result.ValueKind == JsonValueKind.Null ? null : RpcHex.Shape("block", result, BlockHeader.Parse);
    }

    /// <summary>eth_call; a revert is a <see cref="ContractRevertException"/>.</summary>
    public async Task<byte[]> CallAsync(CallRequest call, ulong? block = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return RpcHex.ParseData(await Rpc.CallAsync("eth_call", [call.ToJson(), RpcHex.Block(block)], ct).ConfigureAwait(false));
        }
        catch (RpcException e) when (RevertData(e) is { } data)
        {
            throw Errors.Decode(data);
        }
    }

    /// <summary>eth_estimateGas; a revert is a <see cref="ContractRevertException"/>.</summary>
    public async Task<ulong> EstimateGasAsync(CallRequest call, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        try
        {
            return RpcHex.ParseULong(await Rpc.CallAsync("eth_estimateGas", [call.ToJson()], ct).ConfigureAwait(false));
        }
        catch (RpcException e) when (RevertData(e) is { } data)
        {
            throw Errors.Decode(data);
        }
    }

    /// <summary>eth_sendRawTransaction; returns the transaction hash.</summary>
    public async Task<byte[]> SendRawTransactionAsync(byte[] raw, CancellationToken ct = default) =>
        RpcHex.ParseData(await Rpc.CallAsync("eth_sendRawTransaction", [Hex.Encode(raw)], ct).ConfigureAwait(false));

    /// <summary>eth_getTransactionReceipt; null while the transaction is not mined.</summary>
    public async Task<Receipt?> GetReceiptAsync(byte[] transactionHash, CancellationToken ct = default)
    {
        var result = await Rpc.CallAsync("eth_getTransactionReceipt", [Hex.Encode(transactionHash)], ct).ConfigureAwait(false);
        return result.ValueKind == JsonValueKind.Null ? null : RpcHex.Shape("receipt", result, Receipt.Parse);
    }

    /// <summary>eth_feeHistory over the last <paramref name="blocks"/> blocks with the given tip percentiles.</summary>
    public async Task<FeeHistory> FeeHistoryAsync(int blocks, IReadOnlyList<double> percentiles, CancellationToken ct = default)
    {
        var p = new JsonArray(percentiles.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
        var answer = await Rpc.CallAsync("eth_feeHistory", [RpcHex.Quantity(blocks), "latest", p], ct).ConfigureAwait(false);
        return RpcHex.Shape("fee history", answer, ParseFeeHistory);
    }

    private static FeeHistory ParseFeeHistory(JsonElement r)
    {
        var rewards = r.TryGetProperty("reward", out var rw) && rw.ValueKind == JsonValueKind.Array
            ? rw.EnumerateArray().Select(row => (IReadOnlyList<BigInteger>)row.EnumerateArray().Select(RpcHex.ParseQuantity).ToList()).ToList()
            : [];
        return new FeeHistory(
            RpcHex.ParseULong(r.GetProperty("oldestBlock")),
            r.GetProperty("baseFeePerGas").EnumerateArray().Select(RpcHex.ParseQuantity).ToList(),
            r.TryGetProperty("gasUsedRatio", out var g) ? g.EnumerateArray().Select(x => x.GetDouble()).ToList() : [],
            rewards);
    }

    /// <summary>eth_getLogs for one range (see <see cref="GetLogsPagedAsync"/> for large ranges).</summary>
    public async Task<IReadOnlyList<Log>> GetLogsAsync(LogFilter filter, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return await GetLogsRangeAsync(filter, filter.FromBlock, filter.ToBlock, ct).ConfigureAwait(false);
    }

    private async Task<IReadOnlyList<Log>> GetLogsRangeAsync(LogFilter filter, ulong from, ulong to, CancellationToken ct)
    {
        var result = await Rpc.CallAsync("eth_getLogs", [filter.ToJson(from, to)], ct).ConfigureAwait(false);
        return RpcHex.Shape("log list", result, r => r.EnumerateArray().Select(Log.Parse).ToList());
    }

    /// <summary>
    /// eth_getLogs in pages of at most <paramref name="pageSize"/> blocks. A page the node refuses (too many
    /// results, range too large) is split in half and retried, down to one block.
    /// </summary>
    public async Task<IReadOnlyList<Log>> GetLogsPagedAsync(LogFilter filter, ulong pageSize = 2000, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfZero(pageSize);
        var all = new List<Log>();
        var from = filter.FromBlock;
        var size = pageSize;
        while (from <= filter.ToBlock)
        {
            var to = Math.Min(filter.ToBlock, from + size - 1);
            try
            {
                all.AddRange(await GetLogsRangeAsync(filter, from, to, ct).ConfigureAwait(false));
            }
            catch (RpcException) when (to > from)
            {
                size = Math.Max(1, (to - from + 1) / 2);
                continue;
            }
            if (to == ulong.MaxValue)
            {
                break;
            }
            from = to + 1;
        }
        return all;
    }

    /// <summary>The revert data in an RPC error (code 3 / "execution reverted"), when present.</summary>
    public static byte[]? RevertData(RpcException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error.ErrorData is { ValueKind: JsonValueKind.String } d && d.GetString() is { } text && text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                return Hex.Decode(text);
            }
            catch (ChainFormatException)
            {
                return null;
            }
        }
        if (error.Code == 3 || error.RpcMessage.Contains("revert", StringComparison.OrdinalIgnoreCase))
        {
            return [];
        }
        return null;
    }
}
