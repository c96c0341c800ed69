using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Client;

/// <summary>
/// A gRPC client over <see cref="SocketsHttpHandler"/> speaking cleartext HTTP/2 (h2c, prior knowledge) with pooled,
/// multiplexed connections. Calls never throw for a failing server: every outcome is a <see cref="CallResult"/>.
/// </summary>
public sealed class GrpcClient : IDisposable
{
    private static readonly Version Http2 = HttpVersion.Version20;
    private readonly HttpMessageInvoker _invoker;
    private readonly GrpcClientOptions _options;

    static GrpcClient()
    {
        // HttpClient speaks HTTP/2 without TLS only with this switch on.
        AppContext.SetSwitch("System.Net.Http.SocketsHttpHandler.Http2UnencryptedSupport", true);
    }

    /// <summary>Creates a client with its own connection pool.</summary>
    public GrpcClient(GrpcClientOptions? options = null)
    {
        _options = options ?? new GrpcClientOptions();
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = _options.EnableMultipleHttp2Connections,
            ConnectTimeout = _options.ConnectTimeout,
            PooledConnectionIdleTimeout = _options.PooledConnectionIdleTimeout,
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
        };
        _invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    /// <summary>Unary call with raw message bytes: one request, one response message.</summary>
    public Task<CallResult> UnaryAsync(Uri address, string path, ReadOnlyMemory<byte> request, CallOptions? options = null) =>
        CallAsync(address, path, request, options ?? new CallOptions(), unary: true, onMessage: null);

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
    public Task<CallResult> ServerStreamingAsync(Uri address, string path, ReadOnlyMemory<byte> request, Func<byte[], ValueTask> onMessage, CallOptions? options = null) =>
        CallAsync(address, path, request, options ?? new CallOptions(), unary: false, onMessage);

    /// <inheritdoc />
    public void Dispose() => _invoker.Dispose();

    private async Task<CallResult> CallAsync(Uri address, string path, ReadOnlyMemory<byte> request, CallOptions options, bool unary, Func<byte[], ValueTask>? onMessage)
    {
        var started = Stopwatch.GetTimestamp();
        var messages = new List<byte[]>(1);
        var headers = Empty;
        var trailers = Empty;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken);
        if (options.Timeout is { } timeout)
        {
            cts.CancelAfter(timeout);
        }

        GrpcStatus status;
        try
        {
            using var message = BuildRequest(address, path, request, options);
            using var response = await _invoker.SendAsync(message, cts.Token).ConfigureAwait(false);
            headers = ToDictionary(response.Headers, response.Content.Headers);
            status = await ReadResponseAsync(response, headers, messages, unary, onMessage, cts.Token).ConfigureAwait(false);
            // Trailers-Only responses carry the status in the headers; others in the trailers.
            trailers = response.TrailingHeaders.Any() ? ToDictionary(response.TrailingHeaders, null) : headers;
        }
        catch (GrpcException e)
        {
            status = e.Status;
        }
        catch (OperationCanceledException) when (options.CancellationToken.IsCancellationRequested)
        {
            status = new GrpcStatus(GrpcStatusCode.Cancelled, "Call cancelled by the caller.");
        }
        catch (Exception) when (cts.IsCancellationRequested)
        {
            // Deadline passed: fail locally, whatever the server may still send (PROTOCOL-HTTP2.md, client cancellation).
            status = new GrpcStatus(GrpcStatusCode.DeadlineExceeded, "Deadline exceeded.");
        }
        catch (HttpRequestException e) when (e.InnerException is HttpProtocolException p)
        {
            status = FromHttp2Error(p);
        }
        catch (HttpProtocolException e)
        {
            status = FromHttp2Error(e);
        }
        catch (HttpRequestException e)
        {
            status = new GrpcStatus(GrpcStatusCode.Unavailable, "Error connecting to the server: " + e.Message);
        }
        catch (IOException e)
        {
            status = e.InnerException is HttpProtocolException p
                ? FromHttp2Error(p)
                : new GrpcStatus(GrpcStatusCode.Unavailable, "Connection failed: " + e.Message);
        }

        var latency = Stopwatch.GetElapsedTime(started);
        return new CallResult(status, latency, messages, headers, trailers);
    }

    private HttpRequestMessage BuildRequest(Uri address, string path, ReadOnlyMemory<byte> request, CallOptions options)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path))
        {
            Version = Http2,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var h = message.Headers;
        h.TryAddWithoutValidation(GrpcHeaders.TE, GrpcHeaders.TETrailers);
        h.TryAddWithoutValidation("user-agent", _options.UserAgent);
        h.TryAddWithoutValidation(GrpcHeaders.AcceptEncoding, GrpcHeaders.SupportedEncodings);
        if (options.Timeout is { } timeout)
        {
            h.TryAddWithoutValidation(GrpcHeaders.Timeout, GrpcTimeout.Format(timeout));
        }

        if (_options.CompressRequests)
        {
            h.TryAddWithoutValidation(GrpcHeaders.Encoding, GrpcHeaders.Gzip);
        }

        foreach (var (key, value) in options.Headers)
        {
            h.TryAddWithoutValidation(key, value);
        }

        message.Content = new FrameContent(request, _options.CompressRequests);
        return message;
    }

    private async Task<GrpcStatus> ReadResponseAsync(
        HttpResponseMessage response, IReadOnlyDictionary<string, string> headers, List<byte[]> messages, bool unary, Func<byte[], ValueTask>? onMessage, CancellationToken cancellationToken)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new GrpcStatus(FromHttpStatus(response.StatusCode), $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}.");
        }

        if (!headers.TryGetValue("content-type", out var contentType) || !GrpcHeaders.IsGrpcContentType(contentType))
        {
            return new GrpcStatus(GrpcStatusCode.Unknown, $"Bad gRPC response. Content-Type '{contentType}' is not gRPC.");
        }

        if (headers.TryGetValue(GrpcHeaders.Status, out _))
        {
            // Trailers-Only response.
            return ReadStatus(headers);
        }

        headers.TryGetValue(GrpcHeaders.Encoding, out var encoding);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (GrpcFrame.TryReadMessage(ref buffer, _options.MaxReceiveMessageSize, encoding, out var bytes))
                    {
                        if (unary && messages.Count == 1)
                        {
                            return new GrpcStatus(GrpcStatusCode.Internal, "Server sent more than one message for a unary call.");
                        }

                        if (onMessage is null)
                        {
                            messages.Add(bytes);
                        }
                        else
                        {
                            await onMessage(bytes).ConfigureAwait(false);
                        }
                    }

                    if (result.IsCompleted)
                    {
                        if (!buffer.IsEmpty)
                        {
                            return new GrpcStatus(GrpcStatusCode.Internal, "Response ended inside a length-prefixed message.");
                        }

                        break;
                    }
                }
                finally
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }

        var trailers = ToDictionary(response.TrailingHeaders, null);
        if (!trailers.ContainsKey(GrpcHeaders.Status))
        {
            return new GrpcStatus(GrpcStatusCode.Internal, "Response ended without grpc-status.");
        }

        var status = ReadStatus(trailers);
        if (status.IsOk && unary && messages.Count == 0)
        {
            return new GrpcStatus(GrpcStatusCode.Internal, "Server sent OK without a response message for a unary call.");
        }

        return status;
    }

    private static GrpcStatus ReadStatus(IReadOnlyDictionary<string, string> metadata)
    {
        var raw = metadata[GrpcHeaders.Status];
        if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return new GrpcStatus(GrpcStatusCode.Unknown, $"Invalid grpc-status '{raw}'.");
        }

        metadata.TryGetValue(GrpcHeaders.Message, out var detail);
        return new GrpcStatus((GrpcStatusCode)code, detail is null ? string.Empty : PercentEncoding.Decode(detail));
    }

    /// <summary>HTTP status to gRPC code, as PROTOCOL-HTTP2.md's companion table (http-grpc-status-mapping.md) says.</summary>
    internal static GrpcStatusCode FromHttpStatus(HttpStatusCode status) => (int)status switch
    {
        400 => GrpcStatusCode.Internal,
        401 => GrpcStatusCode.Unauthenticated,
        403 => GrpcStatusCode.PermissionDenied,
        404 => GrpcStatusCode.Unimplemented,
        429 or 502 or 503 or 504 => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };

    private static GrpcStatus FromHttp2Error(HttpProtocolException e) => e.ErrorCode switch
    {
        0x7 => new GrpcStatus(GrpcStatusCode.Unavailable, "Stream refused by the server (REFUSED_STREAM)."),
        0x8 => new GrpcStatus(GrpcStatusCode.Cancelled, "Stream cancelled by the server (CANCEL)."),
        0xB => new GrpcStatus(GrpcStatusCode.ResourceExhausted, "Server asked to slow down (ENHANCE_YOUR_CALM)."),
        0xC => new GrpcStatus(GrpcStatusCode.PermissionDenied, "Inadequate security (INADEQUATE_SECURITY)."),
        _ => new GrpcStatus(GrpcStatusCode.Internal, $"HTTP/2 error 0x{e.ErrorCode:x}: {e.Message}"),
    };

    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    private static Dictionary<string, string> ToDictionary(HttpHeaders first, HttpHeaders? second)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, values) in first.NonValidated)
        {
            d[key.ToLowerInvariant()] = values.ToString();
        }

        if (second is not null)
        {
            foreach (var (key, values) in second.NonValidated)
            {
                d[key.ToLowerInvariant()] = values.ToString();
            }
        }

        return d;
    }

    /// <summary>Request body: one length-prefixed message, length known up front.</summary>
    private sealed class FrameContent : HttpContent
    {
        private readonly ReadOnlyMemory<byte> _message;
        private readonly bool _compressed;

        public FrameContent(ReadOnlyMemory<byte> message, bool compress)
        {
            _message = compress ? MessageCompression.Compress(message.Span) : message;
            _compressed = compress;
            Headers.TryAddWithoutValidation("content-type", GrpcHeaders.ContentTypeProto);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            var length = GrpcFrame.HeaderSize + _message.Length;
            var buffer = ArrayPool<byte>.Shared.Rent(length);
            try
            {
                GrpcFrame.WriteHeader(buffer, _compressed, _message.Length);
                _message.Span.CopyTo(buffer.AsSpan(GrpcFrame.HeaderSize));
                await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = GrpcFrame.HeaderSize + _message.Length;
            return true;
        }
    }
}
