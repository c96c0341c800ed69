using System.Diagnostics;
using Intelligence.Protocol.Pipeline;
using Intelligence.Protocol.V1;

namespace Intelligence.Protocol.Server;

/// <summary>
/// Builds the Miner service (Forward, ForwardStream, Health) around a subnet's handler, so a miner binary supplies only
/// the model call. Forward and ForwardStream run behind the pipeline; Health is open and reports queue state.
/// </summary>
public static class MinerService
{
    /// <summary>Path of Miner.Forward.</summary>
    public const string ForwardPath = "/intelligence.v1.Miner/Forward";

    /// <summary>Path of Miner.ForwardStream.</summary>
    public const string ForwardStreamPath = "/intelligence.v1.Miner/ForwardStream";

    /// <summary>Path of Miner.Health.</summary>
    public const string HealthPath = "/intelligence.v1.Miner/Health";

    /// <summary>The protobuf descriptor of intelligence.v1.Miner (what server reflection lists).</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor { get; } = MinerReflection.Descriptor.Services.Single(s => s.Name == "Miner");

    /// <summary>
    /// Creates the registry. <paramref name="describe"/> fills model, version and hardware; the rest of Health
    /// (protocol version, load, hotkey, netuid, chain id) comes from the pipeline. Forward responses get their Timing filled.
    /// </summary>
    public static ServiceRegistry Create(
        MinerPipeline pipeline,
        Func<ForwardRequest, ServerCallContext, Task<ForwardResponse>> forward,
        Func<HealthResponse> describe,
        Func<ForwardRequest, IServerStreamWriter<ForwardResponse>, ServerCallContext, Task>? forwardStream = null)
    {
        var registry = new ServiceRegistry()
            .AddDescriptor(Descriptor)
            .AddUnary<ForwardRequest, ForwardResponse>(ForwardPath, ForwardRequest.Parser, async (request, context) =>
            {
                var started = Stopwatch.GetTimestamp();
                var response = await forward(request, context).ConfigureAwait(false);
                var queue = context.GetMinerCall()?.QueueTime ?? TimeSpan.Zero;
                response.Timing ??= new Timing();
                response.Timing.QueueUs = (ulong)(queue.Ticks / 10);
                response.Timing.ComputeUs = (ulong)(Stopwatch.GetElapsedTime(started).Ticks / 10);
                response.Timing.TotalUs = (ulong)((DateTime.UtcNow - context.ReceivedAt).Ticks / 10);
                return response;
            }, pipeline)
            .AddUnary<HealthRequest, HealthResponse>(HealthPath, HealthRequest.Parser, (_, _) =>
            {
                var health = describe();
                health.ProtocolVersion = ProtocolVersion.Current;
                health.InFlight = (uint)pipeline.Gate.Running;
                health.Queued = (uint)pipeline.Gate.Queued;
                health.QueueCapacity = (uint)pipeline.Gate.QueueCapacity;
                health.Hotkey = pipeline.Miner.ToLowerHex();
                health.Netuid = pipeline.Domain.Netuid;
                health.ChainId = pipeline.Domain.ChainId;
                return Task.FromResult(health);
            });
        if (forwardStream is not null)
        {
            registry.AddServerStreaming(ForwardStreamPath, ForwardRequest.Parser, forwardStream, pipeline);
        }

        return registry;
    }
}
