using System.Globalization;
using Intelligence.Chain;

namespace Intelligence.Protocol.Signing;

/// <summary>What a signed request carries: the nonce, the signature and the digest (kept to check the response).</summary>
/// <param name="Caller">The signing hotkey.</param>
/// <param name="Nonce">The nonce used.</param>
/// <param name="Signature">EIP-191 signature over <paramref name="Digest"/>.</param>
/// <param name="Digest">The request digest.</param>
public sealed record SignedRequest(Address Caller, ulong Nonce, Signature Signature, byte[] Digest)
{
    private readonly string? _callerHex;

    /// <summary>The caller as lower-case 0x hex, as the caller header carries it (a signer passes the one it keeps).</summary>
    public string CallerHex
    {
        get => _callerHex ?? Caller.ToLowerHex();
        internal init => _callerHex = value;
    }

    /// <summary>The three metadata entries to send.</summary>
    public IEnumerable<KeyValuePair<string, string>> Headers()
    {
        yield return new(SigningHeaders.Caller, CallerHex);
        yield return new(SigningHeaders.Nonce, Nonce.ToString(CultureInfo.InvariantCulture));
        yield return new(SigningHeaders.Signature, Signature.ToHex());
    }
}

/// <summary>
/// Issues nonces: the Unix time in nanoseconds, forced strictly increasing within this process. Processes that sign
/// with one hotkey (the workers of one validator) each take a lane: lane <c>i</c> of <c>n</c> issues only nonces
/// congruent to <c>i</c> modulo <c>n</c>, so two workers can never issue the same nonce, whatever their clocks say.
/// </summary>
public sealed class NonceClock
{
    private readonly long _lane;
    private readonly long _lanes;
    private long _last;

    /// <summary>A clock issuing nonces of lane <paramref name="lane"/> of <paramref name="lanes"/> (default: the only lane).</summary>
    public NonceClock(int lane = 0, int lanes = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lanes, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(lane);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(lane, lanes);
        _lane = lane;
        _lanes = lanes;
    }

    /// <summary>Shared process-wide clock (the only lane).</summary>
    public static NonceClock Shared { get; } = new();

    /// <summary>Current Unix time in nanoseconds.</summary>
    public static ulong NowNanoseconds() => (ulong)(DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100UL;

    /// <summary>The next nonce: max(now, last + 1), raised to this clock's lane (by less than the lane count).</summary>
    public ulong Next()
    {
        var now = (long)NowNanoseconds();
        while (true)
        {
            var last = Volatile.Read(ref _last);
            var next = Math.Max(now, last + 1);
            next += (_lane - (next % _lanes) + _lanes) % _lanes;
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return (ulong)next;
            }
        }
    }
}

/// <summary>Signs requests with a hotkey for one chain and subnet (the validator side).</summary>
public sealed class RequestSigner
{
    private readonly PrivateKey _key;
    private readonly NonceClock _clock;
    private readonly string _callerHex;

    /// <summary>Creates a signer; the key stays owned by the caller.</summary>
    public RequestSigner(PrivateKey key, SigningDomain domain, NonceClock? clock = null)
    {
        _key = key;
        Domain = domain;
        _clock = clock ?? NonceClock.Shared;
        _callerHex = key.Address.ToLowerHex();
    }

    /// <summary>The hotkey address requests are signed by.</summary>
    public Address Caller => _key.Address;

    /// <summary>Chain id and netuid the signatures are bound to.</summary>
    public SigningDomain Domain { get; }

    /// <summary>Signs a request body for <paramref name="miner"/> and <paramref name="method"/> with a fresh nonce.</summary>
    public SignedRequest Sign(Address miner, string method, ReadOnlySpan<byte> body) => Sign(miner, method, body, _clock.Next());

    /// <summary>Signs with a given nonce (tests and pre-signed batches).</summary>
    public SignedRequest Sign(Address miner, string method, ReadOnlySpan<byte> body, ulong nonce)
    {
        var digest = SigningDigests.Request(Domain, _key.Address, miner, nonce, method, body);
        return new SignedRequest(_key.Address, nonce, PersonalSign.Sign(_key, digest), digest);
    }

    /// <summary>Signs a request whose body hash (keccak256 of the body) is already known, with a fresh nonce.</summary>
    public SignedRequest SignBodyHash(Address miner, string method, ReadOnlySpan<byte> bodyHash)
    {
        var nonce = _clock.Next();
        var digest = SigningDigests.RequestFromBodyHash(Domain, _key.Address, miner, nonce, method, bodyHash);
        return new SignedRequest(_key.Address, nonce, PersonalSign.Sign(_key, digest), digest) { CallerHex = _callerHex };
    }

    /// <summary>
    /// True when <paramref name="signature"/> is <paramref name="miner"/>'s over the response to <paramref name="request"/>;
    /// with <paramref name="minerKeys"/>, a miner's key recovered once is reused (same answer, faster).
    /// </summary>
    public static bool VerifyResponse(SignedRequest request, Address miner, ReadOnlySpan<byte> bodyHash, Signature signature, SignerKeyCache? minerKeys = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        var digest = SigningDigests.Response(request.Digest, bodyHash);
        return minerKeys?.VerifyPersonal(digest, signature, miner) ?? PersonalSign.Verify(digest, signature, miner);
    }
}
