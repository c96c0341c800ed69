using System.Numerics;
using Intelligence.Chain.Rpc;
using Intelligence.Testing;

namespace Intelligence.Chain.Tests;

/// <summary>
/// Starts a real anvil on a free loopback port for a test class and stops it afterwards. Tests get fresh keys
/// funded from anvil's first default account (the faucet), so they never share a sender.
/// </summary>
public sealed class AnvilFixture : IAsyncLifetime
{
    /// <summary>anvil's first default account (mnemonic "test test ... junk"), a public test key.</summary>
    public const string FaucetKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    private AnvilProcess? _anvil;
    private TransactionSender? _faucet;
    private readonly SemaphoreSlim _faucetLock = new(1, 1);

    public int Port => _anvil!.Port;

    public Uri Endpoint => _anvil!.Endpoint;

    public EthClient Client => _anvil!.Client;

    public NonceManager Nonces { get; private set; } = null!;

    public ulong ChainId => _anvil!.ChainId;

    public async Task InitializeAsync()
    {
        _anvil = await AnvilProcess.StartAsync(Tools.Anvil);
        Nonces = new NonceManager(Client);
        _faucet = new TransactionSender(Client, PrivateKey.FromHex(FaucetKey), ChainId, Nonces);
    }

    /// <summary>A fresh key holding <paramref name="ether"/> ETH.</summary>
    public async Task<PrivateKey> FundedKeyAsync(int ether = 100)
    {
        var key = PrivateKey.Generate();
        await _faucetLock.WaitAsync();
        try
        {
            await _faucet!.SendAndWaitAsync(new TransactionRequest { To = key.Address, Value = BigInteger.Pow(10, 18) * ether, GasLimit = 21_000 }, TimeSpan.FromSeconds(30))
                .WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            _faucetLock.Release();
        }
        return key;
    }

    /// <summary>A raw JSON-RPC call (anvil_*, evm_* helpers).</summary>
    public Task<System.Text.Json.JsonElement> RawAsync(string method, params System.Text.Json.Nodes.JsonNode?[] args) =>
        Client.Rpc.CallAsync(method, args).WaitAsync(TimeSpan.FromSeconds(30));

    public Task DisposeAsync()
    {
        _anvil?.Dispose();
        _faucetLock.Dispose();
        return Task.CompletedTask;
    }
}
