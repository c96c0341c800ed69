using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Google.Protobuf;
using Intelligence.Protocol.Client;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.V1;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Tests;

/// <summary>Bad input at the transport: each gets the right status or a clean close, and the server keeps serving.</summary>
[Collection(HeapMeasuringCollection.Name)]
public sealed class RobustnessTests : IAsyncLifetime
{
    private const int MaxMessage = 64 * 1024;
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private GrpcServer _server = null!;
    private readonly GrpcClient _client = new();
    private RawHttp2 _raw = null!;

    public async Task InitializeAsync()
    {
        var options = new GrpcServerOptions { MaxReceiveMessageSize = MaxMessage, RequestReadTimeout = TimeSpan.FromSeconds(2) };
        _server = await GrpcServer.StartAsync(InteropService.Create(), options: options).WaitAsync(Wait);
        _raw = new RawHttp2(_server.Address);
    }

    public async Task DisposeAsync()
    {
        _raw.Dispose();
        _client.Dispose();
        await _server.DisposeAsync().AsTask().WaitAsync(Wait);
    }

    [Fact]
    public async Task OversizedMessage_ResourceExhausted_BeforeReadingIt()
    {
        var (result, _) = await _client.UnaryAsync(_server.Address, InteropService.ForwardPath, InteropService.Echo(MaxMessage + 1), ForwardResponse.Parser).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.ResourceExhausted, result.Status.Code);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task OversizedLengthPrefix_ResourceExhausted_WithoutTheBytes()
    {
        // Header claims 16 MiB; only 5 bytes are ever sent. grpc-dotnet refuses on the prefix.
        var frame = new byte[TestWire.HeaderSize];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), 0x0100_0000);
        var (status, http) = await _raw.CallAsync(InteropService.ForwardPath, frame).WaitAsync(Wait);
        Assert.Equal(200, http);
        Assert.Equal(GrpcStatusCode.ResourceExhausted, status.Code);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task LengthPrefixOver2GiB_Unknown_ServerKeepsServing()
    {
        // A prefix above int.MaxValue is an I/O error in grpc-dotnet's reader, reported as UNKNOWN (docs/protocol.md).
        var frame = new byte[TestWire.HeaderSize];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), 0x8000_0000);
        var (status, http) = await _raw.CallAsync(InteropService.ForwardPath, frame).WaitAsync(Wait);
        Assert.Equal(200, http);
        Assert.Equal(GrpcStatusCode.Unknown, status.Code);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task GzipBomb_ResourceExhausted()
    {
        var bomb = TestWire.Compress(new byte[MaxMessage * 16]);
        var frame = new byte[TestWire.HeaderSize + bomb.Length];
        TestWire.WriteHeader(frame, compressed: true, bomb.Length);
        bomb.CopyTo(frame, TestWire.HeaderSize);
        var (status, _) = await _raw.CallAsync(InteropService.ForwardPath, frame, headers: [new(TestWire.Encoding, TestWire.Gzip)]).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.ResourceExhausted, status.Code);
    }

    [Fact]
    public async Task MalformedProtobuf_Internal()
    {
        // Field 3 (inputs, length-delimited) claiming 100 bytes that are not there.
        byte[] garbage = [0x1A, 0x64, 0x01, 0x02];
        var frame = new byte[TestWire.HeaderSize + garbage.Length];
        TestWire.WriteHeader(frame, compressed: false, garbage.Length);
        garbage.CopyTo(frame, TestWire.HeaderSize);
        var (status, _) = await _raw.CallAsync(InteropService.ForwardPath, frame).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Internal, status.Code);
        Assert.Contains("deserialize", status.Detail, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task TruncatedFrame_Internal()
    {
        var frame = ServerClientTests.GrpcFrameBytes(InteropService.Echo(100));
        var (status, _) = await _raw.CallAsync(InteropService.ForwardPath, frame[..^10]).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Internal, status.Code);
        Assert.Contains("Incomplete", status.Detail, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task TruncatedHeader_Internal()
    {
        var (status, _) = await _raw.CallAsync(InteropService.ForwardPath, [0, 0, 0]).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Internal, status.Code);
    }

    [Fact]
    public async Task EmptyBody_Internal()
    {
        var (status, _) = await _raw.CallAsync(InteropService.ForwardPath, []).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Internal, status.Code);
    }

    [Fact]
    public async Task BadCompressedFlag_Unknown_ServerKeepsServing()
    {
        // grpc-dotnet reports the bad flag as an exception of the call (UNKNOWN; the old transport said INTERNAL).
        var frame = ServerClientTests.GrpcFrameBytes(InteropService.Echo());
        frame[0] = 7;
        var (status, _) = await _raw.CallAsync(InteropService.ForwardPath, frame).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Unknown, status.Code);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task TwoMessagesForUnary_Internal()
    {
        var frame = ServerClientTests.GrpcFrameBytes(InteropService.Echo());
        var (status, _) = await _raw.CallAsync(InteropService.ForwardPath, [.. frame, .. frame]).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Internal, status.Code);
    }

    [Fact]
    public async Task WrongContentType_Http415()
    {
        var (_, http) = await _raw.CallAsync(InteropService.ForwardPath, ServerClientTests.GrpcFrameBytes(InteropService.Echo()), contentType: "application/json").WaitAsync(Wait);
        Assert.Equal(415, http);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task BadTimeoutHeader_IgnoredCallRunsWithoutDeadline()
    {
        // grpc-dotnet ignores a grpc-timeout it cannot parse (9 digits here; the spec allows 8) instead of failing the call.
        var (status, _) = await _raw.CallAsync(InteropService.ForwardPath, ServerClientTests.GrpcFrameBytes(InteropService.Echo()), timeoutHeader: "123456789S").WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.OK, status.Code);
    }

    [Fact]
    public async Task UnsupportedEncoding_CompressedMessage_Unimplemented()
    {
        var frame = ServerClientTests.GrpcFrameBytes(InteropService.Echo());
        frame[0] = 1;
        var (status, _) = await _raw.CallAsync(InteropService.ForwardPath, frame, headers: [new(TestWire.Encoding, "snappy")]).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Unimplemented, status.Code);
        Assert.Contains("snappy", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnsupportedEncoding_UncompressedMessage_Served()
    {
        // grpc-encoding only matters for a message whose Compressed-Flag is set (PROTOCOL-HTTP2.md).
        var (status, _) = await _raw.CallAsync(InteropService.ForwardPath, ServerClientTests.GrpcFrameBytes(InteropService.Echo()), headers: [new(TestWire.Encoding, "snappy")]).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.OK, status.Code);
    }

    [Fact]
    public async Task Http11Request_ConnectionClosedWithoutSuccess()
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", _server.Port).WaitAsync(Wait);
        var stream = tcp.GetStream();
        var body = ServerClientTests.GrpcFrameBytes(InteropService.Echo());
        var head = $"POST {InteropService.ForwardPath} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/grpc\r\nTE: trailers\r\nContent-Length: {body.Length}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head)).AsTask().WaitAsync(Wait);
        await stream.WriteAsync(body).AsTask().WaitAsync(Wait);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int n;
        while ((n = await stream.ReadAsync(buffer).AsTask().WaitAsync(Wait)) > 0)
        {
            received.Write(buffer, 0, n);
        }

        // The server closed the connection (read returned 0) and never answered as HTTP/1.1 success.
        Assert.DoesNotContain("200 OK", Encoding.ASCII.GetString(received.ToArray()), StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task SlowClient_StalledBody_StreamResetAndOthersServed()
    {
        // No grpc-timeout: Kestrel's minimum request body rate (grace RequestReadTimeout = 2 s here) resets the stream.
        var release = new TaskCompletionSource();
        var frame = ServerClientTests.GrpcFrameBytes(InteropService.Echo(1000));
        var content = new StalledContent(frame[..20], release.Task);
        var stalled = _raw.SendAsync(InteropService.ForwardPath, content, TestWire.ContentType, null, null, CancellationToken.None);
        await content.PrefixSent.Task.WaitAsync(Wait);
        await AssertStillServingAsync();
        var outcome = await Record.ExceptionAsync(() => stalled.WaitAsync(Wait));
        release.TrySetResult();
        Assert.True(outcome is OperationCanceledException or HttpRequestException or IOException, $"stalled call ended with {outcome?.GetType().Name ?? "a response"}");
        Assert.IsNotType<TimeoutException>(outcome);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task SlowClient_StalledBodyWithDeadline_EndsAtTheDeadline()
    {
        // grpc-dotnet answers DEADLINE_EXCEEDED and resets the stream whose body is still open; the raw client may
        // see either, but well before the 2 s body-rate limit.
        var release = new TaskCompletionSource();
        var frame = ServerClientTests.GrpcFrameBytes(InteropService.Echo(1000));
        var content = new StalledContent(frame[..20], release.Task);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        RawResult? result = null;
        var outcome = await Record.ExceptionAsync(async () => result = await _raw.SendAsync(InteropService.ForwardPath, content, TestWire.ContentType, "300m", null, CancellationToken.None).WaitAsync(Wait));
        var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
        release.TrySetResult();
        Assert.IsNotType<TimeoutException>(outcome);
        Assert.True(result is null || result.Status?.Code == GrpcStatusCode.DeadlineExceeded, $"status {result?.Status}");
        Assert.True(elapsed < TimeSpan.FromSeconds(1.8), $"stalled call took {elapsed}");
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task ClientResetMidStream_ServerKeepsServing()
    {
        using var cts = new CancellationTokenSource();
        var frame = ServerClientTests.GrpcFrameBytes(InteropService.Echo(1000));
        var content = new StalledContent(frame[..50], Task.Delay(Timeout.Infinite, cts.Token));
        var call = _raw.SendAsync(InteropService.ForwardPath, content, TestWire.ContentType, "10S", null, cts.Token);
        await content.PrefixSent.Task.WaitAsync(Wait);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(Wait));
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task ManyBadRequests_MemoryStaysFlat()
    {
        var bad = new List<Func<Task>>
        {
            () => _raw.CallAsync(InteropService.ForwardPath, [0x1A, 0x64]),
            () => _raw.CallAsync(InteropService.ForwardPath, ServerClientTests.GrpcFrameBytes(InteropService.Echo())[..^3]),
            () => _raw.CallAsync(InteropService.ForwardPath, [], contentType: "text/plain"),
            () => _client.UnaryAsync(_server.Address, InteropService.ForwardPath, InteropService.Echo(MaxMessage + 1).ToByteArray()),
            () => _client.UnaryAsync(_server.Address, InteropService.ForwardPath, InteropService.Echo(task: "fail:3:bad").ToByteArray()),
        };
        async Task RoundAsync(int n)
        {
            for (var i = 0; i < n; i++)
            {
                await Task.WhenAll(bad.Select(f => f())).WaitAsync(Wait);
            }
        }

        await RoundAsync(50);
        var (growth, readings) = await Repo.SteadyHeapGrowthAsync(() => RoundAsync(40));
        Assert.True(growth < 8 * 1024 * 1024, $"managed heap grew by {growth / 1024} KiB over 1000 bad calls (readings: {readings})");
        await AssertStillServingAsync();
    }

    private async Task AssertStillServingAsync()
    {
        var request = InteropService.Echo(32);
        var (result, response) = await _client.UnaryAsync(_server.Address, InteropService.ForwardPath, request, ForwardResponse.Parser).WaitAsync(Wait);
        Assert.True(result.Status.IsOk, result.Status.ToString());
        Assert.Equal(request.Inputs[0].Data, response!.Outputs[0].Data);
    }
}
