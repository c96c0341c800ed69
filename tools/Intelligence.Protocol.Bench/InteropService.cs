using Google.Protobuf;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.V1;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Bench;

/// <summary>
/// A miner-shaped service whose behaviour is chosen by the request's task name, served to interop peers and the bench:
/// "echo" returns the inputs, "fail:code:msg" ends with that status, "sleep:ms" waits, "wait:name" blocks until Gate(name) is set, "hang" ignores cancellation,
/// "throw" throws, "big" answers deadline_ms bytes; an x-echo header comes back in headers and trailers.
/// </summary>
internal static class InteropService
{
    public const string ForwardPath = MinerService.ForwardPath;
    public const string StreamPath = MinerService.ForwardStreamPath;
    public const string HealthPath = MinerService.HealthPath;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, TaskCompletionSource> Gates = new();

    /// <summary>The latch a "wait:name" call blocks on until someone completes it (tests hold handlers busy this way).</summary>
    public static TaskCompletionSource Gate(string name) =>
        Gates.GetOrAdd(name, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public static ServiceRegistry Create(IServerInterceptor? interceptor = null) =>
        new ServiceRegistry()
            .AddDescriptor(MinerService.Descriptor)
            .AddUnary<ForwardRequest, ForwardResponse>(ForwardPath, ForwardRequest.Parser, ForwardAsync, interceptor)
            .AddServerStreaming<ForwardRequest, ForwardResponse>(StreamPath, ForwardRequest.Parser, StreamAsync, interceptor)
            .AddUnary<HealthRequest, HealthResponse>(HealthPath, HealthRequest.Parser, (_, _) => Task.FromResult(new HealthResponse { Model = "test", ProtocolVersion = ProtocolVersion.Current }));

    public static async Task<ForwardResponse> ForwardAsync(ForwardRequest request, ServerCallContext context)
    {
        var task = request.Task;
        if (task.StartsWith("fail:", StringComparison.Ordinal))
        {
            var parts = task.Split(':', 3);
            throw new GrpcException((GrpcStatusCode)int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), parts[2]);
        }

        if (task.StartsWith("sleep:", StringComparison.Ordinal))
        {
            await Task.Delay(int.Parse(task[6..], System.Globalization.CultureInfo.InvariantCulture), context.CancellationToken);
        }

        if (task.StartsWith("wait:", StringComparison.Ordinal))
        {
            await Gate(task[5..]).Task.WaitAsync(context.CancellationToken);
        }

        if (task == "hang")
        {
            // Ignores its token on purpose: the server's deadline must still end the call.
            await Task.Delay(TimeSpan.FromSeconds(20), CancellationToken.None);
        }

        if (task == "throw")
        {
            throw new InvalidOperationException("secret-detail-that-must-not-leak");
        }

        if (task == "big")
        {
            return new ForwardResponse { Outputs = { new Tensor { Name = "big", Data = ByteString.CopyFrom(new byte[request.DeadlineMs]) } } };
        }

        var echo = context.GetHeader("x-echo");
        if (echo is not null)
        {
            context.ResponseHeaders.Add(new("x-echo-header", echo));
            context.ResponseTrailers.Add(new("x-echo-trailer", echo));
        }

        var bin = context.GetHeader("x-blob-bin");
        if (bin is not null)
        {
            context.ResponseTrailers.Add(new("x-blob-bin", bin));
        }

        var response = new ForwardResponse { Timing = new Timing { TotalUs = 1 } };
        response.Outputs.AddRange(request.Inputs);
        return response;
    }

    private static async Task StreamAsync(ForwardRequest request, IServerStreamWriter<ForwardResponse> writer, ServerCallContext context)
    {
        foreach (var input in request.Inputs)
        {
            await writer.WriteAsync(new ForwardResponse { Outputs = { input } }, context.CancellationToken);
        }

        if (request.Task == "fail-after")
        {
            throw new GrpcException(GrpcStatusCode.Aborted, "stopped after the stream");
        }
    }

    public static ForwardRequest Echo(int bytes = 16, string task = "echo") => new()
    {
        Netuid = 1,
        Task = task,
        Inputs = { new Tensor { Name = "x", Dtype = DataType.Uint8, Shape = { bytes }, Data = ByteString.CopyFrom(Enumerable.Range(0, bytes).Select(i => (byte)i).ToArray()) } },
    };
}
