using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using Intelligence.State.Resp;

namespace Intelligence.State;

/// <summary>
/// One multiplexed connection to one endpoint. Callers enqueue commands from any thread; whichever caller
/// finds the connection idle becomes the writer and drains the whole queue into the socket in one flush
/// (automatic pipelining, no thread hop). A single reader loop completes the in-flight commands in order.
/// When the socket drops, every in-flight command fails with <see cref="RedisConnectionException"/>;
/// queued ones wait for the reconnect (up to their timeout).
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable
{
    // Flush mid-drain past this many buffered bytes so one huge burst does not sit in memory.
    private const int FlushThreshold = 256 * 1024;

    private readonly RedisOptions _options;
    private readonly ConcurrentQueue<PendingCommand> _queue = new();
    private readonly CancellationTokenSource _disposeCts = new();
    private readonly Timer _timeoutTimer;
    private volatile Session? _session;
    private int _writing;
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
        connection._supervisor = Task.Run(() => connection.SuperviseAsync(transport));
        var period = options.TimeoutCheckInterval;
        connection._timeoutTimer.Change(period, period);
        return connection;
    }

    /// <summary>Sends one command; the converted reply comes back to this caller only.</summary>
    public ValueTask<T> ExecuteAsync<T>(RedisArg[] args, Func<RespValue, T> convert, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var command = Create(args, convert, timeout, cancellationToken);
        Enqueue(command);
        return command.Task;
    }

    /// <summary>Sends one command and returns the raw reply.</summary>
    public ValueTask<RespValue> ExecuteAsync(RedisArg[] args, TimeSpan? timeout, CancellationToken cancellationToken) =>
        ExecuteAsync(args, static r => r, timeout, cancellationToken);

    /// <summary>Creates a command without sending it (for batches).</summary>
    public PendingCommand<T> Create<T>(RedisArg[] args, Func<RespValue, T> convert, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0)
        {
            throw new ArgumentException("a command needs at least its name", nameof(args));
        }

        RefuseConnectionStateCommands(args);
        var limit = timeout ?? _options.CommandTimeout;
        var deadline = limit == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)limit.TotalMilliseconds;
        var command = new PendingCommand<T>(args, deadline, convert);
        command.Register(cancellationToken);
        return command;
    }

    // Commands that change the shared connection's state or break the one-reply-per-command rhythm
    // would hand replies to the wrong callers on a multiplexed connection, so they are refused here.
    private static readonly HashSet<string> Refused = new(StringComparer.OrdinalIgnoreCase)
    {
        "SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR",
        "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "SELECT", "AUTH", "HELLO", "RESET", "QUIT",
    };

    private static void RefuseConnectionStateCommands(RedisArg[] args)
    {
        var name = args[0].Text;
        if (name is null)
        {
            return;
        }

        if (Refused.Contains(name))
        {
            throw new ArgumentException(
                $"{name.ToUpperInvariant()} cannot run on the shared, multiplexed connection: use RedisSubscriber for pub/sub, Lua scripts for atomic groups, and RedisOptions for AUTH/SELECT/protocol",
                nameof(args));
        }

        if (name.Equals("CLIENT", StringComparison.OrdinalIgnoreCase) && args.Length > 1 && args[1].Text is { } sub && sub.Equals("REPLY", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException("CLIENT REPLY would desynchronise replies on the shared connection", nameof(args));
        }
    }

    /// <summary>Queues a created command and writes it (and anything else queued) if no one else is writing.</summary>
    public void Enqueue(PendingCommand command)
    {
        Admit(command);
        WritePending();
        FailIfDisposed();
    }

    /// <summary>Queues several commands; they are written back to back.</summary>
    public void Enqueue(IEnumerable<PendingCommand> commands)
    {
        foreach (var command in commands)
        {
            Admit(command);
        }

        WritePending();
        FailIfDisposed();
    }

    private void Admit(PendingCommand command)
    {
        if (_disposeCts.IsCancellationRequested)
        {
            command.TryFail(Disposed());
        }
        else
        {
            _queue.Enqueue(command);
        }
    }

    // A command enqueued while DisposeAsync ran may have missed the final sweep: fail it here.
    private void FailIfDisposed()
    {
        if (_disposeCts.IsCancellationRequested)
        {
            var disposed = Disposed();
            while (_queue.TryDequeue(out var command))
            {
                command.TryFail(disposed);
            }
        }
    }

    // Whoever wins _writing drains the queue. After releasing it the queue is checked again, so a command
    // enqueued while another thread was writing is never left behind.
    private void WritePending()
    {
        while (!_queue.IsEmpty && Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            var session = _session;
            if (session is null || session.Closed)
            {
                Interlocked.Exchange(ref _writing, 0);
                if (_session is { Closed: false })
                {
                    continue; // a new socket came up meanwhile
                }

                return; // the supervisor writes the queue once a new socket is up
            }

            ValueTask<FlushResult> flush;
            try
            {
                flush = Drain(session);
            }
            catch (Exception ex)
            {
                session.Fail(ex);
                Interlocked.Exchange(ref _writing, 0);
                return;
            }

            if (!flush.IsCompleted)
            {
                _ = FinishFlushAsync(session, flush);
                return;
            }

            Complete(session, flush);
            Interlocked.Exchange(ref _writing, 0);
        }
    }

    private ValueTask<FlushResult> Drain(Session session)
    {
        var output = session.Transport.Output;
        while (_queue.TryDequeue(out var command))
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
                return output.FlushAsync(session.Token);
            }
        }

        return output.FlushAsync(session.Token);
    }

    private async Task FinishFlushAsync(Session session, ValueTask<FlushResult> flush)
    {
        try
        {
            var result = await flush.ConfigureAwait(false);
            Check(result);
        }
        catch (Exception ex)
        {
            session.Fail(ex);
        }
        finally
        {
            Interlocked.Exchange(ref _writing, 0);
        }

        WritePending();
    }

    private static void Complete(Session session, ValueTask<FlushResult> flush)
    {
        try
        {
            Check(flush.GetAwaiter().GetResult());
        }
        catch (Exception ex)
        {
            session.Fail(ex);
        }
    }

    private static void Check(FlushResult result)
    {
        if (result.IsCompleted || result.IsCanceled)
        {
            throw new IOException("connection closed while writing");
        }
    }

    private async Task SuperviseAsync(RedisTransport transport)
    {
        var token = _disposeCts.Token;
        while (true)
        {
            // The session's token is linked to disposal, so a dispose racing this start still stops the reader.
            var session = new Session(transport, token);
            ProtocolVersion = transport.ProtocolVersion;
            _session = session;
            WritePending(); // commands queued while reconnecting
            await ReadLoopAsync(session).ConfigureAwait(false);

            // Tear down: stop writers, then fail everything that was sent on this socket.
            session.Close();
            transport.Abort();
            while (Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
            {
                await Task.Yield(); // a writer is finishing a (now failing) flush
            }

            _session = null;
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

            Interlocked.Exchange(ref _writing, 0);
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

    private sealed class Session(RedisTransport transport, CancellationToken disposal)
    {
        private readonly CancellationTokenSource _cts = CancellationTokenSource.CreateLinkedTokenSource(disposal);
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
