using System.Threading.Tasks.Sources;
using Intelligence.State.Resp;

namespace Intelligence.State;

/// <summary>
/// One command waiting for its reply. Completed exactly once: by its reply, its deadline, its
/// cancellation token or a connection failure, whichever comes first. A late reply is discarded.
/// </summary>
internal sealed class PendingCommand : IValueTaskSource<RespValue>
{
    private ManualResetValueTaskSourceCore<RespValue> _core;
    private CancellationTokenRegistration _registration;
    private int _completed;

    public PendingCommand(RedisArg[] args, long deadline)
    {
        Args = args;
        Deadline = deadline;
        _core.RunContinuationsAsynchronously = true;
    }

    /// <summary>Command name and arguments.</summary>
    public RedisArg[] Args { get; }

    /// <summary><see cref="Environment.TickCount64"/> after which the command times out.</summary>
    public long Deadline { get; }

    /// <summary>True once the caller has been given a result or an error.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed) != 0;

    /// <summary>The awaitable the caller holds.</summary>
    public ValueTask<RespValue> Task => new(this, _core.Version);

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

    /// <summary>Delivers a reply; error replies become typed exceptions.</summary>
    public bool TryComplete(RespValue reply)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
        {
            return false;
        }

        _registration.Unregister();
        if (reply.IsError)
        {
            _core.SetException(RedisServerException.FromReply(reply.AsString() ?? string.Empty));
        }
        else
        {
            _core.SetResult(reply);
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
        _core.SetException(error);
        return true;
    }

    RespValue IValueTaskSource<RespValue>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<RespValue>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<RespValue>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
