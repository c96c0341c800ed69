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
public sealed class MinerPipeline : IServerInterceptor
{
    private readonly PrivateKey _minerKey;
    private readonly MinerPipelineOptions _options;
    private readonly string _minerHex;

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
        var callerHeader = context.GetHeader(SigningHeaders.Caller);
        if (callerHeader is null)
        {
            return ValueTask.FromResult(new GrpcStatus(GrpcStatusCode.Unauthenticated, $"Request is unsigned: {SigningHeaders.Caller} is required."));
        }

        if (!Address.TryParse(callerHeader, out var caller))
        {
            return ValueTask.FromResult(new GrpcStatus(GrpcStatusCode.Unauthenticated, $"Malformed {SigningHeaders.Caller}: a 0x-prefixed 20-byte hex address is required."));
        }

        var call = new MinerCall(context, request, caller, context.GetHeader(SigningHeaders.Nonce), context.GetHeader(SigningHeaders.Signature));
        context.Items[typeof(MinerCall)] = call;
        var stages = new List<IMinerStage>(4 + Extra.Count) { Blacklist, Signature, RateLimit, Priority };
        stages.AddRange(Extra);
        return Run(0);

        ValueTask<GrpcStatus> Run(int index)
        {
            if (index < stages.Count)
            {
                return stages[index].InvokeAsync(call, () => Run(index + 1));
            }

            if (_options.SignResponses && call.Verified)
            {
                AttachResponseSigner(call);
            }

            return next();
        }
    }

    private void AttachResponseSigner(MinerCall call)
    {
        var hasher = new ResponseBodyHasher();
        call.Context.OnResponseMessage = (_, message) => hasher.Add(message.Span);
        call.Context.OnCompleting = (context, status) =>
        {
            if (!status.IsOk || hasher.Count == 0)
            {
                return;
            }

            var digest = SigningDigests.Response(call.RequestDigest, hasher.Finish());
            context.ResponseTrailers.Add(new(SigningHeaders.Miner, _minerHex));
            context.ResponseTrailers.Add(new(SigningHeaders.ResponseSignature, PersonalSign.Sign(_minerKey, digest).ToHex()));
        };
    }
}
