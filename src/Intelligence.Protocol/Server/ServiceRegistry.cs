using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Intelligence.Protocol.Wire;
using ProtoServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Intelligence.Protocol.Server;

/// <summary>Kinds of call the library serves.</summary>
public enum MethodKind
{
    /// <summary>One request message, one response message.</summary>
    Unary,
    /// <summary>One request message, any number of response messages.</summary>
    ServerStreaming,
}

/// <summary>Writes response messages of a server-streaming call.</summary>
/// <typeparam name="T">The response message type.</typeparam>
public interface IServerStreamWriter<in T>
{
    /// <summary>Serializes and sends one message, flushing it to the client.</summary>
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}

/// <summary>
/// Wraps a call after its request bytes are read and before they are parsed (the miner pipeline is one).
/// Returns the final status; calling next runs the rest (eventually the handler).
/// </summary>
public interface IServerInterceptor
{
    /// <summary>Runs the interceptor around <paramref name="next"/>, which it may skip to reject the call.</summary>
    ValueTask<GrpcStatus> InterceptAsync(ServerCallContext context, ReadOnlyMemory<byte> request, Func<ValueTask<GrpcStatus>> next);
}

/// <summary>
/// An interceptor with a check that runs on the request headers alone, before grpc-dotnet reads the request body
/// (the miner pipeline's blacklist). A refused call is answered without a byte of its body being buffered.
/// </summary>
internal interface IHeaderCheck
{
    /// <summary>Returns OK to let the call proceed to the body, or the status to answer with.</summary>
    ValueTask<GrpcStatus> CheckHeadersAsync(Microsoft.AspNetCore.Http.HttpContext http);
}

/// <summary>
/// A registered method: its path, kind, and how it is bound onto grpc-dotnet. Every method is declared by hand as a
/// <see cref="Method{TRequest, TResponse}"/> over raw bytes, so the request bytes an interceptor sees (and signs over)
/// are the bytes as received, and the response bytes it hashes are the bytes as sent; nothing is re-serialized.
/// </summary>
public abstract class ServerMethod
{
    /// <summary>Creates a method descriptor.</summary>
    protected ServerMethod(string path, MethodKind kind, IServerInterceptor? interceptor)
    {
        var slash = path.LastIndexOf('/');
        if (!path.StartsWith('/') || slash <= 1 || slash == path.Length - 1)
        {
            throw new ArgumentException($"Method path '{path}' is not of the form /package.Service/Method.", nameof(path));
        }

        Path = path;
        Kind = kind;
        Interceptor = interceptor;
        ServiceName = path[1..slash];
        MethodName = path[(slash + 1)..];
    }

    /// <summary>The method path, "/package.Service/Method".</summary>
    public string Path { get; }

    /// <summary>Unary or server streaming.</summary>
    public MethodKind Kind { get; }

    /// <summary>Optional interceptor run before the handler (for example the miner pipeline).</summary>
    public IServerInterceptor? Interceptor { get; }

    /// <summary>The full service name, "package.Service".</summary>
    public string ServiceName { get; }

    /// <summary>The method name.</summary>
    public string MethodName { get; }

    /// <summary>Adds the method to grpc-dotnet's endpoint model.</summary>
    internal abstract void Bind(ServiceMethodProviderContext<RegistryService> context);

    /// <summary>Endpoint metadata: the header check (when the interceptor has one) for <see cref="GrpcHosting.MapIntelligenceMiner"/>.</summary>
    private protected List<object> Metadata() => Interceptor is IHeaderCheck check ? [new HeaderCheckMetadata(check)] : [];

    /// <summary>Runs the interceptor (if any) around <paramref name="run"/> and turns a non-OK status into an RpcException.</summary>
    private protected async Task RunAsync(ServerCallContext context, byte[] request, Func<ValueTask<GrpcStatus>> run)
    {
        GrpcStatus status;
        try
        {
            status = Interceptor is null
                ? await run().ConfigureAwait(false)
                : await Interceptor.InterceptAsync(context, request, run).ConfigureAwait(false);
        }
        catch (GrpcException e)
        {
            status = e.Status;
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested && context.Deadline is { } deadline && DateTime.UtcNow >= deadline.AddMilliseconds(-1))
        {
            status = new GrpcStatus(GrpcStatusCode.DeadlineExceeded, "Deadline exceeded.");
        }

        context.FlushResponseHeaders();
        context.OnCompleting?.Invoke(context, status);
        if (!status.IsOk)
        {
            throw new RpcException(status.ToGrpc());
        }
    }

    /// <summary>Identity marshaller: grpc-dotnet hands over the (decompressed) message bytes and sends ours as they are.</summary>
    internal static readonly Marshaller<byte[]> Bytes = Marshallers.Create(static bytes => bytes, static bytes => bytes);
}

internal sealed class UnaryMethod<TRequest, TResponse>(
    string path, MessageParser<TRequest> parser, Func<TRequest, ServerCallContext, Task<TResponse>> handler, IServerInterceptor? interceptor)
    : ServerMethod(path, MethodKind.Unary, interceptor)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    internal override void Bind(ServiceMethodProviderContext<RegistryService> context)
    {
        var method = new Method<byte[], byte[]>(MethodType.Unary, ServiceName, MethodName, Bytes, Bytes);
        context.AddUnaryMethod(method, Metadata(), (_, request, grpc) => InvokeAsync(request, grpc));
    }

    private async Task<byte[]> InvokeAsync(byte[] request, Grpc.Core.ServerCallContext grpc)
    {
        var context = new ServerCallContext(grpc, Path);
        byte[]? response = null;
        await RunAsync(context, request, async () =>
        {
            var message = ServerParsing.Parse(parser, request);
            // WaitAsync lets the deadline end the call even when a handler ignores its token.
            var result = await handler(message, context).WaitAsync(context.CancellationToken).ConfigureAwait(false);
            response = result.ToByteArray();
            context.OnResponseMessage?.Invoke(context, response);
            return GrpcStatus.Ok;
        }).ConfigureAwait(false);
        // A stage that answers OK without running the handler leaves no message to send.
        return response ?? throw new RpcException(new Status(StatusCode.Internal, "The call ended OK without a response message."));
    }
}

internal sealed class ServerStreamingMethod<TRequest, TResponse>(
    string path, MessageParser<TRequest> parser, Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler, IServerInterceptor? interceptor)
    : ServerMethod(path, MethodKind.ServerStreaming, interceptor)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    internal override void Bind(ServiceMethodProviderContext<RegistryService> context)
    {
        var method = new Method<byte[], byte[]>(MethodType.ServerStreaming, ServiceName, MethodName, Bytes, Bytes);
        context.AddServerStreamingMethod(method, Metadata(), (_, request, stream, grpc) => InvokeAsync(request, stream, grpc));
    }

    private Task InvokeAsync(byte[] request, Grpc.Core.IServerStreamWriter<byte[]> stream, Grpc.Core.ServerCallContext grpc)
    {
        var context = new ServerCallContext(grpc, Path);
        return RunAsync(context, request, async () =>
        {
            var message = ServerParsing.Parse(parser, request);
            await handler(message, new Writer(stream, context), context).WaitAsync(context.CancellationToken).ConfigureAwait(false);
            return GrpcStatus.Ok;
        });
    }

    private sealed class Writer(Grpc.Core.IServerStreamWriter<byte[]> stream, ServerCallContext context) : IServerStreamWriter<TResponse>
    {
        public Task WriteAsync(TResponse message, CancellationToken cancellationToken = default)
        {
            context.FlushResponseHeaders();
            var bytes = message.ToByteArray();
            context.OnResponseMessage?.Invoke(context, bytes);
            return stream.WriteAsync(bytes, cancellationToken);
        }
    }
}

internal static class ServerParsing
{
    public static T Parse<T>(MessageParser<T> parser, byte[] bytes)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            // gRPC servers report an undecodable request as INTERNAL (the framing was fine, the payload is not).
            throw new GrpcException(GrpcStatusCode.Internal, "Failed to deserialize request message: " + e.Message);
        }
    }
}

/// <summary>
/// The set of methods a server serves, keyed by path, plus the protobuf service descriptors that server reflection
/// lists. Bound onto grpc-dotnet as the endpoints of <see cref="RegistryService"/>.
/// </summary>
public sealed class ServiceRegistry
{
    private readonly Dictionary<string, ServerMethod> _methods = new(StringComparer.Ordinal);
    private readonly List<ProtoServiceDescriptor> _descriptors = [];

    /// <summary>Registers a unary method.</summary>
    public ServiceRegistry AddUnary<TRequest, TResponse>(
        string path, MessageParser<TRequest> parser, Func<TRequest, ServerCallContext, Task<TResponse>> handler, IServerInterceptor? interceptor = null)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        _methods.Add(path, new UnaryMethod<TRequest, TResponse>(path, parser, handler, interceptor));
        return this;
    }

    /// <summary>Registers a server-streaming method.</summary>
    public ServiceRegistry AddServerStreaming<TRequest, TResponse>(
        string path, MessageParser<TRequest> parser, Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler, IServerInterceptor? interceptor = null)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse>
    {
        _methods.Add(path, new ServerStreamingMethod<TRequest, TResponse>(path, parser, handler, interceptor));
        return this;
    }

    /// <summary>Names a protobuf service served here, so server reflection lists it (and its message types).</summary>
    public ServiceRegistry AddDescriptor(ProtoServiceDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (!_descriptors.Contains(descriptor))
        {
            _descriptors.Add(descriptor);
        }

        return this;
    }

    /// <summary>Finds a method by path.</summary>
    public bool TryGet(string path, out ServerMethod method) => _methods.TryGetValue(path, out method!);

    /// <summary>The registered paths.</summary>
    public IEnumerable<string> Paths => _methods.Keys;

    /// <summary>The service descriptors reflection lists.</summary>
    public IReadOnlyList<ProtoServiceDescriptor> Descriptors => _descriptors;

    internal IEnumerable<ServerMethod> Methods => _methods.Values;
}

/// <summary>
/// The grpc-dotnet service type the registry's methods are mapped under (<c>MapGrpcService&lt;RegistryService&gt;()</c>).
/// It holds no state: each method's handler comes from the <see cref="ServiceRegistry"/>.
/// </summary>
public sealed class RegistryService
{
}

/// <summary>Declares the registry's methods to grpc-dotnet (its extension point for services without generated code).</summary>
internal sealed class RegistryMethodProvider(ServiceRegistry registry) : IServiceMethodProvider<RegistryService>
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<RegistryService> context)
    {
        foreach (var method in registry.Methods)
        {
            method.Bind(context);
        }
    }
}
