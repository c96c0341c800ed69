using Intelligence.Chain;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.Signing;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Pipeline;

/// <summary>One call as it moves through the miner pipeline; stages read and fill it.</summary>
public sealed class MinerCall
{
    internal MinerCall(ServerCallContext? context, ReadOnlyMemory<byte> request, Address caller, string? nonce, string? signature)
    {
        Context = context!;
        Request = request;
        Caller = caller;
        NonceHeader = nonce;
        SignatureHeader = signature;
    }

    /// <summary>
    /// The server call. Null while the blacklist stage runs ahead of the body (see <see cref="Request"/>); set for
    /// every later stage and the handler.
    /// </summary>
    public ServerCallContext Context { get; internal set; }

    /// <summary>
    /// The request message bytes, as received and signed (after decompression, before parsing). Empty in the
    /// blacklist stage, which runs on the headers before grpc-dotnet reads the body.
    /// </summary>
    public ReadOnlyMemory<byte> Request { get; internal set; }

    /// <summary>True once the blacklist stage admitted the call from its headers (it is not run again on the body).</summary>
    internal bool PassedHeaderCheck { get; set; }

    /// <summary>The blacklist stage that ran on the headers (a stage swapped in between is run again on the body).</summary>
    internal IMinerStage? Blacklist { get; set; }

    /// <summary>The caller hotkey claimed in metadata (verified only after the signature stage).</summary>
    public Address Caller { get; }

    /// <summary>The raw nonce metadata value.</summary>
    public string? NonceHeader { get; }

    /// <summary>The raw signature metadata value.</summary>
    public string? SignatureHeader { get; }

    /// <summary>Metagraph facts about the caller (set by the blacklist stage).</summary>
    public CallerInfo CallerInfo { get; set; }

    /// <summary>True once the signature stage has checked signature and nonce.</summary>
    public bool Verified { get; set; }

    /// <summary>The parsed nonce (after the signature stage).</summary>
    public ulong Nonce { get; set; }

    /// <summary>The request digest (after the signature stage); the response signature covers it.</summary>
    public byte[]? RequestDigest { get; set; }

    /// <summary>Time spent waiting for a slot in the priority stage.</summary>
    public TimeSpan QueueTime { get; set; }

    /// <summary>Hashes the response messages when the response is signed (set by the pipeline before the handler).</summary>
    internal ResponseBodyHasher? ResponseHasher { get; set; }

    // The stage chain of this call: one delegate for every stage's "next" instead of a closure per stage.
    private IMinerStage[] _stages = [];
    private Func<MinerCall, ValueTask<GrpcStatus>>? _last;
    private Func<ValueTask<GrpcStatus>>? _handler;
    private Func<ValueTask<GrpcStatus>>? _next;
    private int _position;

    /// <summary>Runs <paramref name="stages"/> in order, then <paramref name="last"/> (which ends in <paramref name="handler"/>).</summary>
    internal ValueTask<GrpcStatus> Run(IMinerStage[] stages, int first, Func<MinerCall, ValueTask<GrpcStatus>> last, Func<ValueTask<GrpcStatus>> handler)
    {
        _stages = stages;
        _last = last;
        _handler = handler;
        _position = first - 1;
        _next = Next;
        return Next();
    }

    /// <summary>The handler (the interceptor's own next), for the end of the chain.</summary>
    internal ValueTask<GrpcStatus> InvokeHandler() => _handler!();

    // Stages run nested, so when stage i calls next, stage i is the last one entered. A second call of next from a
    // stage that already ran the rest of the chain is refused rather than running the handler twice.
    private ValueTask<GrpcStatus> Next()
    {
        var index = ++_position;
        if (index < _stages.Length)
        {
            return _stages[index].InvokeAsync(this, _next!);
        }

        if (index == _stages.Length)
        {
            return _last!(this);
        }

        throw new InvalidOperationException("A miner stage called next more than once.");
    }
}

/// <summary>
/// One pluggable step of the miner pipeline. Return a non-OK status to reject, or call next (at most once) to continue.
/// </summary>
public interface IMinerStage
{
    /// <summary>Runs the stage.</summary>
    ValueTask<GrpcStatus> InvokeAsync(MinerCall call, Func<ValueTask<GrpcStatus>> next);
}

/// <summary>Reads the miner pipeline's view of a call from the server context (for handlers).</summary>
public static class MinerCallExtensions
{
    /// <summary>The <see cref="MinerCall"/> of this server call, or null when the method is not behind the pipeline.</summary>
    public static MinerCall? GetMinerCall(this ServerCallContext context) => context.MinerCall;
}
