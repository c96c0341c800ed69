using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Intelligence.State.Resp;

namespace Intelligence.State;

/// <summary>
/// One multiplexed connection to one endpoint. Callers enqueue commands from any thread; a single
/// writer loop drains the queue into the socket in batches (automatic pipelining) and a single reader
/// loop completes the in-flight commands in order. When the socket drops, every in-flight command fails
/// with <see cref="RedisConnectionException"/>, queued ones wait for the reconnect (up to their timeout).
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    // Flush mid-batch past this many buffered bytes so one huge burst does not sit in memory.
    private const int FlushThreshold = 256 * 1024;

    private readonly RedisOptions _options;
    private readonly ConcurrentQueue<PendingCommand> _queue = new();
    private readonly SemaphoreSlim _queueSignal = new(0);
    private readonly CancellationTokenSource _disposeCts = new();
    private readonly Timer _timeoutTimer;
    private int _signalled;
    private volatile Session? _session;
    private Task _supervisor = Task.CompletedTask;
    private long _reconnects;

    private RedisConnection(RedisOptions options)
    {
        _options = options;
        _timeoutTimer = new Timer(static s => ((RedisConnection)s!).ExpireCommands(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>RESP version of the current connection (2 or 3).</summary>
    public int ProtocolVersion { get; private set; }

    /// <summary>True while a socket is up.</summary>
    public bool IsConnected => _session is { } s && !s.Closed;

    /// <summary>How many times the connection was re-established after a drop.</summary>
    public long ReconnectCount => Interlocked.Read(ref _reconnects);

    /// <summary>Options in use.</summary>
    public RedisOptions Options => _options;

    /// <summary>Connects (the first attempt must succeed) and starts the loops.</summary>
    public static async Task<RedisConnection> ConnectAsync(RedisOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var connection = new RedisConnection(options.Clone());
        var transport = await RedisTransport.ConnectAsync(connection._options, cancellationToken).ConfigureAwait(false);
        connection.ProtocolVersion = transport.ProtocolVersion;
        connection._supervisor = connection.SuperviseAsync(transport);
        var period = options.TimeoutCheckInterval;
        connection._timeoutTimer.Change(period, period);
        return connection;
    }

    /// <summary>Sends one command; the reply comes back to this caller only.</summary>
    public ValueTask<RespValue> ExecuteAsync(RedisArg[] args, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var command = Create(args, timeout, cancellationToken);
        Enqueue(command);
        return command.Task;
    }

    /// <summary>Creates a command without sending it (for batches).</summary>
    public PendingCommand Create(RedisArg[] args, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0)
        {
            throw new ArgumentException("a command needs at least its name", nameof(args));
        }

        var limit = timeout ?? _options.CommandTimeout;
        var deadline = limit == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)limit.TotalMilliseconds;
        var command = new PendingCommand(args, deadline);
        command.Register(cancellationToken);
        return command;
    }

    /// <summary>Queues a created command for the writer loop.</summary>
    public void Enqueue(PendingCommand command)
    {
        if (_disposeCts.IsCancellationRequested)
        {
            command.TryFail(Disposed());
            return;
        }

        _queue.Enqueue(command);
        Signal();
    }

    /// <summary>Queues several commands; they are written back to back.</summary>
    public void Enqueue(IReadOnlyList<PendingCommand> commands)
    {
        foreach (var command in commands)
        {
            if (_disposeCts.IsCancellationRequested)
            {
                command.TryFail(Disposed());
                continue;
            }

            _queue.Enqueue(command);
        }

        Signal();
    }

    private void Signal()
    {
        if (Interlocked.CompareExchange(ref _signalled, 1, 0) == 0)
        {
            _queueSignal.Release();
        }
    }

    private async Task SuperviseAsync(RedisTransport transport)
    {
        var token = _disposeCts.Token;
        while (true)
        {
            var session = new Session(transport);
            _session = session;
            ProtocolVersion = transport.ProtocolVersion;
            var reader = Task.Run(() => ReadLoopAsync(session));
            var writer = Task.Run(() => WriteLoopAsync(session));
            await Task.WhenAny(reader, writer).ConfigureAwait(false);

            // Tear down: stop both loops, then fail everything that was sent on this socket.
            session.Close();
            transport.Abort();
            await Task.WhenAll(reader.ContinueWith(static _ => { }, TaskScheduler.Default), writer.ContinueWith(static _ => { }, TaskScheduler.Default)).ConfigureAwait(false);
            var cause = session.Failure;
            var failure = cause is RespProtocolException
                ? new RedisConnectionException(RedisConnectionFailure.ProtocolError, "Redis sent a malformed reply; the connection was reset", cause)
                : token.IsCancellationRequested
                    ? Disposed()
                    : new RedisConnectionException(RedisConnectionFailure.ConnectionLost, $"connection to Redis at {_options} lost while the command was in flight", cause);
            while (session.InFlight.TryDequeue(out var lost))
            {
                lost.TryFail(failure);
            }

            await transport.DisposeAsync().ConfigureAwait(false);
            if (token.IsCancellationRequested)
            {
                break;
            }

            var next = await ReconnectAsync(token).ConfigureAwait(false);
            if (next is null)
            {
                break;
            }

            transport = next;
            Interlocked.Increment(ref _reconnects);
        }

        var disposed = Disposed();
        while (_queue.TryDequeue(out var command))
        {
            command.TryFail(disposed);
        }
    }

    private async Task<RedisTransport?> ReconnectAsync(CancellationToken token)
    {
        var delay = _options.ReconnectMinDelay;
        while (!token.IsCancellationRequested)
        {
            try
            {
                return await RedisTransport.ConnectAsync(_options, token).ConfigureAwait(false);
            }
            catch (RedisException)
            {
                // Queued commands keep waiting; the timeout timer fails those whose deadline passes.
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            try
            {
                await Task.Delay(delay, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
        }

        return null;
    }

    private async Task WriteLoopAsync(Session session)
    {
        var output = session.Transport.Output;
        try
        {
            while (!session.Closed)
            {
                await _queueSignal.WaitAsync(session.Token).ConfigureAwait(false);
                Volatile.Write(ref _signalled, 0);
                while (!session.Closed && _queue.TryDequeue(out var command))
                {
                    if (command.IsCompleted)
                    {
                        continue; // timed out or cancelled before it was sent
                    }

                    // In flight before its bytes can reach the server, so its reply always finds it.
                    session.InFlight.Enqueue(command);
                    RespWriter.WriteCommand(output, command.Args);
                    if (output.UnflushedBytes > FlushThreshold)
                    {
                        await FlushAsync(output, session).ConfigureAwait(false);
                    }
                }

                await FlushAsync(output, session).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            session.Fail(ex);
        }

        // Keep the signal armed for the next session if commands are still queued.
        if (!_queue.IsEmpty)
        {
            Volatile.Write(ref _signalled, 0);
            Signal();
        }
    }

    private static async ValueTask FlushAsync(PipeWriter output, Session session)
    {
        var result = await output.FlushAsync(session.Token).ConfigureAwait(false);
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new IOException("connection closed while writing");
        }
    }

    private static async Task ReadLoopAsync(Session session)
    {
        var input = session.Transport.Input;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(session.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                var consumed = Dispatch(session, buffer);
                input.AdvanceTo(consumed, buffer.End);
                if (result.IsCompleted)
                {
                    throw new IOException("server closed the connection");
                }
            }
        }
        catch (Exception ex)
        {
            session.Fail(ex);
        }
    }

    private static SequencePosition Dispatch(Session session, ReadOnlySequence<byte> buffer)
    {
        var reader = new RespReader(buffer);
        while (reader.TryRead(out var reply))
        {
            if (reply.Type == RespType.Push)
            {
                continue; // out-of-band (e.g. client tracking); commands never get pushes as replies
            }

            if (!session.InFlight.TryDequeue(out var command))
            {
                throw new RespProtocolException("reply received with no command waiting for it");
            }

            command.TryComplete(reply);
        }

        return reader.Position;
    }

    private void ExpireCommands()
    {
        var now = Environment.TickCount64;
        foreach (var command in _queue)
        {
            if (command.Deadline <= now)
            {
                command.TryFail(new RedisTimeoutException(IsConnected
                    ? "Redis command timed out before it could be sent"
                    : $"Redis command timed out waiting for a connection to {_options}"));
            }
        }

        if (_session is { } session)
        {
            foreach (var command in session.InFlight)
            {
                if (command.Deadline <= now)
                {
                    command.TryFail(new RedisTimeoutException("Redis command timed out waiting for its reply"));
                }
            }
        }
    }

    private static RedisConnectionException Disposed() =>
        new(RedisConnectionFailure.Disposed, "the Redis client was disposed");

    /// <summary>Closes the socket, fails every pending command and stops reconnecting.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposeCts.IsCancellationRequested)
        {
            return;
        }

        _disposeCts.Cancel();
        await _timeoutTimer.DisposeAsync().ConfigureAwait(false);
        if (_session is { } session)
        {
            session.Close();
            session.Transport.Abort();
        }

        await _supervisor.ConfigureAwait(false);
        _disposeCts.Dispose();
    }

    private sealed class Session(RedisTransport transport)
    {
        private readonly CancellationTokenSource _cts = new();
        private Exception? _failure;

        public RedisTransport Transport { get; } = transport;

        public ConcurrentQueue<PendingCommand> InFlight { get; } = new();

        public CancellationToken Token => _cts.Token;

        public bool Closed => _cts.IsCancellationRequested;

        public Exception? Failure => Volatile.Read(ref _failure);

        public void Fail(Exception error)
        {
            Interlocked.CompareExchange(ref _failure, error, null);
            Close();
        }

        public void Close()
        {
            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
