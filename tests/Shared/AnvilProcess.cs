using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Intelligence.Chain.Rpc;

namespace Intelligence.Testing;

/// <summary>
/// A real anvil on a free loopback port, answering JSON-RPC, killed on dispose. A port probed free can be taken
/// before anvil binds it; anvil then exits, and the start is retried on a fresh port. Linked into the test
/// projects that need a chain.
/// </summary>
internal sealed class AnvilProcess : IDisposable
{
    private const int Attempts = 3;
    private readonly Process _process;

    private AnvilProcess(Process process, int port, EthClient client, ulong chainId)
    {
        _process = process;
        Port = port;
        Client = client;
        ChainId = chainId;
    }

    /// <summary>The loopback port anvil listens on.</summary>
    public int Port { get; }

    /// <summary>The node's JSON-RPC endpoint.</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}");

    /// <summary>A client of the node (5 s per request, no retries).</summary>
    public EthClient Client { get; }

    /// <summary>The node's chain id.</summary>
    public ulong ChainId { get; }

    /// <summary>
    /// Starts anvil from <paramref name="anvilPath"/> and waits (up to 30 s per attempt) until it answers.
    /// <paramref name="extraArgs"/> go to anvil as they are (e.g. --block-time 0.25, --state FILE); a given
    /// <paramref name="port"/> is used as is (a restart on the same port), else a free one is picked.
    /// </summary>
    public static async Task<AnvilProcess> StartAsync(string anvilPath, IReadOnlyList<string>? extraArgs = null, int? port = null)
    {
        for (var attempt = 1; ; attempt++)
        {
            var chosen = port ?? FreePort();
            var start = new ProcessStartInfo(anvilPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "--host", "127.0.0.1", "--port", chosen.ToString(CultureInfo.InvariantCulture), "--silent" }.Concat(extraArgs ?? []))
            {
                start.ArgumentList.Add(arg);
            }

            var process = Process.Start(start) ?? throw new InvalidOperationException("anvil did not start");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            // No retries (a test sees every failure), but patient: with the suite's test assemblies and forge compiles
            // sharing two cores, anvil once took over 5 s to answer one call.
            var client = new EthClient(new JsonRpcClient(new Uri($"http://127.0.0.1:{chosen.ToString(CultureInfo.InvariantCulture)}"), new JsonRpcOptions { RequestTimeout = TimeSpan.FromSeconds(30), MaxRetries = 0 }));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (true)
            {
                try
                {
                    var chainId = await client.ChainIdAsync().WaitAsync(TimeSpan.FromSeconds(10));
                    return new AnvilProcess(process, chosen, client, chainId);
                }
                catch (RpcTransportException) when (DateTime.UtcNow < deadline && !process.HasExited)
                {
                    // Not listening yet: poll again shortly (the condition is the node answering, bounded by the deadline).
                    await Task.Delay(50);
                }
                catch (RpcTransportException) when (process.HasExited && attempt < Attempts && port is null)
                {
                    // anvil exited (its port was taken meanwhile): try again on another one.
                    client.Rpc.Dispose();
                    process.Dispose();
                    break;
                }
                catch
                {
                    client.Rpc.Dispose();
                    Kill(process);
                    throw;
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Kill(_process);
        Client.Rpc.Dispose();
    }

    /// <summary>Stops anvil with SIGTERM (so <c>--state</c> is written) and waits for it to exit.</summary>
    public async Task StopGracefullyAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var term = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
    }

    private static void Kill(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit(10_000);
        }

        process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
