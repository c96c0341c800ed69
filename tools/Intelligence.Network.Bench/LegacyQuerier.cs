using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Intelligence.Chain;
using Intelligence.Node;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.Signing;
using Intelligence.Protocol.V1;
using Intelligence.Protocol.Wire;
using Intelligence.Subnets;
using Intelligence.Validator;

namespace Intelligence.Network.Bench;

/// <summary>
/// The validator's query path as it was before the round work (issue 17 state): MinerQuerier over ValidatorClient over
/// GrpcClient, each step as it was written then (per-miner serialization and body hash, Task.Run per miner, grpc-dotnet's
/// load-balancing transport, header and trailer dictionaries per call, the response serialized again for evidence).
/// Kept only so the bench prints old and new side by side in one run; deleted once the comparison is recorded.
/// </summary>
internal sealed class LegacyQuerier : IDisposable
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(static bytes => bytes, static bytes => bytes);
    private static readonly Method<byte[], byte[]> Forward = new(MethodType.Unary, MinerService.ForwardPath[1..MinerService.ForwardPath.LastIndexOf('/')], MinerService.ForwardPath[(MinerService.ForwardPath.LastIndexOf('/') + 1)..], Bytes, Bytes);
    private readonly SocketsHttpHandler _handler;
    private readonly ConcurrentDictionary<Uri, CallInvoker> _invokers = new();
    private readonly ConcurrentBag<GrpcChannel> _channels = [];
    private readonly RequestSigner _signer;
    private readonly SignerKeyCache _minerKeys = new();
    private readonly ushort _netuid;

    public LegacyQuerier(PrivateKey hotkey, ulong chainId, ushort netuid)
    {
        _netuid = netuid;
        _signer = new RequestSigner(hotkey, new SigningDomain(chainId, netuid));
        _handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(3),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            AutomaticDecompression = DecompressionMethods.None,
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
        };
    }

    public async Task<IReadOnlyList<MinerAnswer>> QueryAsync(IReadOnlyList<MinerTarget> targets, SubnetQuery query, string task, TimeSpan timeout, int maxConcurrency, CancellationToken ct)
    {
        var request = new ForwardRequest { Netuid = _netuid, Task = task, DeadlineMs = (uint)timeout.TotalMilliseconds };
        request.Inputs.AddRange(query.Inputs.Select(TensorMapping.ToWire));
        var results = new (GrpcStatus Status, TimeSpan Latency, ForwardResponse? Response, SignedRequest? Request, Signature? Sig)[targets.Count];
        using var slots = new SemaphoreSlim(Math.Max(1, maxConcurrency));
        var tasks = new Task[targets.Count];
        for (var i = 0; i < targets.Count; i++)
        {
            var index = i;
            tasks[i] = Task.Run(async () =>
            {
                await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                try
                {
                    results[index] = await CallAsync(targets[index], request, timeout, ct).ConfigureAwait(false);
                }
                finally
                {
                    slots.Release();
                }
            }, CancellationToken.None);
        }
        await Task.WhenAll(tasks).ConfigureAwait(false);

        var answers = new MinerAnswer[results.Length];
        for (var i = 0; i < results.Length; i++)
        {
            var r = results[i];
            var hotkey = targets[i].Hotkey.ToLowerHex();
            if (!r.Status.IsOk || r.Response is null)
            {
                answers[i] = new MinerAnswer(targets[i], MinerResponse.Failed(hotkey, r.Status.ToString(), r.Latency), r.Status.Code.ToString(), null);
                continue;
            }
            IReadOnlyList<SubnetTensor>? outputs;
            string? error = null;
            try
            {
                outputs = [.. r.Response.Outputs.Select(TensorMapping.FromWire)];
            }
            catch (MalformedTensorException e)
            {
                outputs = null;
                error = e.Message;
            }
            var body = r.Response.ToByteArray();
            var evidence = r.Request is { } signed && r.Sig is { } sig
                ? new Evidence(DateTimeOffset.UtcNow, targets[i].Uid, hotkey, signed.Caller.ToLowerHex(), signed.Nonce, Convert.ToHexStringLower(signed.Digest), sig.ToHex(), Convert.ToBase64String(body))
                : null;
            var response = outputs is null
                ? MinerResponse.Failed(hotkey, "undecodable outputs: " + error, r.Latency)
                : new MinerResponse(hotkey, outputs, r.Latency) { SignedBytes = body };
            answers[i] = new MinerAnswer(targets[i], response, outputs is null ? "Malformed" : "OK", evidence);
        }
        return answers;
    }

    private async Task<(GrpcStatus, TimeSpan, ForwardResponse?, SignedRequest?, Signature?)> CallAsync(MinerTarget miner, ForwardRequest request, TimeSpan timeout, CancellationToken ct)
    {
        var body = request.ToByteArray();
        var signed = _signer.Sign(miner.Hotkey, MinerService.ForwardPath, body);
        var headers = new List<KeyValuePair<string, string>>(signed.Headers());
        var started = Stopwatch.GetTimestamp();
        AsyncUnaryCall<byte[]>? call = null;
        try
        {
            var metadata = new Metadata { { "user-agent", "grpc-dotnet-intelligence/1" } };
            foreach (var (key, value) in headers)
            {
                if (GrpcMetadata.IsBinaryKey(key))
                {
                    GrpcMetadata.TryDecodeBinary(value, out var bytes);
                    metadata.Add(key, bytes);
                }
                else
                {
                    metadata.Add(key, value);
                }
            }
            call = InvokerFor(miner.Endpoint).AsyncUnaryCall(Forward, null, new Grpc.Core.CallOptions(metadata, DateTime.UtcNow + timeout, ct), body);
            var response = await call.ResponseAsync.ConfigureAwait(false);
            _ = ToDictionary(await call.ResponseHeadersAsync.ConfigureAwait(false));
            var trailers = ToDictionary(call.GetTrailers());
            trailers["grpc-status"] = ((int)call.GetStatus().StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var latency = Stopwatch.GetElapsedTime(started);
            if (!trailers.TryGetValue(SigningHeaders.ResponseSignature, out var raw))
            {
                return (new GrpcStatus(GrpcStatusCode.Unauthenticated, "Miner response is not signed."), latency, null, signed, null);
            }
            var sig = Signature.Parse(raw);
            if (!RequestSigner.VerifyResponse(signed, miner.Hotkey, ResponseBodyHasher.Of(response), sig, _minerKeys))
            {
                return (new GrpcStatus(GrpcStatusCode.Unauthenticated, "Miner response signature does not match."), latency, null, signed, null);
            }
            return (GrpcStatus.Ok, latency, ForwardResponse.Parser.ParseFrom(response), signed, sig);
        }
        catch (RpcException e)
        {
            return (GrpcStatus.FromGrpc(e.Status), Stopwatch.GetElapsedTime(started), null, signed, null);
        }
        finally
        {
            call?.Dispose();
        }
    }

    private CallInvoker InvokerFor(Uri address) =>
        _invokers.GetOrAdd(address, a =>
        {
            var channel = GrpcChannel.ForAddress(a, new GrpcChannelOptions { HttpHandler = _handler, DisposeHttpClient = false, ThrowOperationCanceledOnCancellation = false });
            _channels.Add(channel);
            return channel.CreateCallInvoker();
        });

    private static Dictionary<string, string> ToDictionary(Metadata metadata)
    {
        var d = new Dictionary<string, string>(metadata.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var entry in metadata)
        {
            var value = entry.IsBinary ? GrpcMetadata.EncodeBinary(entry.ValueBytes) : entry.Value;
            d[entry.Key] = d.TryGetValue(entry.Key, out var previous) ? previous + "," + value : value;
        }
        return d;
    }

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }
        _handler.Dispose();
    }
}
