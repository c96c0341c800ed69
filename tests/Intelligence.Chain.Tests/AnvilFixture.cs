using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using Intelligence.Chain.Rpc;

namespace Intelligence.Chain.Tests;

/// <summary>
/// Starts a real anvil on a free loopback port for a test class and stops it afterwards. Tests get fresh keys
/// funded from anvil's first default account (the faucet), so they never share a sender.
/// </summary>
public sealed class AnvilFixture : IAsyncLifetime
{
    /// <summary>anvil's first default account (mnemonic "test test ... junk"), a public test key.</summary>
    public const string FaucetKey = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

    private Process? _process;
    private TransactionSender? _faucet;
    private readonly SemaphoreSlim _faucetLock = new(1, 1);

    public int Port { get; private set; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}");

    public EthClient Client { get; private set; } = null!;

    public NonceManager Nonces { get; private set; } = null!;

    public ulong ChainId { get; private set; }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task InitializeAsync()
    {
        Port = FreePort();
        var psi = new ProcessStartInfo(Tools.Anvil)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "--host", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--quiet" })
        {
            psi.ArgumentList.Add(a);
        }
        _process = Process.Start(psi) ?? throw new InvalidOperationException("anvil did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        Client = new EthClient(new JsonRpcClient(Endpoint, new JsonRpcOptions { RequestTimeout = TimeSpan.FromSeconds(5), MaxRetries = 0 }));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                ChainId = await Client.ChainIdAsync().WaitAsync(TimeSpan.FromSeconds(10));
                break;
            }
            catch (RpcTransportException) when (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
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
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process?.Dispose();
        Client?.Rpc.Dispose();
        return Task.CompletedTask;
    }
}
