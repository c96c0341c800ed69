using Google.Protobuf;
using Intelligence.Protocol.Client;
using Intelligence.Protocol.V1;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Tests;

/// <summary>Our client against the real @grpc/grpc-js server (a node process).</summary>
public sealed class GrpcJsServerInteropTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private NodeProcess _node = null!;
    private Uri _address = null!;
    private readonly GrpcClient _client = new();

    public async Task InitializeAsync()
    {
        _node = NodeProcess.Start(Repo.NodeScript("grpc-js-peer.mjs"), Repo.ProtoRoot);
        var port = await _node.WaitForLineAsync("listening ", Wait);
        _address = new Uri($"http://127.0.0.1:{port}");
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _node.DisposeAsync();
    }

    [Fact]
    public async Task Unary_Echo_RoundTrips()
    {
        var request = InteropService.Echo(1024);
        var (result, response) = await _client.UnaryAsync(_address, InteropService.ForwardPath, request, ForwardResponse.Parser).WaitAsync(Wait);
        Assert.True(result.Status.IsOk, result.Status.ToString());
        Assert.Equal(request.Inputs[0], response!.Outputs[0]);
        Assert.Equal(1UL, response.Timing.TotalUs);
    }

    [Fact]
    public async Task Unary_ErrorStatus_CodeAndMessage()
    {
        var (result, _) = await _client.UnaryAsync(_address, InteropService.ForwardPath, InteropService.Echo(task: "fail:7:not a validator"), ForwardResponse.Parser).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.PermissionDenied, result.Status.Code);
        Assert.Equal("not a validator", result.Status.Detail);
    }

    [Fact]
    public async Task Unary_Deadline_DeadlineExceeded()
    {
        var options = new CallOptions { Timeout = TimeSpan.FromMilliseconds(200) };
        var (result, _) = await _client.UnaryAsync(_address, InteropService.ForwardPath, InteropService.Echo(task: "sleep:3000"), ForwardResponse.Parser, options).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, result.Status.Code);
    }

    [Fact]
    public async Task Unary_Metadata_HeadersAndTrailers()
    {
        var options = new CallOptions();
        options.Headers.Add(new("x-echo", "from-dotnet"));
        var (result, _) = await _client.UnaryAsync(_address, InteropService.ForwardPath, InteropService.Echo(), ForwardResponse.Parser, options).WaitAsync(Wait);
        Assert.True(result.Status.IsOk, result.Status.ToString());
        Assert.Equal("from-dotnet", result.Headers["x-echo-header"]);
        Assert.Equal("from-dotnet", result.Trailers["x-echo-trailer"]);
    }

    [Fact]
    public async Task Unary_UnknownMethod_Unimplemented()
    {
        var result = await _client.UnaryAsync(_address, "/intelligence.v1.Miner/Missing", InteropService.Echo().ToByteArray()).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.Unimplemented, result.Status.Code);
    }

    [Fact]
    public async Task Unary_GzipRequest_GrpcJsDecodes()
    {
        using var gzip = new GrpcClient(new GrpcClientOptions { CompressRequests = true });
        var request = InteropService.Echo(8192);
        var (result, response) = await gzip.UnaryAsync(_address, InteropService.ForwardPath, request, ForwardResponse.Parser).WaitAsync(Wait);
        Assert.True(result.Status.IsOk, result.Status.ToString());
        Assert.Equal(request.Inputs[0].Data, response!.Outputs[0].Data);
    }

    [Fact]
    public async Task ServerStreaming_ReadsEveryMessage()
    {
        var request = InteropService.Echo();
        request.Inputs.Add(new Tensor { Name = "second" });
        var names = new List<string>();
        var result = await _client.ServerStreamingAsync(_address, InteropService.StreamPath, request.ToByteArray(), bytes =>
        {
            names.Add(ForwardResponse.Parser.ParseFrom(bytes).Outputs[0].Name);
            return ValueTask.CompletedTask;
        }).WaitAsync(Wait);
        Assert.True(result.Status.IsOk, result.Status.ToString());
        Assert.Equal(["x", "second"], names);
    }
}
