using Google.Protobuf;
using Intelligence.Protocol.Client;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.V1;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Tests;

public sealed class ServerClientTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private GrpcServer _server = null!;
    private readonly GrpcClient _client = new();

    public async Task InitializeAsync() =>
        _server = await GrpcServer.StartAsync(InteropService.Create(), options: new GrpcServerOptions { MaxReceiveMessageSize = 64 * 1024 }).WaitAsync(Wait);

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync().AsTask().WaitAsync(Wait);
    }

    [Fact]
    public async Task Unary_Echo_ReturnsInputsAsOutputs()
    {
        var request = InteropService.Echo(1024);
        var (result, response) = await _client.UnaryAsync(_server.Address, InteropService.ForwardPath, request, ForwardResponse.Parser).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.OK, result.Status.Code);
        Assert.NotNull(response);
        Assert.Equal(request.Inputs[0], response.Outputs[0]);
        Assert.Equal("0", result.Trailers[TestWire.Status]);
    }

    [Fact]
    public async Task Unary_HandlerError_StatusAndMessageArrive()
    {
        var (result, response) = await _client.UnaryAsync(_server.Address, InteropService.ForwardPath, InteropService.Echo(task: "fail:9:not ready % ü"), ForwardResponse.Parser).WaitAsync(Wait);
        Assert.Null(response);
        Assert.Equal(GrpcStatusCode.FailedPrecondition, result.Status.Code);
        Assert.Equal("not ready % ü", result.Status.Detail);
    }

    [Fact]
    public async Task Unary_HandlerThrows_UnknownWithoutExceptionText()
    {
        var (result, _) = await _client.UnaryAsync(_server.Address, InteropService.ForwardPath, InteropService.Echo(task: "throw"), ForwardResponse.Parser).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Unknown, result.Status.Code);
        Assert.DoesNotContain("secret", result.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_Metadata_RoundTripsInHeadersAndTrailers()
    {
        var options = new CallOptions();
        options.Headers.Add(new("x-echo", "hello"));
        options.Headers.Add(new("x-blob-bin", GrpcMetadata.EncodeBinary([1, 2, 3, 250])));
        var (result, _) = await _client.UnaryAsync(_server.Address, InteropService.ForwardPath, InteropService.Echo(), ForwardResponse.Parser, options).WaitAsync(Wait);
        Assert.True(result.Status.IsOk, result.Status.ToString());
        Assert.Equal("hello", result.Headers["x-echo-header"]);
        Assert.Equal("hello", result.Trailers["x-echo-trailer"]);
        Assert.True(GrpcMetadata.TryDecodeBinary(result.Trailers["x-blob-bin"], out var blob));
        Assert.Equal(new byte[] { 1, 2, 3, 250 }, blob);
    }

    [Fact]
    public async Task Unary_DeadlineShorterThanHandler_DeadlineExceeded()
    {
        var options = new CallOptions { Timeout = TimeSpan.FromMilliseconds(200) };
        var (result, _) = await _client.UnaryAsync(_server.Address, InteropService.ForwardPath, InteropService.Echo(task: "sleep:5000"), ForwardResponse.Parser, options).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, result.Status.Code);
        Assert.True(result.Latency < TimeSpan.FromSeconds(4.5), result.Latency.ToString());
    }

    [Fact]
    public async Task Unary_ServerEnforcesDeadline_EvenWhenHandlerIgnoresToken()
    {
        // Sent through the raw path so the client does not cancel first: the server must answer by itself.
        using var raw = new RawHttp2(_server.Address);
        var (status, _) = await raw.CallAsync(InteropService.ForwardPath, GrpcFrameBytes(InteropService.Echo(task: "hang")), timeoutHeader: "300m").WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, status.Code);
    }

    [Fact]
    public async Task Unary_UnknownMethod_Unimplemented()
    {
        var result = await _client.UnaryAsync(_server.Address, "/intelligence.v1.Miner/Nope", InteropService.Echo().ToByteArray()).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Unimplemented, result.Status.Code);
    }

    [Fact]
    public async Task Unary_GzipRequest_Accepted()
    {
        using var gzipClient = new GrpcClient(new GrpcClientOptions { CompressRequests = true });
        var request = InteropService.Echo(4096);
        var (result, response) = await gzipClient.UnaryAsync(_server.Address, InteropService.ForwardPath, request, ForwardResponse.Parser).WaitAsync(Wait);
        Assert.True(result.Status.IsOk, result.Status.ToString());
        Assert.Equal(request.Inputs[0].Data, response!.Outputs[0].Data);
    }

    [Fact]
    public async Task ServerStreaming_SendsEachMessageThenStatus()
    {
        var request = InteropService.Echo();
        request.Inputs.Add(new Tensor { Name = "y" });
        request.Inputs.Add(new Tensor { Name = "z" });
        request.Task = "fail-after";
        var names = new List<string>();
        var result = await _client.ServerStreamingAsync(_server.Address, InteropService.StreamPath, request.ToByteArray(), bytes =>
        {
            names.Add(ForwardResponse.Parser.ParseFrom(bytes).Outputs[0].Name);
            return ValueTask.CompletedTask;
        }).WaitAsync(Wait);
        Assert.Equal(["x", "y", "z"], names);
        Assert.Equal(GrpcStatusCode.Aborted, result.Status.Code);
    }

    [Fact]
    public async Task Unary_ServerDown_UnavailableNotException()
    {
        var port = _server.Port;
        await _server.DisposeAsync().AsTask().WaitAsync(Wait);
        var result = await _client.UnaryAsync(new Uri($"http://127.0.0.1:{port}"), InteropService.ForwardPath, InteropService.Echo().ToByteArray()).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Unavailable, result.Status.Code);
        _server = await GrpcServer.StartAsync(InteropService.Create()).WaitAsync(Wait);
    }

    internal static byte[] GrpcFrameBytes(IMessage message)
    {
        var body = message.ToByteArray();
        var frame = new byte[TestWire.HeaderSize + body.Length];
        TestWire.WriteHeader(frame, compressed: false, body.Length);
        body.CopyTo(frame, TestWire.HeaderSize);
        return frame;
    }
}
