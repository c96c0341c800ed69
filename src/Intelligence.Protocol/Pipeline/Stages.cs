using System.Diagnostics;
using System.Globalization;
using Intelligence.Chain;
using Intelligence.Protocol.Signing;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Pipeline;

/// <summary>
/// Stage 1: cheap checks on the claimed caller from the cached metagraph, before any crypto.
/// Unknown hotkey, no validator permit, or stake under the minimum: PERMISSION_DENIED.
/// </summary>
public sealed class BlacklistStage(ICallerDirectory directory, MinerPipelineOptions options) : IMinerStage
{
    /// <inheritdoc />
    public ValueTask<GrpcStatus> InvokeAsync(MinerCall call, Func<ValueTask<GrpcStatus>> next)
    {
        if (!directory.TryGet(call.Caller, out var info) || !info.Registered)
        {
            return Deny($"Caller {call.Caller.ToLowerHex()} is not registered on subnet {options.Domain.Netuid}.");
        }

        if (options.RequireValidatorPermit && !info.ValidatorPermit)
        {
            return Deny($"Caller {call.Caller.ToLowerHex()} has no validator permit.");
        }

        if (info.Stake < options.MinStake)
        {
            return Deny($"Caller {call.Caller.ToLowerHex()} has stake {info.Stake}, below the minimum {options.MinStake}.");
        }

        call.CallerInfo = info;
        return next();
    }

    private static ValueTask<GrpcStatus> Deny(string detail) => ValueTask.FromResult(new GrpcStatus(GrpcStatusCode.PermissionDenied, detail));
}

/// <summary>
/// Stage 2: the nonce is inside the clock window, the signature recovers the claimed caller, and the nonce was not
/// used before (asked last, so forged requests cannot burn a real caller's nonces). Failures: UNAUTHENTICATED.
/// Signatures are checked through a <see cref="SignerKeyCache"/>: a caller's first call recovers its key, later ones
/// verify against it.
/// </summary>
public sealed class SignatureStage(INonceStore nonces, MinerPipelineOptions options, Address miner, SignerKeyCache? callerKeys = null) : IMinerStage
{
    private readonly SignerKeyCache _callerKeys = callerKeys ?? new SignerKeyCache();

    /// <inheritdoc />
    public ValueTask<GrpcStatus> InvokeAsync(MinerCall call, Func<ValueTask<GrpcStatus>> next)
    {
        if (call.NonceHeader is null || call.SignatureHeader is null)
        {
            return Unauthenticated($"Request is unsigned: {SigningHeaders.Nonce} and {SigningHeaders.Signature} are required.");
        }

        if (!ulong.TryParse(call.NonceHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var nonce))
        {
            return Unauthenticated($"Malformed {SigningHeaders.Nonce}: a decimal unsigned 64-bit integer is required.");
        }

        var now = NonceClock.NowNanoseconds();
        var window = (ulong)options.NonceWindow.Ticks * 100UL;
        if (nonce + window < now || nonce > now + window)
        {
            return Unauthenticated($"Stale nonce: {nonce} is outside the +/-{options.NonceWindow.TotalSeconds:0.###} s window around the miner's clock.");
        }

        if (!Signature.TryParse(call.SignatureHeader, out var signature))
        {
            return Unauthenticated($"Malformed {SigningHeaders.Signature}: 65 bytes of 0x-prefixed hex are required.");
        }

        var digest = SigningDigests.Request(options.Domain, call.Caller, miner, nonce, call.Context.Method, call.Request.Span);
        if (!_callerKeys.VerifyPersonal(digest, signature, call.Caller))
        {
            return Unauthenticated("Bad signature: it does not recover the claimed caller for this chain, subnet, miner, nonce and body.");
        }

        // Keep every accepted nonce at least as long as the window can still accept it. The in-memory store answers
        // at once; only a remote store (Redis) makes this stage wait.
        var used = nonces.TryUseAsync(call.Caller, nonce, options.NonceWindow * 2, call.Context.CancellationToken);
        return used.IsCompletedSuccessfully
            ? Continue(call, nonce, digest, used.Result, next)
            : ContinueAsync(call, nonce, digest, used, next);
    }

    private static async ValueTask<GrpcStatus> ContinueAsync(MinerCall call, ulong nonce, byte[] digest, ValueTask<bool> used, Func<ValueTask<GrpcStatus>> next) =>
        await Continue(call, nonce, digest, await used.ConfigureAwait(false), next).ConfigureAwait(false);

    private static ValueTask<GrpcStatus> Continue(MinerCall call, ulong nonce, byte[] digest, bool fresh, Func<ValueTask<GrpcStatus>> next)
    {
        if (!fresh)
        {
            return Unauthenticated($"Replayed nonce {nonce}.");
        }

        call.Nonce = nonce;
        call.RequestDigest = digest;
        call.Verified = true;
        return next();
    }

    private static ValueTask<GrpcStatus> Unauthenticated(string detail) => ValueTask.FromResult(new GrpcStatus(GrpcStatusCode.Unauthenticated, detail));
}

/// <summary>Stage 3: per-caller rate limit on authenticated callers. Over the rate: RESOURCE_EXHAUSTED.</summary>
public sealed class RateLimitStage(IRateLimiter limiter) : IMinerStage
{
    /// <inheritdoc />
    public ValueTask<GrpcStatus> InvokeAsync(MinerCall call, Func<ValueTask<GrpcStatus>> next) =>
        limiter.TryAcquire(call.Caller)
            ? next()
            : ValueTask.FromResult(new GrpcStatus(GrpcStatusCode.ResourceExhausted, $"Rate limit exceeded for {call.Caller.ToLowerHex()}."));
}

/// <summary>Stage 4: waits for a handler slot, higher stake first, with a bounded queue. Full: RESOURCE_EXHAUSTED.</summary>
public sealed class PriorityStage(PriorityGate gate) : IMinerStage
{
    /// <summary>The gate (its counters feed Health).</summary>
    public PriorityGate Gate => gate;

    /// <inheritdoc />
    public ValueTask<GrpcStatus> InvokeAsync(MinerCall call, Func<ValueTask<GrpcStatus>> next)
    {
        // A free slot and a handler that finishes at once take no async state machine; waiting for either does.
        var started = Stopwatch.GetTimestamp();
        var entering = gate.EnterAsync(call.CallerInfo.Stake, call.Context.CancellationToken);
        if (!entering.IsCompletedSuccessfully)
        {
            return WaitForSlotAsync(entering, started, call, next);
        }

        call.QueueTime = Stopwatch.GetElapsedTime(started);
        return Admitted(entering.Result, next);
    }

    private async ValueTask<GrpcStatus> WaitForSlotAsync(ValueTask<GateRejection> entering, long started, MinerCall call, Func<ValueTask<GrpcStatus>> next)
    {
        var outcome = await entering.ConfigureAwait(false);
        call.QueueTime = Stopwatch.GetElapsedTime(started);
        return await Admitted(outcome, next).ConfigureAwait(false);
    }

    private ValueTask<GrpcStatus> Admitted(GateRejection outcome, Func<ValueTask<GrpcStatus>> next)
    {
        switch (outcome)
        {
            case GateRejection.QueueFull:
                return ValueTask.FromResult(new GrpcStatus(GrpcStatusCode.ResourceExhausted, $"Miner queue is full ({gate.QueueCapacity} waiting)."));
            case GateRejection.Evicted:
                return ValueTask.FromResult(new GrpcStatus(GrpcStatusCode.ResourceExhausted, "Pushed out of the miner queue by a caller with more stake."));
        }

        // The slot is released exactly once, when the rest of the chain is done (or has thrown).
        ValueTask<GrpcStatus> running;
        try
        {
            running = next();
        }
        catch
        {
            gate.Release();
            throw;
        }

        if (!running.IsCompleted)
        {
            return ReleaseWhenDoneAsync(running);
        }

        try
        {
            return ValueTask.FromResult(running.Result);
        }
        finally
        {
            gate.Release();
        }
    }

    private async ValueTask<GrpcStatus> ReleaseWhenDoneAsync(ValueTask<GrpcStatus> running)
    {
        try
        {
            return await running.ConfigureAwait(false);
        }
        finally
        {
            gate.Release();
        }
    }
}
