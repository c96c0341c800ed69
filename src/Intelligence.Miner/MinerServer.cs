using System.Diagnostics;
using System.Diagnostics.Metrics;
using Intelligence.Chain;
using Intelligence.Chain.Contracts;
using Intelligence.Inference;
using Intelligence.Node;
using Intelligence.Protocol;
using Intelligence.Protocol.Pipeline;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.Signing;
using Intelligence.Protocol.V1;
using Intelligence.Protocol.Wire;
using Intelligence.Subnets;
using Intelligence.Telemetry;
using Microsoft.Extensions.Logging;

namespace Intelligence.Miner;

/// <summary>
/// The miner's gRPC server: Miner.Forward behind the protocol pipeline (blacklist from the cached metagraph ->
/// signature + nonce -> per-caller rate limit -> stake priority -> the model through the dynamic batcher -> signed
/// response), Miner.Health (the info call) and grpc.health.v1.Health/Check (the protocol library's, fed from the
/// node's readiness), open to anyone. The only file of the
/// miner that uses the protocol library's server side.
/// </summary>
public sealed class MinerServer : IAsyncDisposable
{
    /// <summary>ActivitySource and Meter name of the miner.</summary>
    public const string TelemetryName = "Intelligence.Miner";

    private static readonly ActivitySource Source = new(TelemetryName);
    private static readonly Meter Meter = new(TelemetryName);
    private static readonly Counter<long> Requests = Meter.CreateCounter<long>("intelligence.miner.requests", description: "Forward calls by final gRPC status");
    private static readonly Histogram<double> Latency = Meter.CreateHistogram<double>("intelligence.miner.request.duration", "ms", "Forward call time from arrival to status, pipeline included");
    private static readonly Histogram<double> InferenceTime = Meter.CreateHistogram<double>("intelligence.miner.inference.duration", "ms", "Model time of one Forward call (batch wait included)");
    private static readonly Histogram<long> RowsPerCall = Meter.CreateHistogram<long>("intelligence.miner.request.rows", description: "Rows (batch dimension) per Forward call");

    private readonly GrpcServer _server;
    private readonly StaticCallerDirectory _directory;
    private readonly MinerPipeline _pipeline;

    private MinerServer(GrpcServer server, StaticCallerDirectory directory, MinerPipeline pipeline)
    {
        _server = server;
        _directory = directory;
        _pipeline = pipeline;
    }

    /// <summary>The bound port.</summary>
    public int Port => _server.Port;

    /// <summary>Requests running and waiting behind the priority gate.</summary>
    public (int Running, int Queued) Load => (_pipeline.Gate.Running, _pipeline.Gate.Queued);

    /// <summary>Starts serving; the standard health check says SERVING exactly while <paramref name="status"/> is ready.</summary>
    public static async Task<MinerServer> StartAsync(
        PrivateKey hotkey, ulong chainId, ushort netuid, MinerOptions options, ModelServer model, NodeStatus status, ILoggerFactory loggers, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(model);
        var directory = new StaticCallerDirectory();
        var pipeline = new MinerPipeline(hotkey, new MinerPipelineOptions
        {
            Domain = new SigningDomain(chainId, netuid),
            MinStake = options.MinStakeValue,
            RequireValidatorPermit = options.ForceValidatorPermit,
            MaxConcurrency = options.MaxConcurrency,
            QueueCapacity = options.QueueCapacity,
            RateLimitPerSecond = options.RateLimitPerSecond,
            RateLimitBurst = options.RateLimitBurst,
        }, directory);
        var logger = loggers.CreateLogger<MinerServer>();
        Meter.CreateObservableGauge("intelligence.miner.queue.depth", () => pipeline.Gate.Queued + model.QueueLength, description: "Calls waiting for a slot or a batch");
        Meter.CreateObservableGauge("intelligence.miner.batch.largest", () => model.Statistics.LargestBatch, description: "Most rows run in one model batch");
        Meter.CreateObservableCounter("intelligence.miner.batches", () => model.Statistics.Batches, description: "Model runs made");

        var counted = new CountingInterceptor(pipeline);
        var registry = new ServiceRegistry()
            .AddUnary<ForwardRequest, ForwardResponse>(MinerService.ForwardPath, ForwardRequest.Parser, (request, context) => ForwardAsync(request, context, netuid, model, logger), counted)
            .AddUnary<Protocol.V1.HealthRequest, HealthResponse>(MinerService.HealthPath, Protocol.V1.HealthRequest.Parser, (_, _) => Task.FromResult(Describe(pipeline, model)));
        MinerOptions.TryEndpoint(options.Listen, out var listen);
        var server = await GrpcServer.StartAsync(
            registry,
            new GrpcServerEndpoint { Address = listen!.Address, Port = listen.Port },
            new GrpcServerOptions { MaxReceiveMessageSize = options.MaxRequestBytes },
            loggers,
            ct).ConfigureAwait(false);
        void SyncHealth()
        {
            if (status.State == "ready")
            {
                server.Health.SetServing();
            }
            else
            {
                server.Health.SetNotServing(status.Degradations.Count > 0 ? status.State + ": " + string.Join("; ", status.Degradations.Values) : status.State);
            }
        }
        status.Changed += SyncHealth;
        SyncHealth();
        return new MinerServer(server, directory, pipeline);
    }

    /// <summary>Replaces the callers the blacklist knows with the neurons of <paramref name="snapshot"/>.</summary>
    public void UpdateCallers(MetagraphSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        _directory.Replace(snapshot.Neurons.Select(n => new KeyValuePair<Address, CallerInfo>(n.Hotkey, new CallerInfo(true, n.ValidatorPermit, n.Stake))));
    }

    /// <summary>Lets one caller in without a metagraph (benchmarks and tests).</summary>
    internal void AllowCaller(Address caller, CallerInfo info) => _directory.Set(caller, info);

    private static HealthResponse Describe(MinerPipeline pipeline, ModelServer model) => new()
    {
        Model = model.Name,
        ModelVersion = model.Version,
        Hardware = $"{model.Provider} (onnxruntime {ModelServer.RuntimeVersion}, {Environment.ProcessorCount} cpus)",
        ProtocolVersion = ProtocolVersion.Current,
        InFlight = (uint)pipeline.Gate.Running,
        Queued = (uint)(pipeline.Gate.Queued + model.QueueLength),
        QueueCapacity = (uint)pipeline.Gate.QueueCapacity,
        Hotkey = pipeline.Miner.ToLowerHex(),
        Netuid = pipeline.Domain.Netuid,
        ChainId = pipeline.Domain.ChainId,
    };

    private static async Task<ForwardResponse> ForwardAsync(ForwardRequest request, ServerCallContext context, ushort netuid, ModelServer model, ILogger logger)
    {
        using var activity = Source.StartActivity("miner.forward", ActivityKind.Server, TraceContext.Extract(context.GetHeader));
        var started = Stopwatch.GetTimestamp();
        if (request.Netuid != netuid)
        {
            throw new GrpcException(GrpcStatusCode.InvalidArgument, $"this miner serves subnet {netuid}, not {request.Netuid}");
        }
        IReadOnlyList<SubnetTensor> inputs;
        try
        {
            inputs = [.. request.Inputs.Select(TensorMapping.FromWire)];
        }
        catch (MalformedTensorException e)
        {
            throw new GrpcException(GrpcStatusCode.InvalidArgument, e.Message);
        }
        IReadOnlyList<SubnetTensor> outputs;
        var inference = Stopwatch.GetTimestamp();
        try
        {
            outputs = await model.RunAsync(inputs, context.CancellationToken).ConfigureAwait(false);
        }
        catch (ModelInputException e)
        {
            throw new GrpcException(GrpcStatusCode.InvalidArgument, e.Message);
        }
        catch (BatchQueueFullException)
        {
            throw new GrpcException(GrpcStatusCode.ResourceExhausted, "the model's batch queue is full; retry later");
        }
        catch (InferenceException e)
        {
            MinerLog.InferenceFailed(logger, e.Message);
            throw new GrpcException(GrpcStatusCode.Internal, "inference failed");
        }
        InferenceTime.Record(Stopwatch.GetElapsedTime(inference).TotalMilliseconds);
        RowsPerCall.Record(inputs.Count > 0 && inputs[0].Shape.Length > 0 ? inputs[0].Shape[0] : 0);
        var response = new ForwardResponse();
        response.Outputs.AddRange(outputs.Select(TensorMapping.ToWire));
        var queue = context.GetMinerCall()?.QueueTime ?? TimeSpan.Zero;
        response.Timing = new Timing
        {
            QueueUs = (ulong)(queue.Ticks / 10),
            ComputeUs = (ulong)(Stopwatch.GetElapsedTime(started).Ticks / 10),
            TotalUs = (ulong)((DateTime.UtcNow - context.ReceivedAt).Ticks / 10),
        };
        activity?.SetTag("intelligence.caller", context.GetMinerCall()?.Caller.ToLowerHex());
        return response;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server.DisposeAsync();

    /// <summary>Counts every Forward call by its final status and times it, pipeline included.</summary>
    private sealed class CountingInterceptor(MinerPipeline pipeline) : IServerInterceptor
    {
        public async ValueTask<GrpcStatus> InterceptAsync(ServerCallContext context, ReadOnlyMemory<byte> request, Func<ValueTask<GrpcStatus>> next)
        {
            var started = Stopwatch.GetTimestamp();
            var status = await pipeline.InterceptAsync(context, request, next).ConfigureAwait(false);
            Requests.Add(1, new KeyValuePair<string, object?>("status", status.Code.ToString()));
            Latency.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("status", status.Code.ToString()));
            return status;
        }
    }
}

/// <summary>The miner's log messages.</summary>
internal static partial class MinerLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "miner ready: uid {Uid} hotkey {Hotkey} subnet {Netuid} ({Subnet}) model {Model} ({Version}) on {Provider}, grpc {Grpc}")]
    public static partial void Ready(ILogger logger, int uid, string hotkey, int netuid, string subnet, string model, string version, string provider, string grpc);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "inference failed: {Error}")]
    public static partial void InferenceFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "hotkey {Hotkey} is not registered on subnet {Netuid}: registering (burn {Burn} tokens, paid by coldkey {Coldkey})")]
    public static partial void Registering(ILogger logger, string hotkey, int netuid, string burn, string coldkey);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "registered hotkey {Hotkey} as uid {Uid} on subnet {Netuid}")]
    public static partial void Registered(ILogger logger, string hotkey, int uid, int netuid);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "publishing axon {Endpoint} on subnet {Netuid} (chain had {Previous})")]
    public static partial void ServingAxon(ILogger logger, string endpoint, int netuid, string previous);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "serveAxon failed ({Error}); validators may not find this miner until it succeeds, retrying on a later block")]
    public static partial void ServeAxonFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 7, Level = LogLevel.Critical, Message = "DEREGISTERED: uid {Uid} on subnet {Netuid} now belongs to {Other}; hotkey {Hotkey} is no longer registered and validators will stop querying it. Re-register with --register (restart) if intended.")]
    public static partial void Deregistered(ILogger logger, int uid, int netuid, string other, string hotkey);

    [LoggerMessage(EventId = 8, Level = LogLevel.Information, Message = "metagraph at block {Block}: {Neurons} neurons, {Validators} with a validator permit")]
    public static partial void MetagraphUpdated(ILogger logger, ulong block, int neurons, int validators);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "stopping: draining in-flight calls ({Running} running, {Queued} queued)")]
    public static partial void Draining(ILogger logger, int running, int queued);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "hotkey {Hotkey} is registered again as uid {Uid}")]
    public static partial void RegisteredAgain(ILogger logger, string hotkey, int uid);
}
