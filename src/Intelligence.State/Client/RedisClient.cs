using Intelligence.State.Resp;

namespace Intelligence.State;

/// <summary>
/// A Redis client over one multiplexed, auto-pipelined connection. Thread-safe: share one per endpoint.
/// Reconnects by itself; commands in flight during a drop fail with <see cref="RedisConnectionException"/>.
/// </summary>
public sealed class RedisClient : RedisCommands, IAsyncDisposable
{
    private readonly RedisConnection _connection;

    private RedisClient(RedisConnection connection) => _connection = connection;

    /// <summary>Connects to the endpoint in <paramref name="options"/>; throws when the first connect fails.</summary>
    public static async Task<RedisClient> ConnectAsync(RedisOptions options, CancellationToken cancellationToken = default) =>
        new(await RedisConnection.ConnectAsync(options, cancellationToken).ConfigureAwait(false));

    /// <summary>Connects using a configuration string (see <see cref="RedisOptions.Parse"/>).</summary>
    public static Task<RedisClient> ConnectAsync(string configuration, CancellationToken cancellationToken = default) =>
        ConnectAsync(RedisOptions.Parse(configuration), cancellationToken);

    /// <summary>RESP version in use on the current socket (3 after a successful HELLO 3, else 2).</summary>
    public int ProtocolVersion => _connection.ProtocolVersion;

    /// <summary>True while the socket is up.</summary>
    public bool IsConnected => _connection.IsConnected;

    /// <summary>Number of reconnects since the client was created.</summary>
    public long ReconnectCount => _connection.ReconnectCount;

    /// <summary>The options this client was created with (a copy).</summary>
    public RedisOptions Options => _connection.Options.Clone();

    private protected override RedisConnection Connection => _connection;

    private protected override ValueTask<T> SendAsync<T>(RedisArg[] args, Func<RespValue, T> convert, CancellationToken cancellationToken) =>
        _connection.ExecuteAsync(args, convert, null, cancellationToken);

    /// <summary>Sends any command with its own timeout instead of <see cref="RedisOptions.CommandTimeout"/>.</summary>
    public ValueTask<RespValue> ExecuteAsync(TimeSpan timeout, CancellationToken cancellationToken, params RedisArg[] args) =>
        _connection.ExecuteAsync(args, timeout, cancellationToken);

    /// <summary>Starts an explicit batch: commands are queued and sent together by <see cref="RedisBatch.Send"/>.</summary>
    public RedisBatch CreateBatch() => new(_connection);

    /// <summary>Opens a separate subscriber connection with the same options.</summary>
    public Task<RedisSubscriber> CreateSubscriberAsync(CancellationToken cancellationToken = default) =>
        RedisSubscriber.ConnectAsync(_connection.Options, cancellationToken);

    /// <summary>Closes the connection; pending commands fail with <see cref="RedisConnectionFailure.Disposed"/>.</summary>
    public ValueTask DisposeAsync() => _connection.DisposeAsync();
}

/// <summary>
/// An explicit pipeline: typed commands called on the batch return tasks that complete only after
/// <see cref="Send"/> sends them, back to back, on the shared connection. Not atomic (no MULTI); build a
/// batch on one thread.
/// </summary>
public sealed class RedisBatch : RedisCommands
{
    private readonly RedisConnection _connection;
    private readonly List<PendingCommand> _commands = [];
    private int _sent;

    internal RedisBatch(RedisConnection connection) => _connection = connection;

    /// <summary>Number of commands queued so far.</summary>
    public int Count => _commands.Count;

    private protected override RedisConnection Connection => _connection;

    private protected override ValueTask<T> SendAsync<T>(RedisArg[] args, Func<RespValue, T> convert, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _sent) != 0)
        {
            throw new InvalidOperationException("this batch was already sent");
        }

        var command = _connection.Create(args, convert, null, cancellationToken);
        _commands.Add(command);
        return command.Task;
    }

    /// <summary>Sends every queued command; each command's own task carries its reply or error.</summary>
    public void Send()
    {
        if (Interlocked.Exchange(ref _sent, 1) != 0)
        {
            throw new InvalidOperationException("this batch was already sent");
        }

        _connection.Enqueue(_commands);
    }
}
