using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Intelligence.Chain.Rpc;

namespace Intelligence.Chain.Tests;

/// <summary>The node goes away in the middle of a run and comes back (a fresh anvil on the same port).</summary>
public class NodeRestartTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task NodeRestart_MidRun_TypedErrorWhileDown_ThenTheSameClientAndNonceManagerCarryOn()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }
        using var rpc = new JsonRpcClient(new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"),
            new JsonRpcOptions { RequestTimeout = TimeSpan.FromSeconds(5), MaxRetries = 2, RetryDelay = TimeSpan.FromMilliseconds(20) });
        var eth = new EthClient(rpc);
        var nonces = new NonceManager(eth);
        using var key = PrivateKey.FromHex(AnvilFixture.FaucetKey);
        var target = Address.Parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

        var first = StartAnvil(port);
        try
        {
            await WaitUntilUpAsync(eth);
            var sender = new TransactionSender(eth, key, await eth.ChainIdAsync().WaitAsync(Wait), nonces);
            await sender.SendAndWaitAsync(new TransactionRequest { To = target, Value = 1, GasLimit = 21_000 }, Wait).WaitAsync(Wait);
            Assert.Equal(1UL, await eth.GetTransactionCountAsync(key.Address).WaitAsync(Wait));

            Stop(first);
            var down = await Assert.ThrowsAsync<RpcTransportException>(() =>
                sender.SendAsync(new TransactionRequest { To = target, Value = 1, GasLimit = 21_000 }).WaitAsync(Wait));
            Assert.Contains("3 attempts", down.Message);

            // A fresh chain on the same port: its nonce for the key is 0 again, which the manager must re-read.
            first = StartAnvil(port);
            await WaitUntilUpAsync(eth);
            var receipt = await sender.SendAndWaitAsync(new TransactionRequest { To = target, Value = 1, GasLimit = 21_000 }, Wait).WaitAsync(Wait);
            Assert.True(receipt.Succeeded);
            Assert.Equal(1UL, await eth.GetTransactionCountAsync(key.Address, pending: false).WaitAsync(Wait));
        }
        finally
        {
            Stop(first);
        }
    }

    private static Process StartAnvil(int port)
    {
        var start = new ProcessStartInfo(Tools.Anvil) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "--host", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture), "--silent" })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("anvil did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitUntilUpAsync(EthClient eth)
    {
        var deadline = DateTime.UtcNow + Wait;
        while (true)
        {
            try
            {
                await eth.BlockNumberAsync().WaitAsync(Wait);
                return;
            }
            catch (RpcTransportException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet; the condition polled is the node answering, bounded by the deadline.
                await Task.Delay(50);
            }
        }
    }

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }
    }
}
