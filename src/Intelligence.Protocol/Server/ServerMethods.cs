using Google.Protobuf;

namespace Intelligence.Protocol.Server;

/// <summary>Kinds of call the framing carries.</summary>
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
    ValueTask<Wire.GrpcStatus> InterceptAsync(ServerCallContext context, ReadOnlyMemory<byte> request, Func<ValueTask<Wire.GrpcStatus>> next);
}

/// <summary>A registered method: its path, kind, and how to run it on raw request bytes.</summary>
public abstract class ServerMethod
{
    /// <summary>Creates a method descriptor.</summary>
    protected ServerMethod(string path, MethodKind kind, IServerInterceptor? interceptor)
    {
        Path = path;
        Kind = kind;
        Interceptor = interceptor;
    }

    /// <summary>The method path, "/package.Service/Method".</summary>
    public string Path { get; }

    /// <summary>Unary or server streaming.</summary>
    public MethodKind Kind { get; }

    /// <summary>Optional interceptor run before the handler (for example the miner pipeline).</summary>
    public IServerInterceptor? Interceptor { get; }

    internal abstract Task InvokeAsync(ServerCallContext context, ReadOnlyMemory<byte> request, IResponseSink sink);
}

/// <summary>Internal: where a method sends its response messages.</summary>
internal interface IResponseSink
{
    Task WriteMessageAsync(IMessage message, CancellationToken cancellationToken);
}

internal sealed class UnaryMethod<TRequest, TResponse>(
    string path, MessageParser<TRequest> parser, Func<TRequest, ServerCallContext, Task<TResponse>> handler, IServerInterceptor? interceptor)
    : ServerMethod(path, MethodKind.Unary, interceptor)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    internal override async Task InvokeAsync(ServerCallContext context, ReadOnlyMemory<byte> request, IResponseSink sink)
    {
        var message = ServerParsing.Parse(parser, request);
        var response = await handler(message, context).ConfigureAwait(false);
        await sink.WriteMessageAsync(response, context.CancellationToken).ConfigureAwait(false);
    }
}

internal sealed class ServerStreamingMethod<TRequest, TResponse>(
    string path, MessageParser<TRequest> parser, Func<TRequest, IServerStreamWriter<TResponse>, ServerCallContext, Task> handler, IServerInterceptor? interceptor)
    : ServerMethod(path, MethodKind.ServerStreaming, interceptor)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    internal override Task InvokeAsync(ServerCallContext context, ReadOnlyMemory<byte> request, IResponseSink sink)
    {
        var message = ServerParsing.Parse(parser, request);
        return handler(message, new Writer(sink), context);
    }

    private sealed class Writer(IResponseSink sink) : IServerStreamWriter<TResponse>
    {
        public Task WriteAsync(TResponse message, CancellationToken cancellationToken = default) => sink.WriteMessageAsync(message, cancellationToken);
    }
}

internal static class ServerParsing
{
    public static T Parse<T>(MessageParser<T> parser, ReadOnlyMemory<byte> bytes)
        where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(bytes.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            // gRPC implementations report an undecodable request as INTERNAL (the framing was fine, the payload is not).
            throw new Wire.GrpcException(Wire.GrpcStatusCode.Internal, "Failed to deserialize request message: " + e.Message);
        }
    }
}

/// <summary>The set of methods a server serves, keyed by path.</summary>
public sealed class ServiceRegistry
{
    private readonly Dictionary<string, ServerMethod> _methods = new(StringComparer.Ordinal);

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

    /// <summary>Finds a method by path.</summary>
    public bool TryGet(string path, out ServerMethod method) => _methods.TryGetValue(path, out method!);

    /// <summary>The registered paths.</summary>
    public IEnumerable<string> Paths => _methods.Keys;
}
