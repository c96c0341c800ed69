using Google.Protobuf;
using Intelligence.Protocol.Client;
using Intelligence.Protocol.Pipeline;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.Signing;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Tests;

/// <summary>The pluggable stages: subnet stages after the fixed ones, replaced stages, misbehaving stages, a nonce store that answers later.</summary>
public sealed class PipelineStageTests : PipelineRig
{
    [Fact]
    public async Task ExtraStages_RunInOrder_AfterVerification_BeforeHandler()
    {
        var seen = new List<string>();
        _pipeline.Extra.Add(new RecordingStage("a", seen));
        _pipeline.Extra.Add(new RecordingStage("b", seen));
        using var validator = new ValidatorClient(new RequestSigner(_validatorKey, Domain), _client);
        var result = await validator.ForwardAsync(_miner, InteropService.Echo(), Wait).WaitAsync(Wait);
        Assert.True(result.Status.IsOk, result.Status.ToString());
        Assert.NotNull(result.ResponseSignature);
        Assert.Equal(["a: verified, digest 32, queued", "b: verified, digest 32, queued"], seen);
    }

    [Fact]
    public async Task ExtraStage_Rejects_StatusReachesCaller_ResponseUnsigned()
    {
        _pipeline.Extra.Add(new RejectingStage(new GrpcStatus(GrpcStatusCode.FailedPrecondition, "Subnet says no.")));
        using var validator = new ValidatorClient(new RequestSigner(_validatorKey, Domain), _client);
        var result = await validator.ForwardAsync(_miner, InteropService.Echo(), Wait).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.FailedPrecondition, result.Status.Code);
        Assert.Equal("Subnet says no.", result.Status.Detail);
        Assert.Null(result.ResponseSignature);
    }

    [Fact]
    public async Task ReplacedStages_TakeEffectOnTheNextCall()
    {
        using var validator = new ValidatorClient(new RequestSigner(_validatorKey, Domain), _client);
        var original = _pipeline.Blacklist;
        Assert.True((await validator.ForwardAsync(_miner, InteropService.Echo(), Wait).WaitAsync(Wait)).Status.IsOk);

        _pipeline.Blacklist = new RejectingStage(new GrpcStatus(GrpcStatusCode.PermissionDenied, "Custom blacklist."));
        var denied = await validator.ForwardAsync(_miner, InteropService.Echo(), Wait).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.PermissionDenied, denied.Status.Code);
        Assert.Equal("Custom blacklist.", denied.Status.Detail);

        _pipeline.Blacklist = original;
        var extra = new RejectingStage(new GrpcStatus(GrpcStatusCode.Aborted, "Extra."));
        _pipeline.Extra.Add(extra);
        Assert.Equal(GrpcStatusCode.Aborted, (await validator.ForwardAsync(_miner, InteropService.Echo(), Wait).WaitAsync(Wait)).Status.Code);

        _pipeline.Extra[0] = new RecordingStage("x", []);
        Assert.True((await validator.ForwardAsync(_miner, InteropService.Echo(), Wait).WaitAsync(Wait)).Status.IsOk);
        _pipeline.Extra.Clear();
        Assert.True((await validator.ForwardAsync(_miner, InteropService.Echo(), Wait).WaitAsync(Wait)).Status.IsOk);
    }

    [Fact]
    public async Task StageCallingNextTwice_CallFails_HandlerNotRunTwice()
    {
        _pipeline.Extra.Add(new TwiceStage());
        var body = InteropService.Echo().ToByteArray();
        var result = await SendAsync(body, new RequestSigner(_validatorKey, Domain).Sign(_minerKey.Address, InteropService.ForwardPath, body));
        Assert.Equal(GrpcStatusCode.Unknown, result.Status.Code);
        Assert.True(result.Messages.Count <= 1, $"{result.Messages.Count} response messages");
    }

    [Fact]
    public async Task NonceStoreAnsweringLater_SameChecks()
    {
        var options = new MinerPipelineOptions { Domain = Domain, MinStake = 100 };
        var pipeline = new MinerPipeline(_minerKey, options, _directory, new LaterNonceStore());
        await using var server = await GrpcServer.StartAsync(InteropService.Create(pipeline)).WaitAsync(Wait);
        var body = InteropService.Echo().ToByteArray();
        var signed = new RequestSigner(_validatorKey, Domain).Sign(_minerKey.Address, InteropService.ForwardPath, body);
        var callOptions = new CallOptions();
        foreach (var h in signed.Headers())
        {
            callOptions.Headers.Add(h);
        }

        var first = await _client.UnaryAsync(server.Address, InteropService.ForwardPath, body, callOptions).WaitAsync(Wait);
        var replay = await _client.UnaryAsync(server.Address, InteropService.ForwardPath, body, callOptions).WaitAsync(Wait);
        Assert.True(first.Status.IsOk, first.Status.ToString());
        Assert.NotNull(first.GetMetadata(SigningHeaders.ResponseSignature));
        Assert.Equal(GrpcStatusCode.Unauthenticated, replay.Status.Code);
        Assert.Equal($"Replayed nonce {signed.Nonce}.", replay.Status.Detail);
    }

    [Theory]
    [InlineData("echo", GrpcStatusCode.OK)]
    [InlineData("sleep:5", GrpcStatusCode.OK)]
    [InlineData("throw", GrpcStatusCode.Unknown)]
    [InlineData("fail:9:not now", GrpcStatusCode.FailedPrecondition)]
    [InlineData("stage-throws", GrpcStatusCode.Unknown)]
    [InlineData("stage-yields", GrpcStatusCode.OK)]
    public async Task PrioritySlot_ReleasedOnEveryOutcome(string task, GrpcStatusCode expected)
    {
        if (task == "stage-throws")
        {
            _pipeline.Extra.Add(new ThrowingStage());
        }
        else if (task == "stage-yields")
        {
            _pipeline.Extra.Add(new YieldingStage());
        }

        using var validator = new ValidatorClient(new RequestSigner(_validatorKey, Domain), _client);
        for (var i = 0; i < 3; i++)
        {
            var result = await validator.ForwardAsync(_miner, InteropService.Echo(task: task), Wait).WaitAsync(Wait);
            Assert.Equal(expected, result.Status.Code);
            Assert.Equal(0, _pipeline.Gate.Running);
        }

        _pipeline.Extra.Clear();
        Assert.True((await validator.ForwardAsync(_miner, InteropService.Echo(), Wait).WaitAsync(Wait)).Status.IsOk);
        Assert.Equal(0, _pipeline.Gate.Running);
    }

    private sealed class ThrowingStage : IMinerStage
    {
        public ValueTask<GrpcStatus> InvokeAsync(MinerCall call, Func<ValueTask<GrpcStatus>> next) => throw new InvalidOperationException("stage failed");
    }

    private sealed class YieldingStage : IMinerStage
    {
        public async ValueTask<GrpcStatus> InvokeAsync(MinerCall call, Func<ValueTask<GrpcStatus>> next)
        {
            await Task.Yield();
            return await next();
        }
    }

    private sealed class RecordingStage(string name, List<string> seen) : IMinerStage
    {
        public ValueTask<GrpcStatus> InvokeAsync(MinerCall call, Func<ValueTask<GrpcStatus>> next)
        {
            lock (seen)
            {
                seen.Add($"{name}: {(call.Verified ? "verified" : "unverified")}, digest {call.RequestDigest?.Length}, {(call.Context.GetMinerCall() == call ? "queued" : "?")}");
            }

            return next();
        }
    }

    private sealed class RejectingStage(GrpcStatus status) : IMinerStage
    {
        public ValueTask<GrpcStatus> InvokeAsync(MinerCall call, Func<ValueTask<GrpcStatus>> next) => ValueTask.FromResult(status);
    }

    private sealed class TwiceStage : IMinerStage
    {
        public async ValueTask<GrpcStatus> InvokeAsync(MinerCall call, Func<ValueTask<GrpcStatus>> next)
        {
            await next();
            return await next();
        }
    }

    /// <summary>A store that answers after a thread-pool hop, as a remote (Redis) store does.</summary>
    private sealed class LaterNonceStore : INonceStore
    {
        private readonly InMemoryNonceStore _inner = new();

        public async ValueTask<bool> TryUseAsync(Intelligence.Chain.Address caller, ulong nonce, TimeSpan retention, CancellationToken cancellationToken)
        {
            await Task.Yield();
            return await _inner.TryUseAsync(caller, nonce, retention, cancellationToken);
        }
    }
}
