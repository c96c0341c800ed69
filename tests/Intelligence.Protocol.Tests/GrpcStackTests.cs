using Google.Protobuf;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using Intelligence.Protocol.Client;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.Signing;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Tests;

/// <summary>What grpc-dotnet adds around our methods: grpc.health.v1, reflection, TLS, and the header check before the body.</summary>
public sealed class GrpcStackTests : PipelineRig
{
    [Fact]
    public async Task HealthV1_FollowsMinerHealth()
    {
        using var channel = GrpcChannel.ForAddress(_server.Address);
        var health = new Health.HealthClient(channel);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + Wait)).Status);

        _server.Health.SetNotServing("model loading");
        Assert.False(_server.Health.IsServing);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, (await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + Wait)).Status);

        _server.Health.SetServing();
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + Wait)).Status);
    }

    [Fact]
    public async Task Reflection_ListsMinerHealthAndReflection_AndServesMinerDescriptor()
    {
        using var channel = GrpcChannel.ForAddress(_server.Address);
        var reflection = new ServerReflection.ServerReflectionClient(channel);
        using var call = reflection.ServerReflectionInfo(deadline: DateTime.UtcNow + Wait);
        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = string.Empty });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Wait));
        var names = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToArray();
        Assert.Contains("intelligence.v1.Miner", names);
        Assert.Contains("grpc.health.v1.Health", names);
        Assert.Contains("grpc.reflection.v1alpha.ServerReflection", names);

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = "intelligence.v1.Miner" });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Wait));
        var files = call.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(b => Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(b)).ToArray();
        var miner = Assert.Single(files, f => f.Name == "intelligence/v1/miner.proto");
        Assert.Equal(["Forward", "ForwardStream", "Health"], miner.Service.Single().Method.Select(m => m.Name).Order().ToArray());
        await call.RequestStream.CompleteAsync();
    }

    [Fact]
    public async Task Blacklisted_RefusedFromHeaders_WhileTheBodyIsStillOpen()
    {
        // The body never completes: a PERMISSION_DENIED answer proves the check ran before grpc-dotnet read the message.
        using var raw = new RawHttp2(_server.Address);
        var release = new TaskCompletionSource();
        var frame = ServerClientTests.GrpcFrameBytes(InteropService.Echo(1000));
        var content = new StalledContent(frame[..20], release.Task);
        var headers = new KeyValuePair<string, string>[]
        {
            new(SigningHeaders.Caller, _strangerKey.Address.ToLowerHex()),
            new(SigningHeaders.Nonce, "1"),
            new(SigningHeaders.Signature, "0x00"),
        };
        var result = await raw.SendAsync(InteropService.ForwardPath, content, TestWire.ContentType, null, headers, CancellationToken.None).WaitAsync(Wait);
        release.TrySetResult();
        Assert.Equal(200, result.HttpStatus);
        Assert.Equal(GrpcStatusCode.PermissionDenied, result.Status?.Code);
        Assert.Contains("not registered", result.Status?.Detail, StringComparison.Ordinal);
        Assert.True(await SignedCallOkAsync());
    }

    [Fact]
    public async Task MalformedCaller_RefusedFromHeaders_Unauthenticated()
    {
        using var raw = new RawHttp2(_server.Address);
        var (status, http) = await raw.CallAsync(InteropService.ForwardPath, ServerClientTests.GrpcFrameBytes(InteropService.Echo()), headers: [new(SigningHeaders.Caller, "0x1234")]).WaitAsync(Wait);
        Assert.Equal(200, http);
        Assert.Equal(GrpcStatusCode.Unauthenticated, status.Code);
        Assert.Contains("Malformed", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReplacedBlacklist_RunsOnTheHeaders_AndIsNotRunAgain()
    {
        var counting = new CountingStage(_pipeline.Blacklist);
        _pipeline.Blacklist = counting;
        Assert.True(await SignedCallOkAsync());
        Assert.Equal(1, counting.Calls);
        Assert.Equal(0, counting.CallsWithBody);
    }

    [Fact]
    public async Task Tls_ServerWithCertificate_ServesHttp2OverTls()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        using var certificate = X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pfx), null);
        await using var tls = await GrpcServer.StartAsync(InteropService.Create(), new GrpcServerEndpoint { Certificate = certificate }).WaitAsync(Wait);
        Assert.Equal("https", tls.Address.Scheme);

        using var handler = new SocketsHttpHandler
        {
            // Trust exactly the test's own certificate.
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => cert?.GetCertHashString() == certificate.GetCertHashString() },
        };
        using var channel = GrpcChannel.ForAddress(tls.Address, new GrpcChannelOptions { HttpHandler = handler });
        var health = new Health.HealthClient(channel);
        var response = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + Wait);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Fact]
    public async Task GzipResponses_SentCompressed_SignatureOverTheUncompressedBytes()
    {
        // A second miner on the same pipeline that gzips responses to callers that accept gzip.
        await using var gzip = await GrpcServer.StartAsync(InteropService.Create(_pipeline), options: new GrpcServerOptions { CompressResponses = true }).WaitAsync(Wait);

        // On the wire: the response message carries Compressed-Flag 1.
        using var raw = new RawHttp2(gzip.Address);
        var body = InteropService.Echo(2048).ToByteArray();
        var signed = new RequestSigner(_validatorKey, Domain).Sign(_minerKey.Address, InteropService.ForwardPath, body);
        var headers = signed.Headers().Append(new("grpc-accept-encoding", "gzip")).ToArray();
        var frame = new byte[TestWire.HeaderSize + body.Length];
        TestWire.WriteHeader(frame, compressed: false, body.Length);
        body.CopyTo(frame, TestWire.HeaderSize);
        var rawResult = await raw.SendAsync(InteropService.ForwardPath, new ByteArrayContent(frame), TestWire.ContentType, null, headers, CancellationToken.None).WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.OK, rawResult.Status?.Code);
        Assert.True(rawResult.Body.Length > TestWire.HeaderSize);
        Assert.Equal(1, rawResult.Body[0]);

        // Through the validator client: decompressed, and the miner's signature checks out over the message bytes.
        using var validator = new ValidatorClient(new RequestSigner(_validatorKey, Domain), _client);
        var request = InteropService.Echo(2048);
        var result = await validator.ForwardAsync(new MinerEndpoint(0, _minerKey.Address, gzip.Address), request, Wait).WaitAsync(Wait);
        Assert.True(result.Status.IsOk, result.Status.ToString());
        Assert.Equal(request.Inputs[0].Data, result.Response!.Outputs[0].Data);
        Assert.NotNull(result.ResponseSignature);
    }

    private async Task<bool> SignedCallOkAsync()
    {
        using var validator = new ValidatorClient(new RequestSigner(_validatorKey, Domain), _client);
        var result = await validator.ForwardAsync(_miner, InteropService.Echo(), Wait).WaitAsync(Wait);
        return result.Status.IsOk;
    }

    private sealed class CountingStage(Pipeline.IMinerStage inner) : Pipeline.IMinerStage
    {
        public int Calls;
        public int CallsWithBody;

        public ValueTask<GrpcStatus> InvokeAsync(Pipeline.MinerCall call, Func<ValueTask<GrpcStatus>> next)
        {
            Interlocked.Increment(ref Calls);
            if (!call.Request.IsEmpty)
            {
                Interlocked.Increment(ref CallsWithBody);
            }

            return inner.InvokeAsync(call, next);
        }
    }
}
