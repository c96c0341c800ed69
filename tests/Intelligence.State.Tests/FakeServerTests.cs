using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace Intelligence.State.Tests;

/// <summary>
/// A scripted TCP peer standing in for a broken server: for each connection it answers the handshake
/// with "unknown command" (so the client speaks RESP2) and then sends, per command received, the next
/// canned reply of that connection's script.
/// </summary>
internal sealed class FakeRedis : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Channel<string[]> _scripts = Channel.CreateUnbounded<string[]>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public FakeRedis(params string[][] connectionScripts)
    {
        foreach (var script in connectionScripts)
        {
            _scripts.Writer.TryWrite(script);
        }

        _listener.Start();
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections;

    public RedisOptions Options => new()
    {
        Port = Port,
        CommandTimeout = TimeSpan.FromSeconds(5),
        ConnectTimeout = TimeSpan.FromSeconds(2),
        ReconnectMinDelay = TimeSpan.FromMilliseconds(5),
        ReconnectMaxDelay = TimeSpan.FromMilliseconds(50),
    };

    private async Task AcceptAsync()
    {
        var handlers = new List<Task>();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var socket = await _listener.AcceptSocketAsync(_stop.Token);
                Interlocked.Increment(ref Connections);
                var script = _scripts.Reader.TryRead(out var s) ? s : [];
                handlers.Add(Task.Run(() => ServeAsync(socket, script)));
            }
        }
        catch (OperationCanceledException)
        {
        }

        await Task.WhenAll(handlers);
    }

    private async Task ServeAsync(Socket socket, string[] script)
    {
        using var _ = socket;
        var buffer = new byte[4096];
        var pending = new StringBuilder();
        var replies = new Queue<string>(["-ERR unknown command 'HELLO'\r\n", .. script]);
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var n = await socket.ReceiveAsync(buffer, _stop.Token);
                if (n == 0)
                {
                    return;
                }

                pending.Append(Encoding.ASCII.GetString(buffer, 0, n));
                // Each client command is a RESP array; answer once per complete array received.
                while (TryTakeCommand(pending))
                {
                    if (replies.Count == 0)
                    {
                        continue; // scripted silence
                    }

                    var reply = replies.Dequeue();
                    if (reply == "<close>")
                    {
                        return;
                    }

                    await socket.SendAsync(Encoding.ASCII.GetBytes(reply), _stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
        }
    }

    private static bool TryTakeCommand(StringBuilder pending)
    {
        var text = pending.ToString();
        if (text.Length == 0 || text[0] != '*')
        {
            return false;
        }

        var pos = text.IndexOf("\r\n", StringComparison.Ordinal);
        if (pos < 0)
        {
            return false;
        }

        var count = int.Parse(text.AsSpan(1, pos - 1), System.Globalization.CultureInfo.InvariantCulture);
        pos += 2;
        for (var i = 0; i < count; i++)
        {
            var end = text.IndexOf("\r\n", pos, StringComparison.Ordinal);
            if (end < 0)
            {
                return false;
            }

            var len = int.Parse(text.AsSpan(pos + 1, end - pos - 1), System.Globalization.CultureInfo.InvariantCulture);
            pos = end + 2 + len + 2;
            if (pos > text.Length)
            {
                return false;
            }
        }

        pending.Remove(0, pos);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting.WaitAsync(Wait.Timeout);
    }
}

public class FakeServerTests
{
    [Theory]
    [InlineData("?what\r\n")]
    [InlineData(":12x\r\n")]
    [InlineData("$2\r\nabcd\r\n")]
    [InlineData("*-7\r\n")]
    [InlineData("#maybe\r\n")]
    [InlineData(",one\r\n")]
    [InlineData("=2\r\nab\r\n")]
    [InlineData("+ok\r\n+unsolicited extra reply\r\n")]
    public async Task MalformedReply_FailsCommandWithProtocolError_ThenReconnects(string garbage)
    {
        await using var fake = new FakeRedis([garbage], ["+PONG\r\n"]);
        await using var client = await Wait.T(RedisClient.ConnectAsync(fake.Options));
        Assert.Equal(2, client.ProtocolVersion);
        var first = client.PingAsync().AsTask();
        if (garbage.StartsWith("+ok", StringComparison.Ordinal))
        {
            // The first reply is well-formed and belongs to PING; the extra one has no owner, so the
            // connection is reset rather than handing it to the next command.
            Assert.Equal("ok", await Wait.T(first));
            await Wait.UntilAsync(() => Task.FromResult(client.ReconnectCount >= 1), what: "reset after the unsolicited reply");
            Assert.Equal("PONG", await Wait.T(client.PingAsync()));
        }
        else
        {
            var error = await Assert.ThrowsAsync<RedisConnectionException>(() => Wait.T(first));
            Assert.Equal(RedisConnectionFailure.ProtocolError, error.Failure);
            Assert.IsType<RespProtocolException>(error.InnerException);
            Assert.Equal("PONG", await Wait.T(client.PingAsync()));
        }

        Assert.True(client.ReconnectCount >= 1);
    }

    [Fact]
    public async Task ServerClosesMidReply_BothInFlightCommandsFailConnectionLost()
    {
        // First connection: half a bulk string for the first command, then a close on the second.
        await using var fake = new FakeRedis(["$10\r\nabc", "<close>"], ["+PONG\r\n"]);
        await using var client = await Wait.T(RedisClient.ConnectAsync(fake.Options));
        var first = client.PingAsync().AsTask();
        var second = client.PingAsync().AsTask();
        foreach (var pending in new[] { first, second })
        {
            var error = await Assert.ThrowsAsync<RedisConnectionException>(() => Wait.T(pending));
            Assert.Equal(RedisConnectionFailure.ConnectionLost, error.Failure);
        }

        Assert.Equal("PONG", await Wait.T(client.PingAsync()));
    }

    [Fact]
    public async Task ServerCloses_InFlightCommandFailsConnectionLost()
    {
        await using var fake = new FakeRedis(["<close>"], ["+PONG\r\n"]);
        await using var client = await Wait.T(RedisClient.ConnectAsync(fake.Options));
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => Wait.T(client.PingAsync()));
        Assert.Equal(RedisConnectionFailure.ConnectionLost, error.Failure);
        Assert.Equal("PONG", await Wait.T(client.PingAsync()));
    }

    [Fact]
    public async Task SilentServer_ConnectTimesOutWithTypedError()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            var options = new RedisOptions { Port = ((IPEndPoint)listener.LocalEndpoint).Port, ConnectTimeout = TimeSpan.FromMilliseconds(300) };
            var error = await Assert.ThrowsAsync<RedisConnectionException>(() => Wait.T(RedisClient.ConnectAsync(options)));
            Assert.Equal(RedisConnectionFailure.ConnectFailed, error.Failure);
            Assert.Contains("timed out", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            listener.Stop();
        }
    }

    [Fact]
    public async Task ErrorReplyWithoutCode_IsServerException()
    {
        await using var fake = new FakeRedis(["-\r\n", "-NOSCRIPT No matching script\r\n", "-WRONGTYPE bad\r\n"]);
        await using var client = await Wait.T(RedisClient.ConnectAsync(fake.Options));
        await Assert.ThrowsAsync<RedisServerException>(() => Wait.T(client.PingAsync()));
        await Assert.ThrowsAsync<RedisNoScriptException>(() => Wait.T(client.PingAsync()));
        await Assert.ThrowsAsync<RedisWrongTypeException>(() => Wait.T(client.PingAsync()));
    }
}
