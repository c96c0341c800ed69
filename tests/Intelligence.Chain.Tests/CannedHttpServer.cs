using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Intelligence.Chain.Tests;

/// <summary>
/// A loopback HTTP/1.1 server that answers each connection with the next canned (status, body) pair; "{id}"
/// in a body is replaced by the request's JSON-RPC id. For failure modes a real node will not produce.
/// </summary>
internal sealed partial class CannedHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public CannedHttpServer(params (string Status, string Body)[] answers)
    {
        _listener.Start();
        Served = Task.Run(async () =>
        {
            foreach (var (status, body) in answers)
            {
                using var socket = await _listener.AcceptSocketAsync();
                using var stream = new NetworkStream(socket);
                var buffer = new byte[16384];
                var read = 0;
                string request;
                do
                {
                    read += await stream.ReadAsync(buffer.AsMemory(read));
                    request = Encoding.ASCII.GetString(buffer, 0, read);
                }
                while (!request.Contains("\r\n\r\n", StringComparison.Ordinal) || !request.TrimEnd().EndsWith('}'));
                var text = body.Replace("{id}", IdPattern().Match(request).Groups[1].Value, StringComparison.Ordinal);
                var bytes = Encoding.UTF8.GetBytes(text);
                var head = $"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {bytes.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
                await stream.WriteAsync(bytes);
            }
        });
    }

    public Uri Endpoint => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");

    /// <summary>Completes when every canned answer was served.</summary>
    public Task Served { get; }

    public void Dispose() => _listener.Stop();

    [GeneratedRegex("\"id\":(\\d+)")]
    private static partial Regex IdPattern();
}
