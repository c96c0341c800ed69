using System.Numerics;
using Google.Protobuf;
using Intelligence.Chain;
using Intelligence.Protocol.Client;
using Intelligence.Protocol.Pipeline;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.Signing;
using Intelligence.Protocol.V1;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Tests;

/// <summary>A miner pipeline on Kestrel with a staked validator, a poor caller, a miner-only caller and a stranger; one per test.</summary>
public abstract class PipelineRig : IAsyncLifetime
{
    private protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private protected static readonly SigningDomain Domain = new(31337, 7);
    private protected readonly PrivateKey _minerKey = PrivateKey.Generate();
    private protected readonly PrivateKey _validatorKey = PrivateKey.Generate();
    private protected readonly PrivateKey _strangerKey = PrivateKey.Generate();
    private protected readonly PrivateKey _poorKey = PrivateKey.Generate();
    private protected readonly PrivateKey _minerOnlyKey = PrivateKey.Generate();
    private protected readonly StaticCallerDirectory _directory = new();
    private protected readonly InMemoryNonceStore _nonces = new();
    private protected readonly GrpcClient _client = new();
    private protected MinerPipeline _pipeline = null!;
    private protected GrpcServer _server = null!;
    private protected MinerEndpoint _miner = null!;

    public async Task InitializeAsync()
    {
        _directory.Set(_validatorKey.Address, new CallerInfo(true, true, new BigInteger(1000)));
        _directory.Set(_poorKey.Address, new CallerInfo(true, true, new BigInteger(5)));
        _directory.Set(_minerOnlyKey.Address, new CallerInfo(true, false, new BigInteger(1000)));
        var options = new MinerPipelineOptions { Domain = Domain, MinStake = 100, NonceWindow = TimeSpan.FromSeconds(10), RateLimitPerSecond = 1000, RateLimitBurst = 1000 };
        _pipeline = new MinerPipeline(_minerKey, options, _directory, _nonces);
        _server = await GrpcServer.StartAsync(InteropService.Create(_pipeline)).WaitAsync(Wait);
        _miner = new MinerEndpoint(0, _minerKey.Address, _server.Address);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync().AsTask().WaitAsync(Wait);
        foreach (var k in new[] { _minerKey, _validatorKey, _strangerKey, _poorKey, _minerOnlyKey })
        {
            k.Dispose();
        }
    }

    private protected async Task<CallResult> SendAsync(byte[] body, SignedRequest signed)
    {
        var options = new CallOptions();
        foreach (var h in signed.Headers())
        {
            options.Headers.Add(h);
        }

        return await _client.UnaryAsync(_server.Address, InteropService.ForwardPath, body, options).WaitAsync(Wait);
    }
}

/// <summary>The miner pipeline end to end on Kestrel: blacklist, signature and nonce, rate limit, priority, response signing.</summary>
public sealed class PipelineTests : PipelineRig
{
    [Fact]
    public async Task SignedCall_Ok_ResponseSignedByMiner()
    {
        using var validator = new ValidatorClient(new RequestSigner(_validatorKey, Domain), _client);
        var request = InteropService.Echo(64);
        var result = await validator.ForwardAsync(_miner, request, Wait).WaitAsync(Wait);
        Assert.True(result.Status.IsOk, result.Status.ToString());
        Assert.Equal(request.Inputs[0], result.Response!.Outputs[0]);
        Assert.NotNull(result.ResponseSignature);
        // The evidence checks out independently: the miner signed (request digest, response body).
        var bodyHash = ResponseBodyHasher.Of(result.Response.ToByteArray());
        Assert.True(RequestSigner.VerifyResponse(result.Request!, _minerKey.Address, bodyHash, result.ResponseSignature));
        Assert.False(RequestSigner.VerifyResponse(result.Request!, _validatorKey.Address, bodyHash, result.ResponseSignature));
    }

    [Fact]
    public async Task Health_IsOpen_NoSignatureNeeded()
    {
        using var validator = new ValidatorClient(null, _client);
        var result = await validator.HealthAsync(_miner, Wait).WaitAsync(Wait);
        Assert.True(result.Status.IsOk, result.Status.ToString());
        Assert.Equal("test", result.Response!.Model);
    }

    [Fact]
    public async Task Unsigned_Unauthenticated()
    {
        var result = await _client.UnaryAsync(_server.Address, InteropService.ForwardPath, InteropService.Echo().ToByteArray()).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Unauthenticated, result.Status.Code);
        Assert.Contains("unsigned", result.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallerWithoutSignature_Unauthenticated()
    {
        var options = new CallOptions();
        options.Headers.Add(new(SigningHeaders.Caller, _validatorKey.Address.ToLowerHex()));
        var result = await _client.UnaryAsync(_server.Address, InteropService.ForwardPath, InteropService.Echo().ToByteArray(), options).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Unauthenticated, result.Status.Code);
    }

    [Fact]
    public async Task BadSignature_SignedByAnotherKey_Unauthenticated()
    {
        var body = InteropService.Echo().ToByteArray();
        var forged = new RequestSigner(_strangerKey, Domain).Sign(_minerKey.Address, InteropService.ForwardPath, body);
        // Claim to be the validator, signed by the stranger.
        var result = await SendAsync(body, forged with { Caller = _validatorKey.Address });
        Assert.Equal(GrpcStatusCode.Unauthenticated, result.Status.Code);
        Assert.Contains("Bad signature", result.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KnownCaller_CachedKey_StillRejectsForgeriesAndAcceptsItsOwnCalls()
    {
        // The first good call caches the validator's key; every later check runs against it.
        var body = InteropService.Echo().ToByteArray();
        var signer = new RequestSigner(_validatorKey, Domain);
        Assert.True((await SendAsync(body, signer.Sign(_minerKey.Address, InteropService.ForwardPath, body))).Status.IsOk);

        var forged = new RequestSigner(_strangerKey, Domain).Sign(_minerKey.Address, InteropService.ForwardPath, body);
        Assert.Equal(GrpcStatusCode.Unauthenticated, (await SendAsync(body, forged with { Caller = _validatorKey.Address })).Status.Code);

        var good = signer.Sign(_minerKey.Address, InteropService.ForwardPath, body);
        var flipped = new Signature(good.Signature.R, good.Signature.S, good.Signature.RecoveryId ^ 1);
        Assert.Equal(GrpcStatusCode.Unauthenticated, (await SendAsync(body, good with { Signature = flipped })).Status.Code);
        Assert.Equal(GrpcStatusCode.Unauthenticated, (await SendAsync(InteropService.Echo(task: "other").ToByteArray(), good)).Status.Code);
        // The rejected attempts did not burn the nonce: the genuine request still goes through.
        Assert.True((await SendAsync(body, good)).Status.IsOk);
    }

    [Fact]
    public async Task BadSignature_BodyChanged_Unauthenticated()
    {
        var signed = new RequestSigner(_validatorKey, Domain).Sign(_minerKey.Address, InteropService.ForwardPath, InteropService.Echo(task: "a").ToByteArray());
        var result = await SendAsync(InteropService.Echo(task: "b").ToByteArray(), signed);
        Assert.Equal(GrpcStatusCode.Unauthenticated, result.Status.Code);
    }

    [Theory]
    [InlineData(1UL, 7u)]
    [InlineData(31337UL, 8u)]
    public async Task BadSignature_OtherChainOrSubnet_Unauthenticated(ulong chainId, uint netuid)
    {
        var body = InteropService.Echo().ToByteArray();
        var signed = new RequestSigner(_validatorKey, new SigningDomain(chainId, netuid)).Sign(_minerKey.Address, InteropService.ForwardPath, body);
        var result = await SendAsync(body, signed);
        Assert.Equal(GrpcStatusCode.Unauthenticated, result.Status.Code);
    }

    [Fact]
    public async Task BadSignature_ForAnotherMiner_Unauthenticated()
    {
        var body = InteropService.Echo().ToByteArray();
        var signed = new RequestSigner(_validatorKey, Domain).Sign(_strangerKey.Address, InteropService.ForwardPath, body);
        var result = await SendAsync(body, signed);
        Assert.Equal(GrpcStatusCode.Unauthenticated, result.Status.Code);
    }

    [Fact]
    public async Task MalformedSignature_Unauthenticated()
    {
        var body = InteropService.Echo().ToByteArray();
        var options = new CallOptions();
        options.Headers.Add(new(SigningHeaders.Caller, _validatorKey.Address.ToLowerHex()));
        options.Headers.Add(new(SigningHeaders.Nonce, NonceClock.Shared.Next().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        options.Headers.Add(new(SigningHeaders.Signature, "0x1234"));
        var result = await _client.UnaryAsync(_server.Address, InteropService.ForwardPath, body, options).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Unauthenticated, result.Status.Code);
        Assert.Contains("Malformed", result.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplayedNonce_SecondCallUnauthenticated()
    {
        var body = InteropService.Echo().ToByteArray();
        var signed = new RequestSigner(_validatorKey, Domain).Sign(_minerKey.Address, InteropService.ForwardPath, body);
        var first = await SendAsync(body, signed);
        var replay = await SendAsync(body, signed);
        Assert.True(first.Status.IsOk, first.Status.ToString());
        Assert.Equal(GrpcStatusCode.Unauthenticated, replay.Status.Code);
        Assert.Contains("Replayed", replay.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-60)]
    [InlineData(60)]
    public async Task StaleNonce_OutsideWindow_Unauthenticated(int offsetSeconds)
    {
        var body = InteropService.Echo().ToByteArray();
        var nonce = (ulong)((long)NonceClock.NowNanoseconds() + (offsetSeconds * 1_000_000_000L));
        var signed = new RequestSigner(_validatorKey, Domain).Sign(_minerKey.Address, InteropService.ForwardPath, body, nonce);
        var result = await SendAsync(body, signed);
        Assert.Equal(GrpcStatusCode.Unauthenticated, result.Status.Code);
        Assert.Contains("Stale", result.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCaller_PermissionDenied()
    {
        using var validator = new ValidatorClient(new RequestSigner(_strangerKey, Domain), _client);
        var result = await validator.ForwardAsync(_miner, InteropService.Echo(), Wait).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.PermissionDenied, result.Status.Code);
        Assert.Contains("not registered", result.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCaller_DeniedBeforeSignatureCheck()
    {
        // Garbage signature from an unknown caller: the cheap blacklist answers, not the crypto.
        var options = new CallOptions();
        options.Headers.Add(new(SigningHeaders.Caller, _strangerKey.Address.ToLowerHex()));
        options.Headers.Add(new(SigningHeaders.Nonce, "1"));
        options.Headers.Add(new(SigningHeaders.Signature, "0xzz"));
        var result = await _client.UnaryAsync(_server.Address, InteropService.ForwardPath, InteropService.Echo().ToByteArray(), options).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.PermissionDenied, result.Status.Code);
    }

    [Fact]
    public async Task LowStake_PermissionDenied()
    {
        using var validator = new ValidatorClient(new RequestSigner(_poorKey, Domain), _client);
        var result = await validator.ForwardAsync(_miner, InteropService.Echo(), Wait).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.PermissionDenied, result.Status.Code);
        Assert.Contains("below the minimum", result.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoValidatorPermit_PermissionDenied()
    {
        using var validator = new ValidatorClient(new RequestSigner(_minerOnlyKey, Domain), _client);
        var result = await validator.ForwardAsync(_miner, InteropService.Echo(), Wait).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.PermissionDenied, result.Status.Code);
        Assert.Contains("permit", result.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedCaller_Unauthenticated()
    {
        var options = new CallOptions();
        options.Headers.Add(new(SigningHeaders.Caller, "not-an-address"));
        var result = await _client.UnaryAsync(_server.Address, InteropService.ForwardPath, InteropService.Echo().ToByteArray(), options).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Unauthenticated, result.Status.Code);
    }

    [Fact]
    public async Task SignedMalformedProtobuf_InternalAfterVerification()
    {
        byte[] garbage = [0x1A, 0x64, 0x01];
        var signed = new RequestSigner(_validatorKey, Domain).Sign(_minerKey.Address, InteropService.ForwardPath, garbage);
        var result = await SendAsync(garbage, signed);
        Assert.Equal(GrpcStatusCode.Internal, result.Status.Code);
    }

    [Fact]
    public async Task ResponseSignedByAnotherKey_ValidatorRejects()
    {
        // A miner that accepts requests for _minerKey (its signature stage is swapped) but signs answers with another key.
        using var otherKey = PrivateKey.Generate();
        var options = new MinerPipelineOptions { Domain = Domain, MinStake = 100 };
        var impostor = new MinerPipeline(otherKey, options, _directory);
        impostor.Signature = new SignatureStage(new InMemoryNonceStore(), options, _minerKey.Address);
        await using var server = await GrpcServer.StartAsync(InteropService.Create(impostor)).WaitAsync(Wait);
        using var validator = new ValidatorClient(new RequestSigner(_validatorKey, Domain), _client);
        var result = await validator.ForwardAsync(_miner with { Address = server.Address }, InteropService.Echo(), Wait).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Unauthenticated, result.Status.Code);
        Assert.Contains("does not match", result.Status.Detail, StringComparison.Ordinal);
        Assert.Null(result.Response);
    }

    [Fact]
    public async Task ResponseUnsigned_ValidatorRejects()
    {
        await using var plain = await GrpcServer.StartAsync(InteropService.Create()).WaitAsync(Wait);
        using var validator = new ValidatorClient(new RequestSigner(_validatorKey, Domain), _client);
        var result = await validator.ForwardAsync(_miner with { Address = plain.Address }, InteropService.Echo(), Wait).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Unauthenticated, result.Status.Code);
        Assert.Contains("not signed", result.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentSignedCalls_AllAccepted_NoncesUnique()
    {
        using var validator = new ValidatorClient(new RequestSigner(_validatorKey, Domain), _client);
        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => validator.ForwardAsync(_miner, InteropService.Echo(), Wait))).WaitAsync(Wait);
        Assert.All(results, r => Assert.True(r.Status.IsOk, r.Status.ToString()));
        Assert.Equal(64, results.Select(r => r.Request!.Nonce).Distinct().Count());
    }

    [Fact]
    public async Task RateLimit_BurstExceeded_ResourceExhausted()
    {
        var (pipeline, server, validator, miner) = await StartCustomAsync(new MinerPipelineOptions { Domain = Domain, MinStake = 100, RateLimitPerSecond = 0.001, RateLimitBurst = 3 });
        await using var _ = server;
        using var __ = validator;
        var codes = new List<GrpcStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            codes.Add((await validator.ForwardAsync(miner, InteropService.Echo(), Wait).WaitAsync(Wait)).Status.Code);
        }

        Assert.Equal([GrpcStatusCode.OK, GrpcStatusCode.OK, GrpcStatusCode.OK, GrpcStatusCode.ResourceExhausted, GrpcStatusCode.ResourceExhausted], codes);
    }

    [Fact]
    public async Task QueueFull_ResourceExhausted_OthersFinish()
    {
        var (pipeline, server, validator, miner) = await StartCustomAsync(new MinerPipelineOptions { Domain = Domain, MinStake = 100, MaxConcurrency = 1, QueueCapacity = 1 });
        await using var _ = server;
        using var __ = validator;
        var latch = "queue-full-" + Guid.NewGuid().ToString("N");
        var running = validator.ForwardAsync(miner, InteropService.Echo(task: "wait:" + latch), Wait);
        await WaitUntilAsync(() => pipeline.Gate.Running == 1);
        var queued = validator.ForwardAsync(miner, InteropService.Echo(task: "sleep:10"), Wait);
        await WaitUntilAsync(() => pipeline.Gate.Queued == 1);
        var refused = await validator.ForwardAsync(miner, InteropService.Echo(), Wait).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.ResourceExhausted, refused.Status.Code);
        InteropService.Gate(latch).SetResult();
        Assert.True((await running.WaitAsync(Wait)).Status.IsOk);
        Assert.True((await queued.WaitAsync(Wait)).Status.IsOk);
    }

    [Fact]
    public async Task SignedStream_ResponseSignatureCoversEveryMessage()
    {
        var request = InteropService.Echo();
        request.Inputs.Add(new Tensor { Name = "second", Data = ByteString.CopyFromUtf8("2") });
        var body = request.ToByteArray();
        var signed = new RequestSigner(_validatorKey, Domain).Sign(_minerKey.Address, InteropService.StreamPath, body);
        var options = new CallOptions();
        foreach (var h in signed.Headers())
        {
            options.Headers.Add(h);
        }

        var messages = new List<byte[]>();
        var result = await _client.ServerStreamingAsync(_server.Address, InteropService.StreamPath, body, m =>
        {
            messages.Add(m);
            return ValueTask.CompletedTask;
        }, options).WaitAsync(Wait);
        Assert.True(result.Status.IsOk, result.Status.ToString());
        Assert.Equal(2, messages.Count);
        var hasher = new ResponseBodyHasher();
        messages.ForEach(m => hasher.Add(m));
        var signature = Signature.Parse(result.Trailers[SigningHeaders.ResponseSignature]);
        Assert.True(RequestSigner.VerifyResponse(signed, _minerKey.Address, hasher.Finish(), signature));
        Assert.False(RequestSigner.VerifyResponse(signed, _minerKey.Address, ResponseBodyHasher.Of(messages[0]), signature));
    }

    [Fact]
    public async Task FanOut_TwoHundredMiners_AllAnswered()
    {
        await using var second = await GrpcServer.StartAsync(InteropService.Create(_pipeline)).WaitAsync(Wait);
        using var validator = new ValidatorClient(new RequestSigner(_validatorKey, Domain), _client);
        var miners = Enumerable.Range(0, 200).Select(uid => new MinerEndpoint(uid, _minerKey.Address, uid % 2 == 0 ? _server.Address : second.Address)).ToList();
        var results = await validator.ForwardAllAsync(miners, m => InteropService.Echo(8, task: "echo"), TimeSpan.FromSeconds(15), maxConcurrency: 64).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, 200), results.Select(r => r.Miner.Uid));
        Assert.All(results, r => Assert.True(r.Status.IsOk, r.Status.ToString()));
        Assert.Equal(200, results.Select(r => r.Request!.Nonce).Distinct().Count());
    }

    [Fact]
    public async Task FanOut_OneRequestForAll_SignedPerMiner_AnswersKeepTheSignedBytes()
    {
        using var validator = new ValidatorClient(new RequestSigner(_validatorKey, Domain), _client);
        var miners = Enumerable.Range(0, 20).Select(uid => _miner with { Uid = uid }).ToList();
        var request = InteropService.Echo(8, task: "echo");
        var results = await validator.ForwardAllAsync(miners, request, TimeSpan.FromSeconds(15), maxConcurrency: 8).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(Enumerable.Range(0, 20), results.Select(r => r.Miner.Uid));
        Assert.All(results, r => Assert.True(r.Status.IsOk, r.Status.ToString()));
        Assert.Equal(20, results.Select(r => r.Request!.Nonce).Distinct().Count());
        foreach (var r in results)
        {
            // The request digest is the one for this miner's nonce over the body as sent, and the kept response bytes
            // are the ones the miner's signature covers.
            Assert.Equal(SigningDigests.Request(Domain, _validatorKey.Address, _minerKey.Address, r.Request!.Nonce, MinerService.ForwardPath, request.ToByteArray()), r.Request.Digest);
            Assert.True(RequestSigner.VerifyResponse(r.Request, _minerKey.Address, ResponseBodyHasher.Of(r.ResponseBytes!), r.ResponseSignature!));
            Assert.Equal(r.Response, ForwardResponse.Parser.ParseFrom(r.ResponseBytes!));
        }
    }

    private async Task<(MinerPipeline Pipeline, GrpcServer Server, ValidatorClient Validator, MinerEndpoint Miner)> StartCustomAsync(MinerPipelineOptions options)
    {
        var pipeline = new MinerPipeline(_minerKey, options, _directory);
        var server = await GrpcServer.StartAsync(InteropService.Create(pipeline)).WaitAsync(Wait);
        return (pipeline, server, new ValidatorClient(new RequestSigner(_validatorKey, Domain), _client), _miner with { Address = server.Address });
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Wait);
        while (!condition())
        {
            await Task.Delay(10, cts.Token);
        }
    }
}

/// <summary>Fan-out over mixed miners: its own class so the 15 s deadline it must wait out runs beside the other pipeline tests.</summary>
public sealed class PipelineFanOutTests : PipelineRig
{
    [Fact]
    public async Task FanOut_MixedMiners_OneResultEach_NoThrow()
    {
        await using var unsignedServer = await GrpcServer.StartAsync(InteropService.Create()).WaitAsync(Wait);
        using var validator = new ValidatorClient(new RequestSigner(_validatorKey, Domain), _client);
        var deadPort = _server.Port == 1 ? 2 : 1;
        var miners = new List<MinerEndpoint>
        {
            _miner,
            new(1, _minerKey.Address, new Uri($"http://127.0.0.1:{deadPort}")),
            _miner with { Uid = 2 },
            new(3, _minerKey.Address, unsignedServer.Address),
        };
        // The slow miner sleeps 60 s, far past the 15 s deadline (so DeadlineExceeded is still proven); 15 s is generous
        // enough that the other calls, on cold connections and a loaded machine, still answer in time.
        var results = await validator.ForwardAllAsync(miners, m => InteropService.Echo(task: m.Uid == 2 ? "sleep:60000" : "echo"), TimeSpan.FromSeconds(15))
            .WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal([0, 1, 2, 3], results.Select(r => r.Miner.Uid));
        Assert.Equal(GrpcStatusCode.OK, results[0].Status.Code);
        Assert.Equal(GrpcStatusCode.Unavailable, results[1].Status.Code);
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, results[2].Status.Code);
        Assert.Equal(GrpcStatusCode.Unauthenticated, results[3].Status.Code);
    }
}

/// <summary>The pipeline's heap stays flat under rejected calls; alone in its serial collection (see <see cref="HeapMeasuringCollection"/>).</summary>
[Collection(HeapMeasuringCollection.Name)]
public sealed class PipelineHeapTests : PipelineRig
{
    [Fact]
    public async Task ManyRejectedCalls_MemoryStaysFlat_ServerKeepsServing()
    {
        var body = InteropService.Echo().ToByteArray();
        var validatorSigner = new RequestSigner(_validatorKey, Domain);
        var replayed = validatorSigner.Sign(_minerKey.Address, InteropService.ForwardPath, body);
        Assert.True((await SendAsync(body, replayed)).Status.IsOk);
        var forged = new RequestSigner(_strangerKey, Domain).Sign(_minerKey.Address, InteropService.ForwardPath, body) with { Caller = _validatorKey.Address };
        var stranger = new RequestSigner(_strangerKey, Domain).Sign(_minerKey.Address, InteropService.ForwardPath, body);
        var stale = validatorSigner.Sign(_minerKey.Address, InteropService.ForwardPath, body, 1);
        async Task RoundAsync(int n)
        {
            for (var i = 0; i < n; i++)
            {
                var results = await Task.WhenAll(
                    _client.UnaryAsync(_server.Address, InteropService.ForwardPath, body),
                    SendAsync(body, forged),
                    SendAsync(body, stranger),
                    SendAsync(body, stale),
                    SendAsync(body, replayed)).WaitAsync(Wait);
                Assert.All(results, r => Assert.False(r.Status.IsOk));
            }
        }

        await RoundAsync(40);
        var (growth, readings) = await Repo.SteadyHeapGrowthAsync(() => RoundAsync(40));
        Assert.True(growth < 8 * 1024 * 1024, $"managed heap grew by {growth / 1024} KiB over 1000 rejected calls (readings: {readings})");
        Assert.Equal(1, _nonces.Count(_validatorKey.Address));
        using var validator = new ValidatorClient(validatorSigner, _client);
        Assert.True((await validator.ForwardAsync(_miner, InteropService.Echo(), Wait).WaitAsync(Wait)).Status.IsOk);
    }
}

public sealed class MinerServiceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task MinerService_FillsTimingAndHealth()
    {
        using var minerKey = PrivateKey.Generate();
        using var validatorKey = PrivateKey.Generate();
        var domain = new SigningDomain(5, 9);
        var directory = new StaticCallerDirectory();
        directory.Set(validatorKey.Address, new CallerInfo(true, true, 1));
        var pipeline = new MinerPipeline(minerKey, new MinerPipelineOptions { Domain = domain, QueueCapacity = 17 }, directory);
        var registry = MinerService.Create(
            pipeline,
            async (request, context) =>
            {
                await Task.Delay(20, context.CancellationToken);
                return new ForwardResponse { Outputs = { request.Inputs } };
            },
            () => new HealthResponse { Model = "digits-mlp", ModelVersion = "3", Hardware = "cpu" });
        await using var server = await GrpcServer.StartAsync(registry).WaitAsync(Wait);
        using var validator = new ValidatorClient(new RequestSigner(validatorKey, domain));
        var miner = new MinerEndpoint(0, minerKey.Address, server.Address);

        var forward = await validator.ForwardAsync(miner, InteropService.Echo(), Wait).WaitAsync(Wait);
        Assert.True(forward.Status.IsOk, forward.Status.ToString());
        Assert.True(forward.Response!.Timing.ComputeUs >= 15_000, forward.Response.Timing.ToString());
        Assert.True(forward.Response.Timing.TotalUs >= forward.Response.Timing.ComputeUs);

        var health = await validator.HealthAsync(miner, Wait).WaitAsync(Wait);
        Assert.True(health.Status.IsOk, health.Status.ToString());
        Assert.Equal("digits-mlp", health.Response!.Model);
        Assert.Equal(minerKey.Address.ToLowerHex(), health.Response.Hotkey);
        Assert.Equal(9u, health.Response.Netuid);
        Assert.Equal(5UL, health.Response.ChainId);
        Assert.Equal(17u, health.Response.QueueCapacity);
        Assert.Equal(ProtocolVersion.Current, health.Response.ProtocolVersion);
    }
}
