using System.Globalization;
using System.Net;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Tests;

/// <summary>What a raw HTTP/2 exchange returned: HTTP status, the gRPC status (headers or trailers), the body bytes.</summary>
internal sealed record RawResult(int HttpStatus, GrpcStatus? Status, byte[] Body);

/// <summary>
/// Sends hand-made HTTP/2 requests (any body bytes, any content-type, stalled or reset bodies) to test the server
/// against inputs a well-behaved client never produces.
/// </summary>
internal sealed class RawHttp2 : IDisposable
{
    private readonly HttpMessageInvoker _invoker;
    private readonly Uri _address;

    static RawHttp2() => AppContext.SetSwitch("System.Net.Http.SocketsHttpHandler.Http2UnencryptedSupport", true);

    public RawHttp2(Uri address)
    {
        _address = address;
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false }, disposeHandler: true);
    }

    public async Task<(GrpcStatus Status, int HttpStatus)> CallAsync(string path, byte[] body, string contentType = TestWire.ContentType, string? timeoutHeader = null, IEnumerable<KeyValuePair<string, string>>? headers = null)
    {
        var r = await SendAsync(path, new ByteArrayContent(body), contentType, timeoutHeader, headers, CancellationToken.None);
        return (r.Status ?? new GrpcStatus(GrpcStatusCode.Unknown, "no grpc-status"), r.HttpStatus);
    }

    public async Task<RawResult> SendAsync(string path, HttpContent content, string contentType, string? timeoutHeader, IEnumerable<KeyValuePair<string, string>>? headers, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_address, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        content.Headers.TryAddWithoutValidation("content-type", contentType);
        if (timeoutHeader is not null)
        {
            request.Headers.TryAddWithoutValidation(TestWire.Timeout, timeoutHeader);
        }

        foreach (var (k, v) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(k, v);
        }

        using var response = await _invoker.SendAsync(request, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var status = ReadStatus(response.Headers) ?? ReadStatus(response.TrailingHeaders);
        return new RawResult((int)response.StatusCode, status, bytes);
    }

    public void Dispose() => _invoker.Dispose();

    private static GrpcStatus? ReadStatus(System.Net.Http.Headers.HttpHeaders headers)
    {
        if (!headers.TryGetValues(TestWire.Status, out var values))
        {
            return null;
        }

        var code = (GrpcStatusCode)int.Parse(values.First(), CultureInfo.InvariantCulture);
        var message = headers.TryGetValues(TestWire.Message, out var m) ? Uri.UnescapeDataString(m.First()) : string.Empty;
        return new GrpcStatus(code, message);
    }
}

/// <summary>A request body that sends some bytes, then waits (never ending unless released or cancelled).</summary>
internal sealed class StalledContent(byte[] prefix, Task release) : HttpContent
{
    public TaskCompletionSource PrefixSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(prefix, cancellationToken);
        await stream.FlushAsync(cancellationToken);
        PrefixSent.TrySetResult();
        await release.WaitAsync(cancellationToken);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
