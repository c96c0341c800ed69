using Intelligence.Chain;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Pipeline;

/// <summary>One call as it moves through the miner pipeline; stages read and fill it.</summary>
public sealed class MinerCall
{
    internal MinerCall(ServerCallContext context, ReadOnlyMemory<byte> request, Address caller, string? nonce, string? signature)
    {
        Context = context;
        Request = request;
        Caller = caller;
        NonceHeader = nonce;
        SignatureHeader = signature;
    }

    /// <summary>The server call.</summary>
    public ServerCallContext Context { get; }

    /// <summary>The request message bytes, as signed (after decompression, before parsing).</summary>
    public ReadOnlyMemory<byte> Request { get; }

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
}

/// <summary>One pluggable step of the miner pipeline. Return a non-OK status to reject, or call next to continue.</summary>
public interface IMinerStage
{
    /// <summary>Runs the stage.</summary>
    ValueTask<GrpcStatus> InvokeAsync(MinerCall call, Func<ValueTask<GrpcStatus>> next);
}

/// <summary>Reads the miner pipeline's view of a call from the server context (for handlers).</summary>
public static class MinerCallExtensions
{
    /// <summary>The <see cref="MinerCall"/> of this server call, or null when the method is not behind the pipeline.</summary>
    public static MinerCall? GetMinerCall(this ServerCallContext context) =>
        context.Items.TryGetValue(typeof(MinerCall), out var call) ? call as MinerCall : null;
}
