using System.Numerics;
using Intelligence.Chain.Transactions;

namespace Intelligence.Chain.Rpc;

/// <summary>A transaction was mined but reverted; carries the receipt and, when it can be replayed, the decoded error.</summary>
public sealed class TransactionFailedException(Receipt receipt, ContractRevertException? revert)
    : ChainException("Transaction " + Hex.Encode(receipt.TransactionHash) + " reverted" + (revert is null ? "." : ": " + revert.Message))
{
    /// <summary>The receipt (status 0).</summary>
    public Receipt Receipt { get; } = receipt;

    /// <summary>The decoded revert, when the replay produced one.</summary>
    public ContractRevertException? Revert { get; } = revert;
}

/// <summary>No receipt appeared within the allowed time.</summary>
public sealed class ReceiptTimeoutException(byte[] hash, TimeSpan waited)
    : ChainException($"No receipt for {Hex.Encode(hash)} after {waited.TotalSeconds:0.#} s.")
{
    /// <summary>The transaction hash waited for.</summary>
    public byte[] TransactionHash { get; } = hash;
}

/// <summary>Gas and fee policy for <see cref="TransactionSender"/>.</summary>
public sealed class GasOptions
{
    /// <summary>Estimated gas is multiplied by 1 + this (default 20 %).</summary>
    public double GasMargin { get; init; } = 0.20;

    /// <summary>Blocks of fee history to look at.</summary>
    public int FeeHistoryBlocks { get; init; } = 10;

    /// <summary>Tip percentile taken from each block's rewards.</summary>
    public double TipPercentile { get; init; } = 50;

    /// <summary>Lowest tip offered, in wei.</summary>
    public BigInteger MinPriorityFee { get; init; } = 1_000_000; // 0.001 gwei

    /// <summary>Max fee = base fee * this + tip (2 survives six full blocks of base-fee growth).</summary>
    public int BaseFeeMultiplier { get; init; } = 2;

    /// <summary>Replacement fee bump, as a fraction (nodes need at least 10 %).</summary>
    public double ReplacementBump { get; init; } = 0.125;

    /// <summary>How often to poll for receipts.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(200);
}

/// <summary>Suggested EIP-1559 fees.</summary>
/// <param name="MaxFeePerGas">Cap on base fee + tip.</param>
/// <param name="MaxPriorityFeePerGas">Tip.</param>
public sealed record FeeSuggestion(BigInteger MaxFeePerGas, BigInteger MaxPriorityFeePerGas);

/// <summary>What to send: target, calldata, value; gas is estimated when not given.</summary>
public sealed record TransactionRequest
{
    /// <summary>Target; null deploys <see cref="Data"/> as init code.</summary>
    public Address? To { get; init; }

    /// <summary>Calldata.</summary>
    public byte[] Data { get; init; } = [];

    /// <summary>Wei sent.</summary>
    public BigInteger Value { get; init; }

    /// <summary>Fixed gas limit; estimated with margin when null.</summary>
    public ulong? GasLimit { get; init; }
}

/// <summary>
/// Signs and sends EIP-1559 transactions for one key: nonce from a shared <see cref="NonceManager"/>, gas
/// estimated with a margin, fees from eth_feeHistory, receipts awaited with a timeout, and stuck
/// transactions replaced with bumped fees.
/// </summary>
public sealed class TransactionSender(EthClient client, PrivateKey key, ulong chainId, NonceManager nonces, GasOptions? options = null)
{
    private readonly GasOptions _options = options ?? new GasOptions();

    /// <summary>The sending account.</summary>
    public Address Address => key.Address;

    /// <summary>The client used.</summary>
    public EthClient Client => client;

    /// <summary>Suggests fees: tip = median of recent tip percentiles (at least the floor), max fee = next base fee * k + tip.</summary>
    public async Task<FeeSuggestion> SuggestFeesAsync(CancellationToken ct = default)
    {
        var history = await client.FeeHistoryAsync(_options.FeeHistoryBlocks, [_options.TipPercentile], ct).ConfigureAwait(false);
        var tips = history.Reward.Where(r => r.Count > 0).Select(r => r[0]).Order().ToList();
        var tip = tips.Count == 0 ? BigInteger.Zero : tips[tips.Count / 2];
        tip = BigInteger.Max(tip, _options.MinPriorityFee);
        var nextBase = history.BaseFeePerGas.Count > 0 ? history.BaseFeePerGas[^1] : BigInteger.Zero;
        return new FeeSuggestion((nextBase * _options.BaseFeeMultiplier) + tip, tip);
    }

    /// <summary>eth_estimateGas plus the margin; a revert surfaces as <see cref="ContractRevertException"/>.</summary>
    public async Task<ulong> EstimateGasAsync(TransactionRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var estimate = await client.EstimateGasAsync(new CallRequest { From = Address, To = request.To, Data = request.Data, Value = request.Value }, ct).ConfigureAwait(false);
        return (ulong)Math.Ceiling(estimate * (1 + _options.GasMargin));
    }

    /// <summary>Builds, signs and sends; returns the signed transaction (hash in <see cref="SignedTransaction.Hash"/>).</summary>
    public async Task<SignedTransaction> SendAsync(TransactionRequest request, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ulong gas;
        FeeSuggestion fees;
        try
        {
            gas = request.GasLimit ?? await EstimateGasAsync(request, ct).ConfigureAwait(false);
            fees = await SuggestFeesAsync(ct).ConfigureAwait(false);
        }
        catch (RpcTransportException)
        {
            // The node went away: it may come back as another node (a restarted devnet, a fail-over) whose pending
            // count differs, so the next reservation asks it again rather than trusting the local count.
            nonces.Resync(Address);
            throw;
        }
        var nonce = await nonces.ReserveAsync(Address, ct).ConfigureAwait(false);
        var tx = new Eip1559Transaction
        {
            ChainId = chainId,
            Nonce = nonce,
            GasLimit = gas,
            MaxFeePerGas = fees.MaxFeePerGas,
            MaxPriorityFeePerGas = fees.MaxPriorityFeePerGas,
            To = request.To,
            Value = request.Value,
            Data = request.Data,
        };
        return await SignAndSendAsync(tx, ct).ConfigureAwait(false);
    }

    /// <summary>Sends and waits for the receipt; a reverted transaction is a <see cref="TransactionFailedException"/>.</summary>
    public async Task<Receipt> SendAndWaitAsync(TransactionRequest request, TimeSpan timeout, CancellationToken ct = default)
    {
        var signed = await SendAsync(request, ct).ConfigureAwait(false);
        return await WaitForSuccessAsync(signed, timeout, ct).ConfigureAwait(false);
    }

    /// <summary>Waits for a receipt and throws <see cref="TransactionFailedException"/> (with the replayed revert) on status 0.</summary>
    public async Task<Receipt> WaitForSuccessAsync(SignedTransaction signed, TimeSpan timeout, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(signed);
        var receipt = await WaitForReceiptAsync(signed.Hash, timeout, ct).ConfigureAwait(false);
        if (receipt.Succeeded)
        {
            return receipt;
        }
        ContractRevertException? revert = null;
        try
        {
            var tx = signed.Transaction;
            await client.CallAsync(new CallRequest { From = Address, To = tx.To, Data = tx.Data, Value = tx.Value, Gas = tx.GasLimit },
                receipt.BlockNumber > 0 ? receipt.BlockNumber - 1 : 0, ct).ConfigureAwait(false);
        }
        catch (ContractRevertException e)
        {
            revert = e;
        }
        catch (RpcException)
        {
            // The replay is best effort; the receipt already says it failed.
        }
        throw new TransactionFailedException(receipt, revert);
    }

    /// <summary>Polls for a receipt until it appears or <paramref name="timeout"/> passes (<see cref="ReceiptTimeoutException"/>).</summary>
    public async Task<Receipt> WaitForReceiptAsync(byte[] hash, TimeSpan timeout, CancellationToken ct = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                var receipt = await client.GetReceiptAsync(hash, deadline.Token).ConfigureAwait(false);
                if (receipt is not null)
                {
                    return receipt;
                }
                await Task.Delay(_options.PollInterval, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ReceiptTimeoutException(hash, timeout);
        }
    }

    /// <summary>
    /// Replaces a pending transaction with the same nonce and fees raised by the replacement bump (and at least
    /// the current suggestion).
    /// </summary>
    public async Task<SignedTransaction> ResubmitWithBumpedFeesAsync(SignedTransaction stuck, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(stuck);
        if (stuck.Transaction is not Eip1559Transaction old)
        {
            throw new ArgumentException("Only EIP-1559 transactions are resubmitted.", nameof(stuck));
        }
        var fees = await SuggestFeesAsync(ct).ConfigureAwait(false);
        var tip = BigInteger.Max(Bump(old.MaxPriorityFeePerGas), fees.MaxPriorityFeePerGas);
        var max = BigInteger.Max(Bump(old.MaxFeePerGas), fees.MaxFeePerGas);
        return await SignAndSendAsync(old with { MaxPriorityFeePerGas = tip, MaxFeePerGas = BigInteger.Max(max, tip) }, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends, and while no receipt appears within <paramref name="stuckAfter"/>, replaces the transaction with
    /// bumped fees (up to <paramref name="maxBumps"/> times); returns whichever version was mined.
    /// </summary>
    public async Task<Receipt> SendWithResubmitAsync(TransactionRequest request, TimeSpan stuckAfter, int maxBumps, CancellationToken ct = default)
    {
        var versions = new List<SignedTransaction> { await SendAsync(request, ct).ConfigureAwait(false) };
        for (var bump = 0; ; bump++)
        {
            var mined = await WaitForAnyAsync(versions, stuckAfter, ct).ConfigureAwait(false);
            if (mined is not null)
            {
                return mined;
            }
            if (bump >= maxBumps)
            {
                throw new ReceiptTimeoutException(versions[^1].Hash, stuckAfter * (maxBumps + 1));
            }
            versions.Add(await ResubmitWithBumpedFeesAsync(versions[^1], ct).ConfigureAwait(false));
        }
    }

    private async Task<Receipt?> WaitForAnyAsync(IReadOnlyList<SignedTransaction> versions, TimeSpan timeout, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                foreach (var v in versions)
                {
                    var receipt = await client.GetReceiptAsync(v.Hash, deadline.Token).ConfigureAwait(false);
                    if (receipt is not null)
                    {
                        return receipt;
                    }
                }
                await Task.Delay(_options.PollInterval, deadline.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private BigInteger Bump(BigInteger fee) => fee + BigInteger.Max(1, (BigInteger)Math.Ceiling((double)fee * _options.ReplacementBump));

    private async Task<SignedTransaction> SignAndSendAsync(Transaction tx, CancellationToken ct)
    {
        var signed = tx.Sign(key);
        try
        {
            await client.SendRawTransactionAsync(signed.Raw, ct).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.RpcMessage.Contains("already known", StringComparison.OrdinalIgnoreCase))
        {
            // A retried send the node already holds: same hash, nothing to do.
        }
        catch (Exception e) when (e is RpcException or RpcTransportException)
        {
            nonces.Resync(Address);
            throw;
        }
        return signed;
    }
}
