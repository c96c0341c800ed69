using System.Globalization;
using System.IO.Pipelines;
using Google.Protobuf;
using Intelligence.Protocol.Wire;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Intelligence.Protocol.Server;

/// <summary>
/// The gRPC-over-HTTP/2 server side as one ASP.NET Core request delegate: checks the call definition,
/// reads one length-prefixed request message, runs the method (and its interceptor), and ends every call with
/// grpc-status (in trailers, or Trailers-Only for an immediate error).
/// </summary>
public sealed partial class GrpcRequestHandler
{
    private readonly ServiceRegistry _registry;
    private readonly GrpcServerOptions _options;
    private readonly ILogger _logger;

    /// <summary>Creates a handler over the registered methods.</summary>
    public GrpcRequestHandler(ServiceRegistry registry, GrpcServerOptions options, ILogger<GrpcRequestHandler> logger)
    {
        _registry = registry;
        _options = options;
        _logger = logger;
    }

    /// <summary>Handles one HTTP request (the ASP.NET Core <see cref="RequestDelegate"/>).</summary>
    public async Task HandleAsync(HttpContext http)
    {
        var request = http.Request;
        var response = http.Response;

        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            // gRPC needs HTTP/2 (trailers, multiplexing). 426 tells an HTTP/1.x client to upgrade.
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            response.Headers.Connection = "close";
            SetStatusHeaders(response.Headers, new GrpcStatus(GrpcStatusCode.Internal, $"Request protocol '{request.Protocol}' is not supported; gRPC requires HTTP/2."));
            return;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            SetStatusHeaders(response.Headers, new GrpcStatus(GrpcStatusCode.Internal, "gRPC requires POST."));
            return;
        }

        if (!GrpcHeaders.IsGrpcContentType(request.ContentType))
        {
            // PROTOCOL-HTTP2.md: servers SHOULD answer 415 so other HTTP/2 clients do not read a 200 as success.
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            SetStatusHeaders(response.Headers, new GrpcStatus(GrpcStatusCode.Internal, $"Content-Type '{request.ContentType}' is not supported."));
            return;
        }

        var path = request.Path.Value ?? string.Empty;
        if (!_registry.TryGet(path, out var method))
        {
            WriteTrailersOnly(response, new GrpcStatus(GrpcStatusCode.Unimplemented, $"Method '{path}' is not implemented."));
            return;
        }

        var encoding = request.Headers[GrpcHeaders.Encoding].ToString();
        if (!MessageCompression.IsSupported(encoding))
        {
            response.Headers[GrpcHeaders.AcceptEncoding] = GrpcHeaders.SupportedEncodings;
            WriteTrailersOnly(response, new GrpcStatus(GrpcStatusCode.Unimplemented, $"grpc-encoding '{encoding}' is not supported."));
            return;
        }

        DateTime? deadline = null;
        var timeoutHeader = request.Headers[GrpcHeaders.Timeout];
        TimeSpan timeout = default;
        if (timeoutHeader.Count > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader.ToString(), out timeout))
            {
                WriteTrailersOnly(response, new GrpcStatus(GrpcStatusCode.InvalidArgument, $"Invalid grpc-timeout '{timeoutHeader}'."));
                return;
            }

            deadline = DateTime.UtcNow + timeout;
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        if (deadline is not null)
        {
            cts.CancelAfter(timeout);
        }

        var context = new ServerCallContext(http, path, deadline, cts.Token);
        var sink = new ResponseSink(this, http, context, encoding, method.Kind == MethodKind.ServerStreaming);
        GrpcStatus status;
        try
        {
            status = await RunAsync(method, context, sink, encoding, cts).ConfigureAwait(false);
        }
        catch (Exception) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client reset the stream: nobody is left to tell.
            LogClientGone(_logger, path);
            return;
        }

        if (http.RequestAborted.IsCancellationRequested)
        {
            LogClientGone(_logger, path);
            return;
        }

        context.OnCompleting?.Invoke(context, status);
        if (!response.HasStarted && !sink.Started)
        {
            WriteTrailersOnly(response, status, context);
            return;
        }

        // No explicit flush: Kestrel writes the pending DATA and the trailers together when the delegate returns.
        AppendTrailers(response, status, context);
    }

    private async Task<GrpcStatus> RunAsync(ServerMethod method, ServerCallContext context, ResponseSink sink, string encoding, CancellationTokenSource cts)
    {
        try
        {
            var requestBytes = await ReadRequestAsync(context.HttpContext.Request.BodyReader, encoding, context.Deadline is null, cts.Token).ConfigureAwait(false);
            Func<ValueTask<GrpcStatus>> invoke = async () =>
            {
                // WaitAsync lets the deadline end the call even when a handler ignores its token.
                await method.InvokeAsync(context, requestBytes, sink).WaitAsync(context.CancellationToken).ConfigureAwait(false);
                return GrpcStatus.Ok;
            };
            return method.Interceptor is null
                ? await invoke().ConfigureAwait(false)
                : await method.Interceptor.InterceptAsync(context, requestBytes, invoke).ConfigureAwait(false);
        }
        catch (GrpcException e)
        {
            return e.Status;
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested && !context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            return context.Deadline is not null && DateTime.UtcNow >= context.Deadline.Value.AddMilliseconds(-1)
                ? new GrpcStatus(GrpcStatusCode.DeadlineExceeded, "Deadline exceeded.")
                : new GrpcStatus(GrpcStatusCode.DeadlineExceeded, "Timed out reading the request message.");
        }
        catch (Exception e) when (!context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            LogHandlerFailed(_logger, context.Method, e);
            return new GrpcStatus(GrpcStatusCode.Unknown, _options.EnableDetailedErrors ? "Exception was thrown by handler: " + e.Message : "Exception was thrown by handler.");
        }
    }

    private async Task<ReadOnlyMemory<byte>> ReadRequestAsync(PipeReader reader, string encoding, bool applyReadTimeout, CancellationToken cancellationToken)
    {
        using var readTimeout = applyReadTimeout ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken) : null;
        readTimeout?.CancelAfter(_options.RequestReadTimeout);
        var token = readTimeout?.Token ?? cancellationToken;
        byte[]? message = null;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await reader.ReadAsync(token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (readTimeout is not null && readTimeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new GrpcException(GrpcStatusCode.DeadlineExceeded, "Timed out reading the request message.");
            }

            var buffer = result.Buffer;
            try
            {
                if (message is null && GrpcFrame.TryReadMessage(ref buffer, _options.MaxReceiveMessageSize, encoding, out var read))
                {
                    message = read;
                }

                if (message is not null && !buffer.IsEmpty)
                {
                    throw new GrpcException(GrpcStatusCode.Internal, "Additional data after the request message (unary and server-streaming calls take one).");
                }

                if (result.IsCompleted)
                {
                    return message ?? throw new GrpcException(GrpcStatusCode.Internal, buffer.IsEmpty
                        ? "Request ended without a message."
                        : "Incomplete request message: the stream ended inside a length-prefixed message.");
                }
            }
            finally
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    private static void SetStatusHeaders(IHeaderDictionary headers, GrpcStatus status)
    {
        headers[GrpcHeaders.Status] = ((int)status.Code).ToString(CultureInfo.InvariantCulture);
        if (status.Detail.Length > 0)
        {
            headers[GrpcHeaders.Message] = PercentEncoding.Encode(status.Detail);
        }
    }

    private static void WriteTrailersOnly(HttpResponse response, GrpcStatus status, ServerCallContext? context = null)
    {
        // Trailers-Only: one HEADERS frame with :status 200, content-type and the status, then END_STREAM.
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcHeaders.ContentTypeProto;
        if (context is not null)
        {
            if (context.HasResponseHeaders)
            {
                foreach (var (k, v) in context.ResponseHeaders)
                {
                    response.Headers.Append(k, v);
                }
            }

            if (context.HasResponseTrailers)
            {
                foreach (var (k, v) in context.ResponseTrailers)
                {
                    response.Headers.Append(k, v);
                }
            }
        }

        SetStatusHeaders(response.Headers, status);
    }

    private static void AppendTrailers(HttpResponse response, GrpcStatus status, ServerCallContext context)
    {
        response.AppendTrailer(GrpcHeaders.Status, ((int)status.Code).ToString(CultureInfo.InvariantCulture));
        if (status.Detail.Length > 0)
        {
            response.AppendTrailer(GrpcHeaders.Message, PercentEncoding.Encode(status.Detail));
        }

        if (context.HasResponseTrailers)
        {
            foreach (var (k, v) in context.ResponseTrailers)
            {
                response.AppendTrailer(k, v);
            }
        }
    }

    /// <summary>Serializes response messages into length-prefixed frames on the response body.</summary>
    private sealed class ResponseSink(GrpcRequestHandler owner, HttpContext http, ServerCallContext context, string requestEncoding, bool streaming) : IResponseSink
    {
        private readonly bool _compress = owner._options.CompressResponses && AcceptsGzip(http.Request, requestEncoding);

        public bool Started { get; private set; }

        public async Task WriteMessageAsync(IMessage message, CancellationToken cancellationToken)
        {
            var size = message.CalculateSize();
            if (size > owner._options.MaxSendMessageSize)
            {
                throw new GrpcException(GrpcStatusCode.ResourceExhausted, $"Response message of {size} bytes is larger than the limit of {owner._options.MaxSendMessageSize} bytes.");
            }

            var writer = http.Response.BodyWriter;
            if (!Started)
            {
                Start();
            }

            if (!_compress)
            {
                // Serialize straight into the response pipe after the 5-byte header; a response hook (the miner's
                // body hasher) reads the message bytes in place, so signing costs no extra copy.
                var memory = writer.GetMemory(GrpcFrame.HeaderSize + size);
                GrpcFrame.WriteHeader(memory.Span, compressed: false, size);
                message.WriteTo(memory.Span.Slice(GrpcFrame.HeaderSize, size));
                context.OnResponseMessage?.Invoke(context, memory.Slice(GrpcFrame.HeaderSize, size));
                writer.Advance(GrpcFrame.HeaderSize + size);
            }
            else
            {
                var bytes = message.ToByteArray();
                context.OnResponseMessage?.Invoke(context, bytes);
                GrpcFrame.Write(writer, compressed: true, MessageCompression.Compress(bytes));
            }

            if (streaming)
            {
                await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        private void Start()
        {
            Started = true;
            var response = http.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = GrpcHeaders.ContentTypeProto;
            response.Headers[GrpcHeaders.AcceptEncoding] = GrpcHeaders.SupportedEncodings;
            if (_compress)
            {
                response.Headers[GrpcHeaders.Encoding] = GrpcHeaders.Gzip;
            }

            if (context.HasResponseHeaders)
            {
                foreach (var (k, v) in context.ResponseHeaders)
                {
                    response.Headers.Append(k, v);
                }
            }

            // Make sure trailers can follow even when no body byte was flushed yet.
            http.Features.Get<IHttpResponseTrailersFeature>();
        }

        private static bool AcceptsGzip(HttpRequest request, string requestEncoding) =>
            requestEncoding == GrpcHeaders.Gzip ||
            request.Headers[GrpcHeaders.AcceptEncoding].ToString().Contains(GrpcHeaders.Gzip, StringComparison.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Client went away during {Method}.")]
    private static partial void LogClientGone(ILogger logger, string method);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handler for {Method} failed.")]
    private static partial void LogHandlerFailed(ILogger logger, string method, Exception exception);
}
