using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Client;

/// <summary>
/// A gRPC client on Grpc.Net.Client: one <see cref="GrpcChannel"/> per server address, all over one shared
/// <see cref="SocketsHttpHandler"/> (pooled connections, more than one HTTP/2 connection per server when one is full,
/// keep-alive pings) handed to the channels as an <see cref="HttpClient"/>. Messages travel as raw bytes, so what a caller signs is what is sent and what it verifies is what
/// arrived. No retry policy is configured: a signed call is never sent twice (a retry needs a new nonce). Calls never
/// throw for a failing server: every outcome is a <see cref="CallResult"/>.
/// </summary>
public sealed class GrpcClient : IDisposable
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(static bytes => bytes, static bytes => bytes);
    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();
    private readonly SocketsHttpHandler _handler;
    private readonly HttpClient _http;
    private readonly GrpcClientOptions _options;
    private readonly ConcurrentDictionary<Uri, Channel> _channels = new();
    private readonly TimeProvider _time;
    private long _lastSweep;
    private readonly ConcurrentDictionary<(string Path, MethodType Type), Method<byte[], byte[]>> _methods = new();

    /// <summary>Creates a client with its own connection pool.</summary>
    public GrpcClient(GrpcClientOptions? options = null)
    {
        _options = options ?? new GrpcClientOptions();
        _time = _options.TimeProvider;
        _lastSweep = _time.GetTimestamp();
        _handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = _options.EnableMultipleHttp2Connections,
            ConnectTimeout = _options.ConnectTimeout,
            PooledConnectionIdleTimeout = _options.PooledConnectionIdleTimeout,
            KeepAlivePingDelay = _options.KeepAlivePingDelay,
            KeepAlivePingTimeout = _options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
        };

        // Channels get the HttpClient, not the handler: grpc-dotnet then sends straight through the pool instead of
        // through its load-balancing layer (a subchannel pick, its own connect callback and a stream wrapper on every
        // read), which a channel per static address does not use. Deadlines are the calls' own, so no client timeout.
        _http = new HttpClient(_handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>Unary call with raw message bytes: one request, one response message.</summary>
    public async Task<CallResult> UnaryAsync(Uri address, string path, ReadOnlyMemory<byte> request, CallOptions? options = null)
    {
        options ??= new CallOptions();
        var started = Stopwatch.GetTimestamp();
        AsyncUnaryCall<byte[]>? call = null;
        Channel? channel = null;
        try
        {
            channel = Acquire(address);
            call = channel.Invoker.AsyncUnaryCall(MethodFor(path, MethodType.Unary), null, ToGrpcOptions(options), ToArray(request));
            var response = await call.ResponseAsync.ConfigureAwait(false);
            var headers = await call.ResponseHeadersAsync.ConfigureAwait(false);
            return new CallResult(call.GetStatus(), Stopwatch.GetElapsedTime(started), [response], headers, call.GetTrailers());
        }
        catch (RpcException e)
        {
            return await FailedAsync(e, call?.ResponseHeadersAsync, started).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return LocalFailure(e, started);
        }
        finally
        {
            call?.Dispose();
            channel?.Release(_time.GetTimestamp());
        }
    }

    /// <summary>Unary call with protobuf messages; the parsed response is returned when the status is OK.</summary>
    public async Task<(CallResult Result, TResponse? Response)> UnaryAsync<TResponse>(Uri address, string path, IMessage request, MessageParser<TResponse> parser, CallOptions? options = null)
        where TResponse : class, IMessage<TResponse>
    {
        var result = await UnaryAsync(address, path, request.ToByteArray(), options).ConfigureAwait(false);
        if (!result.Status.IsOk)
        {
            return (result, null);
        }

        try
        {
            return (result, parser.ParseFrom(result.Messages[0]));
        }
        catch (InvalidProtocolBufferException e)
        {
            return (new CallResult(new GrpcStatus(GrpcStatusCode.Internal, "Failed to deserialize response message: " + e.Message), result.Latency, result.Messages, result.Headers, result.Trailers), null);
        }
    }

    /// <summary>
    /// Server-streaming call: <paramref name="onMessage"/> sees each response message as it arrives
    /// (the result's <see cref="CallResult.Messages"/> stays empty).
    /// </summary>
    public async Task<CallResult> ServerStreamingAsync(Uri address, string path, ReadOnlyMemory<byte> request, Func<byte[], ValueTask> onMessage, CallOptions? options = null)
    {
        options ??= new CallOptions();
        var started = Stopwatch.GetTimestamp();
        AsyncServerStreamingCall<byte[]>? call = null;
        Channel? channel = null;
        try
        {
            var grpcOptions = ToGrpcOptions(options);
            channel = Acquire(address);
            call = channel.Invoker.AsyncServerStreamingCall(MethodFor(path, MethodType.ServerStreaming), null, grpcOptions, ToArray(request));
            while (await call.ResponseStream.MoveNext(grpcOptions.CancellationToken).ConfigureAwait(false))
            {
                await onMessage(call.ResponseStream.Current).ConfigureAwait(false);
            }

            var headers = await call.ResponseHeadersAsync.ConfigureAwait(false);
            return new CallResult(call.GetStatus(), Stopwatch.GetElapsedTime(started), [], headers, call.GetTrailers());
        }
        catch (RpcException e)
        {
            return await FailedAsync(e, call?.ResponseHeadersAsync, started).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return LocalFailure(e, started);
        }
        finally
        {
            call?.Dispose();
            channel?.Release(_time.GetTimestamp());
        }
    }

    /// <summary>Channels open now (one per server address called within <see cref="GrpcClientOptions.ChannelIdleTimeout"/>).</summary>
    public int ChannelCount => _channels.Count;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Grpc.Dispose();
        }

        _http.Dispose();
        _handler.Dispose();
    }

    // The channel for an address, counted as in use until Release; a channel retired by a sweep meanwhile is not used.
    private Channel Acquire(Uri address)
    {
        while (true)
        {
            if (!_channels.TryGetValue(address, out var channel))
            {
                channel = Open(address);
            }

            if (channel.TryEnter(_time.GetTimestamp()))
            {
                return channel;
            }
        }
    }

    private Channel Open(Uri address)
    {
        lock (_channels)
        {
            if (_channels.TryGetValue(address, out var existing))
            {
                return existing;
            }

            SweepIdle();
            var channel = new Channel(GrpcChannel.ForAddress(address, new GrpcChannelOptions
            {
                HttpClient = _http,
                DisposeHttpClient = false,
                MaxReceiveMessageSize = _options.MaxReceiveMessageSize,
                MaxSendMessageSize = _options.MaxSendMessageSize,
                // Cancellation and deadlines come back as RpcException (CANCELLED, DEADLINE_EXCEEDED) like any status.
                ThrowOperationCanceledOnCancellation = false,
            }));
            _channels[address] = channel;
            return channel;
        }
    }

    // Miners come and go (a deregistered miner, a new port after a restart): a channel not used for the idle timeout,
    // with no call in flight, is closed when a new one opens, at most once per quarter of the timeout. The pooled
    // connections behind it close on their own (PooledConnectionIdleTimeout).
    private void SweepIdle()
    {
        var now = _time.GetTimestamp();
        var idle = _options.ChannelIdleTimeout;
        if (_time.GetElapsedTime(_lastSweep, now) < idle / 4)
        {
            return;
        }

        _lastSweep = now;
        foreach (var (address, channel) in _channels)
        {
            if (_time.GetElapsedTime(channel.LastUsed, now) >= idle && channel.TryRetire())
            {
                _channels.TryRemove(new KeyValuePair<Uri, Channel>(address, channel));
                channel.Grpc.Dispose();
            }
        }
    }

    private Method<byte[], byte[]> MethodFor(string path, MethodType type) =>
        _methods.GetOrAdd((path, type), static key =>
        {
            var slash = key.Path.LastIndexOf('/');
            if (!key.Path.StartsWith('/') || slash <= 1)
            {
                throw new ArgumentException($"Method path '{key.Path}' is not of the form /package.Service/Method.");
            }

            return new Method<byte[], byte[]>(key.Type, key.Path[1..slash], key.Path[(slash + 1)..], Bytes, Bytes);
        });

    private Grpc.Core.CallOptions ToGrpcOptions(CallOptions options)
    {
        var metadata = new Metadata { { "user-agent", _options.UserAgent } };
        if (_options.CompressRequests)
        {
            // grpc-dotnet's per-call switch for request compression.
            metadata.Add("grpc-internal-encoding-request", "gzip");
        }

        foreach (var (key, value) in options.Headers)
        {
            if (GrpcMetadata.IsBinaryKey(key))
            {
                if (!GrpcMetadata.TryDecodeBinary(value, out var bytes))
                {
                    throw new ArgumentException($"Metadata value of '{key}' is not base64.");
                }

                metadata.Add(key, bytes);
            }
            else
            {
                metadata.Add(key, value);
            }
        }

        DateTime? deadline = options.Timeout is { } timeout ? DateTime.UtcNow + timeout : null;
        return new Grpc.Core.CallOptions(metadata, deadline, options.CancellationToken);
    }

    /// <summary>A channel and its use: calls in flight, last use, and whether a sweep retired it.</summary>
    private sealed class Channel(GrpcChannel grpc)
    {
        private int _inFlight;
        private int _retired;
        private long _lastUsed;

        public GrpcChannel Grpc { get; } = grpc;

        public CallInvoker Invoker { get; } = grpc.CreateCallInvoker();

        public long LastUsed => Volatile.Read(ref _lastUsed);

        // Interlocked on both sides (full fences): either the sweep sees the call in flight and keeps the channel, or
        // the caller sees it retired and opens another.
        public bool TryEnter(long now)
        {
            Interlocked.Increment(ref _inFlight);
            if (Volatile.Read(ref _retired) != 0)
            {
                Interlocked.Decrement(ref _inFlight);
                return false;
            }

            Volatile.Write(ref _lastUsed, now);
            return true;
        }

        public void Release(long now)
        {
            Volatile.Write(ref _lastUsed, now);
            Interlocked.Decrement(ref _inFlight);
        }

        public bool TryRetire()
        {
            Interlocked.Exchange(ref _retired, 1);
            if (Volatile.Read(ref _inFlight) == 0)
            {
                return true;
            }

            Interlocked.Exchange(ref _retired, 0);
            return false;
        }
    }

    private static byte[] ToArray(ReadOnlyMemory<byte> request) =>
        MemoryMarshal.TryGetArray(request, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : request.ToArray();

    private static async Task<CallResult> FailedAsync(RpcException e, Task<Metadata>? headersTask, long started)
    {
        Metadata? headers = null;
        if (headersTask is not null)
        {
            try
            {
                headers = await headersTask.ConfigureAwait(false);
            }
            catch (RpcException)
            {
                // No headers arrived (connection failure, local deadline).
            }
        }

        return new CallResult(e.Status, Stopwatch.GetElapsedTime(started), [], headers, e.Trailers);
    }

    private static CallResult LocalFailure(Exception e, long started) =>
        new(new GrpcStatus(GrpcStatusCode.Internal, "Call failed locally: " + e.Message), Stopwatch.GetElapsedTime(started), [], Empty, Empty);
}
