using System.Diagnostics;
using Google.Protobuf;
using Intelligence.Chain;
using Intelligence.Node;
using Intelligence.Protocol.Client;
using Intelligence.Protocol.Signing;
using Intelligence.Protocol.V1;
using Intelligence.Subnets;

namespace Intelligence.Validator;

/// <summary>A miner to query: UID, hotkey and endpoint from the metagraph.</summary>
public sealed record MinerTarget(int Uid, Address Hotkey, Uri Endpoint);

/// <summary>What one miner answered, decoded for the scorer, with its signed evidence when the call succeeded.</summary>
public sealed record MinerAnswer(MinerTarget Miner, MinerResponse Response, string Status, Evidence? Evidence);

/// <summary>
/// Sends one query to many miners at once, signed with the validator's hotkey, each bounded by the deadline, and
/// checks every answer's signature against the miner's hotkey (the protocol client does). The only file of the
/// validator that uses the protocol library's client side.
/// </summary>
public sealed class MinerQuerier : IDisposable
{
    private readonly ValidatorClient _client;
    private readonly ushort _netuid;

    /// <summary>Creates the querier for a subnet; the hotkey stays owned by the caller; nonces come from <paramref name="nonces"/> (default: the process clock).</summary>
    public MinerQuerier(PrivateKey hotkey, ulong chainId, ushort netuid, NonceClock? nonces = null)
    {
        _netuid = netuid;
        _client = new ValidatorClient(new RequestSigner(hotkey, new SigningDomain(chainId, netuid), nonces));
    }

    /// <summary>Queries every target with the same inputs; never throws for a miner that fails.</summary>
    public async Task<IReadOnlyList<MinerAnswer>> QueryAsync(IReadOnlyList<MinerTarget> targets, SubnetQuery query, string task, TimeSpan timeout, int maxConcurrency, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(query);
        var request = new ForwardRequest { Netuid = _netuid, Task = task, DeadlineMs = (uint)timeout.TotalMilliseconds };
        request.Inputs.AddRange(query.Inputs.Select(TensorMapping.ToWire));
        var endpoints = targets.Select(t => new MinerEndpoint(t.Uid, t.Hotkey, t.Endpoint)).ToArray();
        var results = await _client.ForwardAllAsync(endpoints, request, timeout, maxConcurrency, ct).ConfigureAwait(false);
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
            // The bytes as the miner sent them (what its signature covers), not a re-serialization.
            var body = r.ResponseBytes ?? r.Response.ToByteArray();
            var evidence = r.Request is { } signed && r.ResponseSignature is { } sig
                ? new Evidence(DateTimeOffset.UtcNow, targets[i].Uid, hotkey, signed.CallerHex, signed.Nonce, Convert.ToHexStringLower(signed.Digest), sig.ToHex(), Convert.ToBase64String(body))
                : null;
            var response = outputs is null
                ? MinerResponse.Failed(hotkey, "undecodable outputs: " + error, r.Latency)
                : new MinerResponse(hotkey, outputs, r.Latency) { SignedBytes = body };
            answers[i] = new MinerAnswer(targets[i], response, outputs is null ? "Malformed" : "OK", evidence);
        }
        return answers;
    }

    /// <summary>True when <paramref name="evidence"/>'s signature is the miner's over its request digest and body.</summary>
    public static bool Verify(Evidence evidence)
    {
        ArgumentNullException.ThrowIfNull(evidence);
        var body = Convert.FromBase64String(evidence.ResponseBody);
        var digest = SigningDigests.Response(Convert.FromHexString(evidence.RequestDigest), ResponseBodyHasher.Of(body));
        try
        {
            return Signature.TryParse(evidence.ResponseSignature, out var signature)
                && PersonalSign.Recover(digest, signature) == Address.Parse(evidence.Miner);
        }
        catch (ChainException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _client.Dispose();
}

/// <summary>
/// A scored miner response kept to settle disputes: the request digest the validator signed (caller, nonce) and the
/// miner's signature over (digest, keccak(body)), with the body itself.
/// </summary>
public sealed record Evidence(DateTimeOffset At, int Uid, string Miner, string Caller, ulong Nonce, string RequestDigest, string ResponseSignature, string ResponseBody)
{
    /// <summary>The score given for it (set after scoring).</summary>
    public double Score { get; init; }

    /// <summary>Why the score.</summary>
    public string Reason { get; init; } = "";
}

/// <summary>Timing helper so callers need not know Stopwatch details.</summary>
internal static class Clock
{
    public static long Now() => Stopwatch.GetTimestamp();

    public static TimeSpan Since(long start) => Stopwatch.GetElapsedTime(start);
}
