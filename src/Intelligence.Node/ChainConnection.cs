using System.Globalization;
using System.Numerics;
using Intelligence.Chain;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Rpc;

namespace Intelligence.Node;

/// <summary>
/// The node's one connection to the chain: an RPC client whose every call is bounded by <c>Chain:CallTimeout</c>,
/// the deployment checked against the node (chain id), and typed contracts with the hotkey as sender. Everything a
/// node does on chain goes through this file, so a change of chain client stays here.
/// </summary>
public sealed class ChainConnection : IDisposable
{
    private readonly NonceManager _nonces;
    private readonly ChainOptions _options;

    private ChainConnection(ChainOptions options, EthClient eth, Deployment deployment, ulong chainId, PrivateKey hotkey)
    {
        _options = options;
        Eth = eth;
        Deployment = deployment;
        ChainId = chainId;
        Hotkey = hotkey;
        _nonces = new NonceManager(eth);
        Views = new NetworkViewsContract(eth, deployment.Network);
        Network = new NetworkContract(eth, deployment.Network, SenderFor(hotkey)) { ReceiptTimeout = options.ReceiptTimeout };
        Metagraph = new Metagraph(eth, deployment.Network);
    }

    /// <summary>The RPC client.</summary>
    public EthClient Eth { get; }

    /// <summary>The deployment.</summary>
    public Deployment Deployment { get; }

    /// <summary>The node's chain id (equal to the deployment's).</summary>
    public ulong ChainId { get; }

    /// <summary>The node's hotkey (owned by the caller).</summary>
    public PrivateKey Hotkey { get; }

    /// <summary>The Network contract, transactions sent by the hotkey.</summary>
    public NetworkContract Network { get; }

    /// <summary>The read-only views of the Network contract.</summary>
    public NetworkViewsContract Views { get; }

    /// <summary>The metagraph reader.</summary>
    public Metagraph Metagraph { get; }

    /// <summary>Timeout of one RPC call.</summary>
    public TimeSpan CallTimeout => _options.CallTimeout;

    /// <summary>Connects, checks the chain id against the node, the addresses file and <c>Chain:ChainId</c>.</summary>
    /// <exception cref="NodeStartupException">Node unreachable, wrong chain, or no contract at the deployment's address.</exception>
    public static async Task<ChainConnection> ConnectAsync(ChainOptions options, PrivateKey hotkey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        var deployment = Deployment.Load(options.AddressesFile);
        var eth = new EthClient(new JsonRpcClient(new Uri(options.RpcUrl), new JsonRpcOptions { RequestTimeout = options.CallTimeout, MaxRetries = 1 }));
        try
        {
            ulong chainId;
            try
            {
                chainId = await eth.ChainIdAsync(ct).WaitAsync(options.CallTimeout * 2, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e))
            {
                throw new NodeStartupException($"Chain:RpcUrl: cannot reach the chain node at {options.RpcUrl}: {e.Message}");
            }
            if (chainId != deployment.ChainId)
            {
                throw new NodeStartupException(string.Create(CultureInfo.InvariantCulture,
                    $"Chain:AddressesFile: the node at {options.RpcUrl} is chain {chainId}, the addresses file is for chain {deployment.ChainId}"));
            }
            if (options.ChainId is { } expected && expected != chainId)
            {
                throw new NodeStartupException(string.Create(CultureInfo.InvariantCulture, $"Chain:ChainId: expected {expected}, the node is chain {chainId}"));
            }
            var code = await eth.GetCodeAsync(deployment.Network, ct).WaitAsync(options.CallTimeout * 2, ct).ConfigureAwait(false);
            if (code.Length == 0)
            {
                throw new NodeStartupException($"Chain:AddressesFile: no contract at network address {deployment.Network} on chain {chainId} (an old deployment file?)");
            }
            return new ChainConnection(options, eth, deployment, chainId, hotkey);
        }
        catch
        {
            eth.Rpc.Dispose();
            throw;
        }
    }

    /// <summary>A transaction sender for another key (the coldkey when registering), sharing the nonce tracking.</summary>
    public TransactionSender SenderFor(PrivateKey key) => new(Eth, key, ChainId, _nonces);

    /// <summary>The Network contract with another sender.</summary>
    public NetworkContract NetworkAs(PrivateKey key) => Network.WithSender(SenderFor(key));

    /// <summary>The token contract with another sender.</summary>
    public IntelligenceTokenContract TokenAs(PrivateKey key) => new(Eth, Deployment.Token, SenderFor(key)) { ReceiptTimeout = _options.ReceiptTimeout };

    /// <summary>The token contract (reads).</summary>
    public IntelligenceTokenContract Token => new(Eth, Deployment.Token);

    /// <summary>Forgets cached nonces of the hotkey (after a failed or dropped transaction).</summary>
    public void ResyncNonce() => _nonces.Resync(Hotkey.Address);

    /// <summary>Runs <paramref name="call"/> bounded by the call timeout (a hung connection cannot hold the caller).</summary>
    public async Task<T> BoundedAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(call);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var limit = timeout ?? _options.CallTimeout;
        cts.CancelAfter(limit);
        try
        {
            return await call(cts.Token).WaitAsync(limit + TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"chain call took longer than {limit.TotalSeconds:0.#} s"));
        }
    }

    /// <summary>True for failures that a working node later would not give: transport errors, timeouts, node errors.</summary>
    public static bool IsTransient(Exception e) =>
        e is RpcTransportException or TimeoutException or HttpRequestException or TaskCanceledException or RpcException or ReceiptTimeoutException
        || (e is AggregateException a && a.InnerExceptions.All(IsTransient));

    /// <summary>A token amount in base units shown as tokens (18 decimals, 4 shown).</summary>
    public static string Tokens(BigInteger amount) =>
        ((decimal)(amount / BigInteger.Pow(10, 14)) / 10_000m).ToString("0.0000", CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public void Dispose() => Eth.Rpc.Dispose();
}
