using System.Diagnostics;
using Intelligence.Chain;
using Intelligence.Protocol.Pipeline;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.Signing;
using Intelligence.Protocol.V1;
using Intelligence.Subnets.Digits;
using Intelligence.Telemetry;
using Intelligence.Validator;

namespace Intelligence.Network.Tests;

/// <summary>
/// One trace across a validator's query and the miner's handling of it: the W3C context of the validator's current
/// activity reaches the miner in the call's metadata over real HTTP/2 on loopback, and the miner's extraction (what
/// its <c>miner.forward</c> span is parented on) reads it back.
/// </summary>
public sealed class TraceContextTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ValidatorQuery_CarriesItsTraceContext_ToTheMiner()
    {
        const ulong chainId = 31337;
        const ushort netuid = 3;
        using var minerKey = PrivateKey.Generate();
        using var validatorKey = PrivateKey.Generate();
        var directory = new StaticCallerDirectory();
        directory.Set(validatorKey.Address, new CallerInfo(true, true, 1));
        var pipeline = new MinerPipeline(minerKey, new MinerPipelineOptions { Domain = new SigningDomain(chainId, netuid) }, directory);
        var seen = new TaskCompletionSource<ActivityContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        var registry = new ServiceRegistry().AddUnary<ForwardRequest, ForwardResponse>(MinerService.ForwardPath, ForwardRequest.Parser, (request, context) =>
        {
            seen.TrySetResult(TraceContext.Extract(context.GetHeader));
            return Task.FromResult(new ForwardResponse { Outputs = { request.Inputs } });
        }, pipeline);
        await using var server = await GrpcServer.StartAsync(registry, new GrpcServerEndpoint { Port = 0 }).WaitAsync(Wait);

        using var source = new ActivitySource("Intelligence.Tests.Trace");
        using var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == source.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(listener);
        using var querier = new MinerQuerier(validatorKey, chainId, netuid);
        var query = new DigitsSubnet().CreateQueryBatch(new Random(5));
        using (var step = source.StartActivity("validator.step"))
        {
            Assert.NotNull(step);
            var answers = await querier.QueryAsync([new MinerTarget(0, minerKey.Address, server.Address)], query, "digits", TimeSpan.FromSeconds(10), 4, CancellationToken.None).WaitAsync(Wait);
            Assert.Equal("OK", answers[0].Status);
            var parent = await seen.Task.WaitAsync(Wait);
            Assert.Equal(step.TraceId, parent.TraceId);
            Assert.NotEqual(default, parent.SpanId);
        }

        // Without a current activity nothing is invented: the miner sees no parent.
        seen = new TaskCompletionSource<ActivityContext>(TaskCreationOptions.RunContinuationsAsynchronously);
        Assert.Null(Activity.Current);
        var plain = await querier.QueryAsync([new MinerTarget(0, minerKey.Address, server.Address)], query, "digits", TimeSpan.FromSeconds(10), 4, CancellationToken.None).WaitAsync(Wait);
        Assert.Equal("OK", plain[0].Status);
        Assert.Equal(default, (await seen.Task.WaitAsync(Wait)).TraceId);
    }
}
