using Google.Protobuf;
using Intelligence.Chain;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.Signing;
using Intelligence.Protocol.V1;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Client;

/// <summary>A miner to query: its UID, hotkey (responses must be signed by it) and endpoint.</summary>
/// <param name="Uid">UID on the subnet.</param>
/// <param name="Hotkey">Miner hotkey address.</param>
/// <param name="Address">Base address, for example http://10.0.0.5:8091.</param>
public sealed record MinerEndpoint(int Uid, Address Hotkey, Uri Address);

/// <summary>
/// What one miner answered: status, latency and the response, or the error. When the call was signed, a miner
/// signature that is missing or wrong turns an OK into UNAUTHENTICATED; the verified signature is kept as evidence.
/// </summary>
/// <typeparam name="T">Response message type.</typeparam>
public sealed record MinerResult<T>(MinerEndpoint Miner, GrpcStatus Status, TimeSpan Latency, T? Response, SignedRequest? Request, Signature? ResponseSignature)
    where T : class
{
    /// <summary>The response message as received, the bytes its signature covers (null unless the status is OK).</summary>
    public byte[]? ResponseBytes { get; init; }
}

/// <summary>
/// The validator's side: signed calls to miners over one pooled HTTP/2 client, and concurrent fan-out with a per-call
/// deadline. Never throws for a miner that fails; each gets a <see cref="MinerResult{T}"/>.
/// </summary>
public sealed class ValidatorClient : IDisposable
{
    private readonly GrpcClient _client;
    private readonly bool _ownsClient;
    private readonly RequestSigner? _signer;
    private readonly SignerKeyCache _minerKeys = new();

    /// <summary>Creates a client; with a signer every call is signed and every OK response's signature is checked.</summary>
    public ValidatorClient(RequestSigner? signer, GrpcClient? client = null)
    {
        _signer = signer;
        _ownsClient = client is null;
        _client = client ?? new GrpcClient();
    }

    /// <summary>Calls Forward on one miner.</summary>
    public Task<MinerResult<ForwardResponse>> ForwardAsync(MinerEndpoint miner, ForwardRequest request, TimeSpan timeout, CancellationToken cancellationToken = default) =>
        CallAsync(miner, MinerService.ForwardPath, request, ForwardResponse.Parser, timeout, cancellationToken);

    /// <summary>Calls Health on one miner (unsigned: Health is open).</summary>
    public async Task<MinerResult<HealthResponse>> HealthAsync(MinerEndpoint miner, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var options = new CallOptions { Timeout = timeout, CancellationToken = cancellationToken };
        var (result, response) = await _client.UnaryAsync(miner.Address, MinerService.HealthPath, new HealthRequest(), HealthResponse.Parser, options).ConfigureAwait(false);
        return new MinerResult<HealthResponse>(miner, result.Status, result.Latency, response, null, null);
    }

    /// <summary>
    /// Sends the request built by <paramref name="requestFor"/> to every miner at once,
    /// at most <paramref name="maxConcurrency"/> in flight, each bounded by <paramref name="timeout"/>. Results keep the
    /// miners' order.
    /// </summary>
    public Task<MinerResult<ForwardResponse>[]> ForwardAllAsync(
        IReadOnlyList<MinerEndpoint> miners, Func<MinerEndpoint, ForwardRequest> requestFor, TimeSpan timeout, int maxConcurrency = 256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(miners);
        ArgumentNullException.ThrowIfNull(requestFor);
        return FanOutAsync(miners, maxConcurrency, miner => ForwardAsync(miner, requestFor(miner), timeout, cancellationToken));
    }

    /// <summary>
    /// Sends one request to every miner (a validator round): the body is serialized and hashed once, then signed per
    /// miner; at most <paramref name="maxConcurrency"/> in flight, each bounded by <paramref name="timeout"/>. Results
    /// keep the miners' order.
    /// </summary>
    public Task<MinerResult<ForwardResponse>[]> ForwardAllAsync(
        IReadOnlyList<MinerEndpoint> miners, ForwardRequest request, TimeSpan timeout, int maxConcurrency = 256, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(miners);
        ArgumentNullException.ThrowIfNull(request);
        var body = request.ToByteArray();
        var bodyHash = _signer is null ? null : Keccak256.Hash(body);
        return FanOutAsync(miners, maxConcurrency, miner => SendAsync(miner, MinerService.ForwardPath, body, bodyHash, ForwardResponse.Parser, timeout, cancellationToken));
    }

    /// <summary>Signed (when a signer is set) unary call to one miner.</summary>
    public Task<MinerResult<T>> CallAsync<T>(MinerEndpoint miner, string path, IMessage request, MessageParser<T> parser, TimeSpan timeout, CancellationToken cancellationToken = default)
        where T : class, IMessage<T>
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = request.ToByteArray();
        return SendAsync(miner, path, body, null, parser, timeout, cancellationToken);
    }

    /// <summary>The call itself; <paramref name="bodyHash"/> is keccak256(body) when the caller has it already.</summary>
    private async Task<MinerResult<T>> SendAsync<T>(MinerEndpoint miner, string path, byte[] body, byte[]? bodyHash, MessageParser<T> parser, TimeSpan timeout, CancellationToken cancellationToken)
        where T : class, IMessage<T>
    {
        var options = new CallOptions { Timeout = timeout, CancellationToken = cancellationToken };
        SignedRequest? signed = null;
        if (_signer is not null)
        {
            signed = _signer.SignBodyHash(miner.Hotkey, path, bodyHash ?? Keccak256.Hash(body));
            foreach (var header in signed.Headers())
            {
                options.Headers.Add(header);
            }
        }

        var result = await _client.UnaryAsync(miner.Address, path, body, options).ConfigureAwait(false);
        if (!result.Status.IsOk)
        {
            return new MinerResult<T>(miner, result.Status, result.Latency, null, signed, null);
        }

        Signature? responseSignature = null;
        if (signed is not null)
        {
            var raw = result.GetMetadata(SigningHeaders.ResponseSignature);
            if (raw is null)
            {
                return Fail(result, signed, "Miner response is not signed.");
            }

            if (!Signature.TryParse(raw, out responseSignature))
            {
                return Fail(result, signed, "Miner response signature is malformed.");
            }

            if (!RequestSigner.VerifyResponse(signed, miner.Hotkey, ResponseBodyHasher.Of(result.Messages[0]), responseSignature, _minerKeys))
            {
                return Fail(result, signed, "Miner response signature does not match the miner hotkey, request and body.");
            }
        }

        try
        {
            return new MinerResult<T>(miner, result.Status, result.Latency, parser.ParseFrom(result.Messages[0]), signed, responseSignature) { ResponseBytes = result.Messages[0] };
        }
        catch (InvalidProtocolBufferException e)
        {
            return new MinerResult<T>(miner, new GrpcStatus(GrpcStatusCode.Internal, "Failed to deserialize response message: " + e.Message), result.Latency, null, signed, responseSignature);
        }

        MinerResult<T> Fail(CallResult r, SignedRequest s, string why) =>
            new(miner, new GrpcStatus(GrpcStatusCode.Unauthenticated, why), r.Latency, null, s, null);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsClient)
        {
            _client.Dispose();
        }
    }

    // One task per miner, at most maxConcurrency in flight; a call that throws (a bad request factory or URI) fails
    // alone as INTERNAL instead of sinking the round.
    private static async Task<MinerResult<ForwardResponse>[]> FanOutAsync(IReadOnlyList<MinerEndpoint> miners, int maxConcurrency, Func<MinerEndpoint, Task<MinerResult<ForwardResponse>>> call)
    {
        var results = new MinerResult<ForwardResponse>[miners.Count];
        using var slots = new SemaphoreSlim(Math.Max(1, maxConcurrency));
        var tasks = new Task[miners.Count];
        for (var i = 0; i < miners.Count; i++)
        {
            var index = i;
            tasks[i] = Task.Run(async () =>
            {
                await slots.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                try
                {
                    results[index] = await call(miners[index]).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    results[index] = new MinerResult<ForwardResponse>(miners[index], new GrpcStatus(GrpcStatusCode.Internal, "Call failed locally: " + e.Message), TimeSpan.Zero, null, null, null);
                }
                finally
                {
                    slots.Release();
                }
            }, CancellationToken.None);
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        return results;
    }
}
