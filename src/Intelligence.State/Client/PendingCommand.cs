using System.Threading.Tasks.Sources;
using Intelligence.State.Resp;

namespace Intelligence.State;

/// <summary>
/// One command waiting for its reply. Completed exactly once: by its reply, its deadline, its
/// cancellation token or a connection failure, whichever comes first. A late reply is discarded.
/// </summary>
internal abstract class PendingCommand
{
    private CancellationTokenRegistration _registration;
    private int _completed;

    protected PendingCommand(RedisArg[] args, long deadline)
    {
        Args = args;
        Deadline = deadline;
    }

    /// <summary>Command name and arguments.</summary>
    public RedisArg[] Args { get; }

    /// <summary><see cref="Environment.TickCount64"/> after which the command times out.</summary>
    public long Deadline { get; }

    /// <summary>True once the caller has been given a result or an error.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    /// <summary>Completes the command when <paramref name="token"/> is cancelled.</summary>
    public void Register(CancellationToken token)
    {
        if (token.CanBeCanceled)
        {
            _registration = token.UnsafeRegister(
                static (state, ct) => ((PendingCommand)state!).TryFail(new OperationCanceledException("Redis command cancelled", ct)),
                this);
        }
    }

    /// <summary>Delivers a reply; error replies become typed exceptions, as do replies the conversion rejects.</summary>
    public bool TryComplete(RespValue reply)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return false;
        }

        _registration.Unregister();
        if (reply.IsError)
        {
            SetError(RedisServerException.FromReply(reply.AsString() ?? string.Empty));
        }
        else
        {
            SetReply(reply);
        }

        return true;
    }

    /// <summary>Fails the command unless it already completed.</summary>
    public bool TryFail(Exception error)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return false;
        }

        _registration.Unregister();
        SetError(error);
        return true;
    }

    protected abstract void SetReply(RespValue reply);

    protected abstract void SetError(Exception error);
}

/// <summary>A pending command whose reply is converted to <typeparamref name="T"/> as it arrives.</summary>
internal sealed class PendingCommand<T> : PendingCommand, IValueTaskSource<T>
{
    private readonly Func<RespValue, T> _convert;
    private ManualResetValueTaskSourceCore<T> _core;

    public PendingCommand(RedisArg[] args, long deadline, Func<RespValue, T> convert)
        : base(args, deadline)
    {
        _convert = convert;
        // Callers' continuations never run on the connection's reader loop.
        _core.RunContinuationsAsynchronously = true;
    }

    /// <summary>The awaitable the caller holds.</summary>
    public ValueTask<T> Task => new(this, _core.Version);

    protected override void SetReply(RespValue reply)
    {
        // A conversion that rejects the reply fails only this command, never the connection.
        T value;
        try
        {
            value = _convert(reply);
        }
        catch (Exception ex)
        {
            _core.SetException(ex as RedisException ?? new RedisUnexpectedReplyException("reply has an unexpected shape: " + ex.Message));
            return;
        }

        _core.SetResult(value);
    }

    protected override void SetError(Exception error) => _core.SetException(error);

    T IValueTaskSource<T>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<T>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<T>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
