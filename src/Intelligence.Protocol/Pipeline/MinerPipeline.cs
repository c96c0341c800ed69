using System.Numerics;
using Intelligence.Chain;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.Signing;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Pipeline;

/// <summary>Settings of the miner pipeline.</summary>
public sealed class MinerPipelineOptions
{
    /// <summary>Chain id and netuid requests must be signed for.</summary>
    public SigningDomain Domain { get; set; }

    /// <summary>Minimum caller stake (token base units).</summary>
    public BigInteger MinStake { get; set; }

    /// <summary>Only validators (permit holders) may call (default true).</summary>
    public bool RequireValidatorPermit { get; set; } = true;

    /// <summary>How far a nonce (Unix ns) may be from the miner's clock, either way (default 30 s).</summary>
    public TimeSpan NonceWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Handler calls run at once (default: processor count).</summary>
    public int MaxConcurrency { get; set; } = Environment.ProcessorCount;

    /// <summary>Calls that may wait for a handler slot (default 256).</summary>
    public int QueueCapacity { get; set; } = 256;

    /// <summary>Sustained requests per second per caller (default 100).</summary>
    public double RateLimitPerSecond { get; set; } = 100;

    /// <summary>Burst size per caller (default 200).</summary>
    public int RateLimitBurst { get; set; } = 200;

    /// <summary>Sign OK responses with the miner hotkey (default true).</summary>
    public bool SignResponses { get; set; } = true;
}

/// <summary>
/// The miner's request pipeline as a server interceptor, in the fixed order
/// blacklist -> signature + nonce -> rate limit -> priority -> <see cref="Extra"/> stages -> handler.
/// Each stage is a property a subnet can replace. OK responses are signed over (request digest, response body).
/// </summary>
public sealed class MinerPipeline : IServerInterceptor, IHeaderCheck
{
    private readonly PrivateKey _minerKey;
    private readonly MinerPipelineOptions _options;
    private readonly string _minerHex;
    private readonly Func<MinerCall, ValueTask<GrpcStatus>> _afterStages;
    private readonly Action<ServerCallContext, GrpcStatus> _signResponse;
    private IMinerStage[] _stages = [];

    /// <summary>Creates the default pipeline. The miner key stays owned by the caller.</summary>
    public MinerPipeline(PrivateKey minerKey, MinerPipelineOptions options, ICallerDirectory directory, INonceStore? nonces = null, IRateLimiter? rateLimiter = null)
    {
        _minerKey = minerKey;
        _minerHex = minerKey.Address.ToLowerHex();
        _options = options;
        Blacklist = new BlacklistStage(directory, options);
        Signature = new SignatureStage(nonces ?? new InMemoryNonceStore(), options, minerKey.Address);
        RateLimit = new RateLimitStage(rateLimiter ?? new TokenBucketRateLimiter(options.RateLimitPerSecond, options.RateLimitBurst));
        Gate = new PriorityGate(options.MaxConcurrency, options.QueueCapacity);
        Priority = new PriorityStage(Gate);
        _afterStages = AfterStages;
        _signResponse = SignResponse;
    }

    /// <summary>Stage 1: blacklist on the claimed caller.</summary>
    public IMinerStage Blacklist { get; set; }

    /// <summary>Stage 2: signature and nonce.</summary>
    public IMinerStage Signature { get; set; }

    /// <summary>Stage 3: per-caller rate limit.</summary>
    public IMinerStage RateLimit { get; set; }

    /// <summary>Stage 4: stake-priority queue.</summary>
    public IMinerStage Priority { get; set; }

    /// <summary>Subnet-specific stages run after the priority stage, in order, before the handler.</summary>
    public IList<IMinerStage> Extra { get; } = [];

    /// <summary>The default priority gate (queue depth and running count, for Health).</summary>
    public PriorityGate Gate { get; }

    /// <summary>The miner hotkey address.</summary>
    public Address Miner => _minerKey.Address;

    /// <summary>Chain id and netuid requests are checked against.</summary>
    public SigningDomain Domain => _options.Domain;

    /// <inheritdoc />
    public ValueTask<GrpcStatus> InterceptAsync(ServerCallContext context, ReadOnlyMemory<byte> request, Func<ValueTask<GrpcStatus>> next)
    {
        var stages = Stages();
        if (context.HttpContext.Items.TryGetValue(HeaderCheckKey, out var early) && early is MinerCall call && call.PassedHeaderCheck && ReferenceEquals(stages[0], call.Blacklist))
        {
            // The blacklist already admitted this caller from the headers: go on from the signature stage.
            call.Context = context;
            call.Request = request;
            context.MinerCall = call;
            return call.Run(stages, 1, _afterStages, next);
        }

        if (!TryClaimedCaller(context.GetHeader(SigningHeaders.Caller), out var caller, out var refusal))
        {
            return ValueTask.FromResult(refusal);
        }

        call = new MinerCall(context, request, caller, context.GetHeader(SigningHeaders.Nonce), context.GetHeader(SigningHeaders.Signature));
        context.MinerCall = call;
        return call.Run(stages, 0, _afterStages, next);
    }

    /// <summary>
    /// Runs before grpc-dotnet reads the body: the claimed caller must be present and well-formed, and the blacklist
    /// stage must admit it. Nothing of a refused caller's request body is read.
    /// </summary>
    async ValueTask<GrpcStatus> IHeaderCheck.CheckHeadersAsync(Microsoft.AspNetCore.Http.HttpContext http)
    {
        var headers = http.Request.Headers;
        if (!TryClaimedCaller(First(headers[SigningHeaders.Caller]), out var caller, out var refusal))
        {
            return refusal;
        }

        var call = new MinerCall(null, ReadOnlyMemory<byte>.Empty, caller, First(headers[SigningHeaders.Nonce]), First(headers[SigningHeaders.Signature]));
        var blacklist = Blacklist;
        call.Blacklist = blacklist;
        GrpcStatus status;
        try
        {
            status = await blacklist.InvokeAsync(call, () =>
            {
                call.PassedHeaderCheck = true;
                return ValueTask.FromResult(GrpcStatus.Ok);
            }).ConfigureAwait(false);
        }
        catch (GrpcException e)
        {
            return e.Status;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A replaced blacklist stage that fails (for example by reading the body, which is not there yet) ends
            // the call as a handler exception would, without its text.
            return new GrpcStatus(GrpcStatusCode.Unknown, "Exception was thrown by the blacklist stage.");
        }

        if (status.IsOk && call.PassedHeaderCheck)
        {
            http.Items[HeaderCheckKey] = call;
        }

        return status;

        static string? First(Microsoft.Extensions.Primitives.StringValues values) => values.Count == 0 ? null : values[0];
    }

    private static readonly object HeaderCheckKey = new();

    internal static bool TryClaimedCaller(string? header, out Address caller, out GrpcStatus refusal)
    {
        if (header is null)
        {
            caller = default;
            refusal = new GrpcStatus(GrpcStatusCode.Unauthenticated, $"Request is unsigned: {SigningHeaders.Caller} is required.");
            return false;
        }

        if (!Address.TryParse(header, out caller))
        {
            refusal = new GrpcStatus(GrpcStatusCode.Unauthenticated, $"Malformed {SigningHeaders.Caller}: a 0x-prefixed 20-byte hex address is required.");
            return false;
        }

        refusal = GrpcStatus.Ok;
        return true;
    }

    // The stages of a call, snapshot when it starts. The array is reused while the stage properties stay the same.
    private IMinerStage[] Stages()
    {
        var stages = _stages;
        if (stages.Length != 4 + Extra.Count || stages[0] != Blacklist || stages[1] != Signature || stages[2] != RateLimit || stages[3] != Priority || !SameExtra(stages))
        {
            stages = [Blacklist, Signature, RateLimit, Priority, .. Extra];
            _stages = stages;
        }

        return stages;
    }

    private bool SameExtra(IMinerStage[] stages)
    {
        for (var i = 0; i < Extra.Count; i++)
        {
            if (stages[4 + i] != Extra[i])
            {
                return false;
            }
        }

        return true;
    }

    private ValueTask<GrpcStatus> AfterStages(MinerCall call)
    {
        if (_options.SignResponses && call.Verified)
        {
            AttachResponseSigner(call);
        }

        return call.InvokeHandler();
    }

    private void AttachResponseSigner(MinerCall call)
    {
        call.ResponseHasher = new ResponseBodyHasher();
        call.Context.OnResponseMessage = HashResponseMessage;
        call.Context.OnCompleting = _signResponse;
    }

    private static readonly Action<ServerCallContext, ReadOnlyMemory<byte>> HashResponseMessage =
        static (context, message) => context.MinerCall!.ResponseHasher!.Add(message.Span);

    private void SignResponse(ServerCallContext context, GrpcStatus status)
    {
        var call = context.MinerCall!;
        if (!status.IsOk || call.ResponseHasher!.Count == 0)
        {
            return;
        }

        Span<byte> bodyHash = stackalloc byte[Keccak256.HashLength];
        call.ResponseHasher.Finish(bodyHash);
        Span<byte> digest = stackalloc byte[Keccak256.HashLength];
        SigningDigests.Response(call.RequestDigest, bodyHash, digest);
        context.ResponseTrailers.Add(new(SigningHeaders.Miner, _minerHex));
        context.ResponseTrailers.Add(new(SigningHeaders.ResponseSignature, PersonalSign.Sign(_minerKey, digest).ToHex()));
    }
}
