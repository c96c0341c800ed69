using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using Intelligence.State.Resp;

namespace Intelligence.State;

/// <summary>One open, handshaken socket (optionally TLS) with its pipe reader and writer.</summary>
internal sealed class RedisTransport : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private int _disposed;
    private int _aborted;

    private RedisTransport(Socket socket, Stream stream)
    {
        _socket = socket;
        _stream = stream;
        Input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
        Output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024));
    }

    /// <summary>Bytes from the server.</summary>
    public PipeReader Input { get; }

    /// <summary>Bytes to the server.</summary>
    public PipeWriter Output { get; }

    /// <summary>The RESP version agreed in the handshake (2 or 3).</summary>
    public int ProtocolVersion { get; private set; } = 2;

    /// <summary>Opens the socket, TLS if asked, and runs HELLO/AUTH/SELECT.</summary>
    public static async Task<RedisTransport> ConnectAsync(RedisOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        RedisTransport? transport = null;
        try
        {
            await socket.ConnectAsync(options.Host, options.Port, timeout.Token).ConfigureAwait(false);
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (options.UseTls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = options.TlsHostName ?? options.Host,
                        RemoteCertificateValidationCallback = options.CertificateValidation,
                        ClientCertificates = options.ClientCertificates,
                    },
                    timeout.Token).ConfigureAwait(false);
            }

            transport = new RedisTransport(socket, stream);
            await transport.HandshakeAsync(options, timeout.Token).ConfigureAwait(false);
            return transport;
        }
        catch (Exception ex) when (ex is not RedisServerException)
        {
            if (transport is not null)
            {
                await transport.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                socket.Dispose();
            }

            var reason = ex is OperationCanceledException && !cancellationToken.IsCancellationRequested
                ? $"timed out after {options.ConnectTimeout.TotalMilliseconds:0} ms"
                : ex.Message;
            throw new RedisConnectionException(RedisConnectionFailure.ConnectFailed, $"cannot connect to Redis at {options}: {reason}", ex);
        }
        catch
        {
            if (transport is not null)
            {
                await transport.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    private async Task HandshakeAsync(RedisOptions options, CancellationToken cancellationToken)
    {
        var useResp2 = options.Protocol == RedisProtocol.Resp2;
        if (!useResp2)
        {
            var hello = new List<RedisArg> { "HELLO", 3 };
            if (options.Password is not null)
            {
                hello.Add("AUTH");
                hello.Add(options.User ?? "default");
                hello.Add(options.Password);
            }

            if (options.ClientName is not null)
            {
                hello.Add("SETNAME");
                hello.Add(options.ClientName);
            }

            var reply = await RequestAsync([.. hello], cancellationToken).ConfigureAwait(false);
            if (reply.IsError)
            {
                var error = RedisServerException.FromReply(reply.AsString()!);
                if (error is RedisAuthenticationException)
                {
                    throw error;
                }

                // "ERR unknown command 'HELLO'" (Redis < 6) or "NOPROTO": speak RESP2 instead.
                useResp2 = true;
            }
            else
            {
                ProtocolVersion = 3;
            }
        }

        if (useResp2)
        {
            if (options.Password is not null)
            {
                RedisArg[] auth = options.User is null ? ["AUTH", options.Password] : ["AUTH", options.User, options.Password];
                ThrowIfError(await RequestAsync(auth, cancellationToken).ConfigureAwait(false));
            }

            if (options.ClientName is not null)
            {
                ThrowIfError(await RequestAsync(["CLIENT", "SETNAME", options.ClientName], cancellationToken).ConfigureAwait(false));
            }
        }

        if (options.Database != 0)
        {
            ThrowIfError(await RequestAsync(["SELECT", options.Database], cancellationToken).ConfigureAwait(false));
        }
    }

    private static void ThrowIfError(RespValue reply)
    {
        if (reply.IsError)
        {
            throw RedisServerException.FromReply(reply.AsString()!);
        }
    }

    /// <summary>Sends one command and reads one reply; used only before the pipelined loops start.</summary>
    public async Task<RespValue> RequestAsync(RedisArg[] args, CancellationToken cancellationToken)
    {
        RespWriter.WriteCommand(Output, args);
        await Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            var result = await Input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (TryParseOne(buffer, out var value, out var consumed))
            {
                Input.AdvanceTo(consumed);
                if (value.Type == RespType.Push)
                {
                    continue;
                }

                return value;
            }

            Input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new RedisConnectionException(RedisConnectionFailure.ConnectionLost, "server closed the connection during the handshake");
            }
        }
    }

    private static bool TryParseOne(ReadOnlySequence<byte> buffer, out RespValue value, out SequencePosition consumed)
    {
        var reader = new RespReader(buffer);
        var ok = reader.TryRead(out value);
        consumed = reader.Position;
        return ok;
    }

    /// <summary>Closes the socket so that pending reads and writes fail promptly; safe from any thread.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
    }

    /// <summary>Aborts, then releases the pipes; call once no loop reads or writes any more.</summary>
    public async ValueTask DisposeAsync()
    {
        Abort();
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Input.CompleteAsync().ConfigureAwait(false);
        await Output.CompleteAsync().ConfigureAwait(false);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
