using System.Runtime.CompilerServices;

namespace Intelligence.Chain.Rpc;

/// <summary>
/// Follows the chain by polling: new block headers, or logs matching a filter, in order, each delivered once.
/// Lags <see cref="Confirmations"/> blocks behind the head so shallow reorganisations are not seen.
/// </summary>
public sealed class ChainFollower(EthClient client, TimeSpan pollInterval, ulong confirmations = 0)
{
    /// <summary>Blocks to stay behind the head.</summary>
    public ulong Confirmations { get; } = confirmations;

    private async Task<ulong?> SafeHeadAsync(CancellationToken ct)
    {
        var head = await client.BlockNumberAsync(ct).ConfigureAwait(false);
        return head >= Confirmations ? head - Confirmations : null;
    }

    /// <summary>Yields headers from <paramref name="fromBlock"/> on, until cancelled.</summary>
    public async IAsyncEnumerable<BlockHeader> FollowBlocksAsync(ulong fromBlock, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var next = fromBlock;
        while (true)
        {
            var head = await SafeHeadAsync(ct).ConfigureAwait(false);
            if (head is { } h && h >= next)
            {
                for (; next <= h; next++)
                {
                    var block = await client.GetBlockAsync(next, ct).ConfigureAwait(false);
                    if (block is null)
                    {
                        break;
                    }
                    yield return block;
                }
                continue;
            }
            await Task.Delay(pollInterval, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Yields logs matching <paramref name="filter"/> (its block range is ignored) from <paramref name="fromBlock"/>
    /// on, paging large catch-ups, until cancelled.
    /// </summary>
    public async IAsyncEnumerable<Log> FollowLogsAsync(LogFilter filter, ulong fromBlock, ulong pageSize = 2000, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var next = fromBlock;
        while (true)
        {
            var head = await SafeHeadAsync(ct).ConfigureAwait(false);
            if (head is { } h && h >= next)
            {
                var logs = await client.GetLogsPagedAsync(filter with { FromBlock = next, ToBlock = h }, pageSize, ct).ConfigureAwait(false);
                foreach (var log in logs.OrderBy(l => l.BlockNumber).ThenBy(l => l.LogIndex))
                {
                    yield return log;
                }
                next = h + 1;
                continue;
            }
            await Task.Delay(pollInterval, ct).ConfigureAwait(false);
        }
    }
}
