using System.Numerics;
using System.Text.Json;
using Google.Protobuf;
using Intelligence.Chain;
using Intelligence.Protocol.Pipeline;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.Signing;
using Intelligence.Protocol.V1;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Tests;

/// <summary>The real @grpc/grpc-js client (a node process) calling our Kestrel server, plain and behind the miner pipeline.</summary>
public sealed class GrpcJsClientInteropTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private static readonly SigningDomain Domain = new(31337, 3);
    private readonly PrivateKey _minerKey = PrivateKey.Generate();
    private readonly PrivateKey _validatorKey = PrivateKey.Generate();
    private GrpcServer _plain = null!;
    private GrpcServer _signed = null!;

    public async Task InitializeAsync()
    {
        var directory = new StaticCallerDirectory();
        directory.Set(_validatorKey.Address, new CallerInfo(true, true, new BigInteger(10)));
        var pipeline = new MinerPipeline(_minerKey, new MinerPipelineOptions { Domain = Domain }, directory);
        _plain = await GrpcServer.StartAsync(InteropService.Create()).WaitAsync(Wait);
        _signed = await GrpcServer.StartAsync(InteropService.Create(pipeline)).WaitAsync(Wait);
    }

    public async Task DisposeAsync()
    {
        await _plain.DisposeAsync().AsTask().WaitAsync(Wait);
        await _signed.DisposeAsync().AsTask().WaitAsync(Wait);
        _minerKey.Dispose();
        _validatorKey.Dispose();
    }

    [Fact]
    public async Task Unary_Echo()
    {
        var request = InteropService.Echo(2048);
        var r = await CallAsync(_plain, request.ToByteArray());
        Assert.Equal(0, r.Code);
        Assert.Equal(request.Inputs[0], ForwardResponse.Parser.ParseFrom(r.Response).Outputs[0]);
    }

    [Fact]
    public async Task Unary_ErrorStatus_CodeAndPercentEncodedMessage()
    {
        var r = await CallAsync(_plain, InteropService.Echo(task: "fail:9:not ready % ü").ToByteArray());
        Assert.Equal((int)GrpcStatusCode.FailedPrecondition, r.Code);
        Assert.Equal("not ready % ü", r.Details);
    }

    [Fact]
    public async Task Unary_Deadline_DeadlineExceeded()
    {
        var r = await CallAsync(_plain, InteropService.Echo(task: "sleep:5000").ToByteArray(), deadlineMs: 300);
        Assert.Equal((int)GrpcStatusCode.DeadlineExceeded, r.Code);
    }

    [Fact]
    public async Task Unary_Metadata_HeadersTrailersAndBinary()
    {
        var metadata = new Dictionary<string, string> { ["x-echo"] = "from-grpc-js", ["x-blob-bin"] = Convert.ToBase64String([0, 1, 2, 255]) };
        var r = await CallAsync(_plain, InteropService.Echo().ToByteArray(), metadata);
        Assert.Equal(0, r.Code);
        Assert.Equal("from-grpc-js", r.Headers["x-echo-header"]);
        Assert.Equal("from-grpc-js", r.Trailers["x-echo-trailer"]);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, Convert.FromBase64String(r.Trailers["x-blob-bin"]));
    }

    [Fact]
    public async Task Unary_UnknownMethod_Unimplemented()
    {
        var r = await CallAsync(_plain, InteropService.Echo().ToByteArray(), path: "/intelligence.v1.Miner/Missing");
        Assert.Equal((int)GrpcStatusCode.Unimplemented, r.Code);
    }

    [Fact]
    public async Task Signed_StandardClientWithSignatureMetadata_AcceptedAndResponseVerifies()
    {
        var body = InteropService.Echo(100).ToByteArray();
        var signed = new RequestSigner(_validatorKey, Domain).Sign(_minerKey.Address, InteropService.ForwardPath, body);
        var r = await CallAsync(_signed, body, signed.Headers().ToDictionary(h => h.Key, h => h.Value));
        Assert.Equal(0, r.Code);
        var signature = Signature.Parse(r.Trailers[SigningHeaders.ResponseSignature]);
        Assert.True(RequestSigner.VerifyResponse(signed, _minerKey.Address, ResponseBodyHasher.Of(r.Response), signature));
    }

    [Fact]
    public async Task Signed_Unsigned_Unauthenticated()
    {
        var r = await CallAsync(_signed, InteropService.Echo().ToByteArray());
        Assert.Equal((int)GrpcStatusCode.Unauthenticated, r.Code);
    }

    private sealed record NodeResult(int Code, string Details, byte[] Response, Dictionary<string, string> Headers, Dictionary<string, string> Trailers);

    private static async Task<NodeResult> CallAsync(GrpcServer server, byte[] body, Dictionary<string, string>? metadata = null, int? deadlineMs = null, string path = InteropService.ForwardPath)
    {
        var spec = JsonSerializer.Serialize(new
        {
            mode = "call",
            address = $"127.0.0.1:{server.Port}",
            path,
            body = Convert.ToBase64String(body),
            metadata = metadata ?? [],
            deadlineMs,
        });
        await using var node = NodeProcess.Start(Repo.NodeScript("grpc-js-client.mjs"), spec);
        var json = await node.WaitForLineAsync("result ", Wait);
        var root = JsonDocument.Parse(json).RootElement;
        static Dictionary<string, string> Map(JsonElement e) =>
            e.ValueKind == JsonValueKind.Object ? e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "") : [];
        var response = root.GetProperty("response");
        return new NodeResult(
            root.GetProperty("code").GetInt32(),
            root.GetProperty("details").GetString() ?? "",
            response.ValueKind == JsonValueKind.String ? Convert.FromBase64String(response.GetString()!) : [],
            Map(root.GetProperty("headers")),
            Map(root.GetProperty("trailers")));
    }
}
