using System.Collections.Concurrent;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;
using Intelligence.Chain;

namespace Intelligence.Protocol.Signing;

/// <summary>Metadata keys that carry request and response signatures (docs/protocol.md, "Signing").</summary>
public static class SigningHeaders
{
    /// <summary>Caller hotkey address, 0x-prefixed hex (any case).</summary>
    public const string Caller = "intelligence-caller";
    /// <summary>Nonce: decimal unsigned 64-bit, the caller's clock in Unix nanoseconds, unique per caller.</summary>
    public const string Nonce = "intelligence-nonce";
    /// <summary>Caller's 65-byte signature r || s || v (v = 27/28), 0x-prefixed hex.</summary>
    public const string Signature = "intelligence-signature";
    /// <summary>Trailer: the miner's hotkey address, 0x-prefixed hex.</summary>
    public const string Miner = "intelligence-miner";
    /// <summary>Trailer: the miner's 65-byte signature over the response digest, 0x-prefixed hex.</summary>
    public const string ResponseSignature = "intelligence-response-signature";
}

/// <summary>Chain id and subnet a signature is bound to, so it cannot be replayed on another network or subnet.</summary>
/// <param name="ChainId">EIP-155 chain id of the network.</param>
/// <param name="Netuid">Subnet id.</param>
public readonly record struct SigningDomain(ulong ChainId, uint Netuid);

/// <summary>
/// The digests that requests and responses are signed over. Each is keccak256 of 32-byte words, the same bytes as
/// Solidity's abi.encode of the listed fields, so a contract can check the evidence (docs/protocol.md).
/// </summary>
public static class SigningDigests
{
    /// <summary>Words in the request preimage.</summary>
    public const int RequestWords = 8;

    /// <summary>Words in the response preimage.</summary>
    public const int ResponseWords = 3;

    /// <summary>keccak256("intelligence.v1/request"): first word of every request preimage.</summary>
    public static ReadOnlySpan<byte> RequestDomainTag => RequestTag;

    /// <summary>keccak256("intelligence.v1/response"): first word of every response preimage.</summary>
    public static ReadOnlySpan<byte> ResponseDomainTag => ResponseTag;

    private static readonly byte[] RequestTag = Keccak256.Hash("intelligence.v1/request"u8);
    private static readonly byte[] ResponseTag = Keccak256.Hash("intelligence.v1/response"u8);

    /// <summary>
    /// keccak256(abi.encode(REQUEST_TAG, chainId, netuid, caller, miner, nonce, keccak256(method), keccak256(body))).
    /// </summary>
    public static byte[] Request(SigningDomain domain, Address caller, Address miner, ulong nonce, string method, ReadOnlySpan<byte> body)
    {
        Span<byte> bodyHash = stackalloc byte[Keccak256.HashLength];
        Keccak256.Hash(body, bodyHash);
        return RequestFromBodyHash(domain, caller, miner, nonce, method, bodyHash);
    }

    /// <summary>
    /// The same digest from keccak256(body) computed beforehand: a validator sending one body to many miners hashes
    /// it once per round, not once per miner.
    /// </summary>
    public static byte[] RequestFromBodyHash(SigningDomain domain, Address caller, Address miner, ulong nonce, string method, ReadOnlySpan<byte> bodyHash)
    {
        if (bodyHash.Length != Keccak256.HashLength)
        {
            throw new ArgumentException("The body hash is keccak256 of the body: 32 bytes.", nameof(bodyHash));
        }

        Span<byte> preimage = stackalloc byte[RequestWords * 32];
        preimage.Clear();
        RequestTag.CopyTo(preimage);
        BinaryPrimitives.WriteUInt64BigEndian(preimage.Slice((2 * 32) - 8, 8), domain.ChainId);
        BinaryPrimitives.WriteUInt32BigEndian(preimage.Slice((3 * 32) - 4, 4), domain.Netuid);
        caller.WriteTo(preimage.Slice((3 * 32) + 12, Address.Length));
        miner.WriteTo(preimage.Slice((4 * 32) + 12, Address.Length));
        BinaryPrimitives.WriteUInt64BigEndian(preimage.Slice((6 * 32) - 8, 8), nonce);
        MethodHash(method).CopyTo(preimage.Slice(6 * 32, 32));
        bodyHash.CopyTo(preimage.Slice(7 * 32, 32));
        return Keccak256.Hash(preimage);
    }

    /// <summary>keccak256(utf8(method)), cached for the few method paths a process signs or checks.</summary>
    private static ReadOnlySpan<byte> MethodHash(string method)
    {
        if (MethodHashes.TryGetValue(method, out var cached))
        {
            return cached;
        }

        var hash = Keccak256.Hash(Encoding.UTF8.GetBytes(method));
        if (MethodHashes.Count < MaxCachedMethods)
        {
            MethodHashes.TryAdd(method, hash);
        }

        return hash;
    }

    // Bounded: only paths of registered methods reach the miner's check, but the cache must not grow on any input.
    private const int MaxCachedMethods = 64;
    private static readonly ConcurrentDictionary<string, byte[]> MethodHashes = new(StringComparer.Ordinal);

    /// <summary>keccak256(abi.encode(RESPONSE_TAG, requestDigest, bodyHash)).</summary>
    public static byte[] Response(ReadOnlySpan<byte> requestDigest, ReadOnlySpan<byte> bodyHash)
    {
        var digest = new byte[Keccak256.HashLength];
        Response(requestDigest, bodyHash, digest);
        return digest;
    }

    /// <summary>Writes keccak256(abi.encode(RESPONSE_TAG, requestDigest, bodyHash)) to the first 32 bytes of <paramref name="destination"/>.</summary>
    public static void Response(ReadOnlySpan<byte> requestDigest, ReadOnlySpan<byte> bodyHash, Span<byte> destination)
    {
        Span<byte> preimage = stackalloc byte[ResponseWords * 32];
        ResponseTag.CopyTo(preimage);
        requestDigest.CopyTo(preimage.Slice(32, 32));
        bodyHash.CopyTo(preimage.Slice(64, 32));
        Keccak256.Hash(preimage, destination);
    }
}

/// <summary>
/// Hash of a response body: keccak256(keccak256(m1) || ... || keccak256(mn)) over the serialized response messages,
/// so unary (n = 1) and server-streaming calls are signed the same way.
/// </summary>
public sealed class ResponseBodyHasher
{
    // The first message's hash is kept inline: a unary response (the common case) allocates nothing more.
    private Word _first;
    private int _count;
    private List<byte[]>? _more;

    /// <summary>Adds one serialized message.</summary>
    public void Add(ReadOnlySpan<byte> message)
    {
        if (_count == 0)
        {
            Keccak256.Hash(message, _first);
        }
        else
        {
            (_more ??= []).Add(Keccak256.Hash(message));
        }

        _count++;
    }

    /// <summary>Number of messages added.</summary>
    public int Count => _count;

    /// <summary>The body hash over the messages added so far.</summary>
    public byte[] Finish()
    {
        var hash = new byte[Keccak256.HashLength];
        Finish(hash);
        return hash;
    }

    /// <summary>Writes the body hash over the messages added so far to the first 32 bytes of <paramref name="destination"/>.</summary>
    public void Finish(Span<byte> destination)
    {
        if (_more is null)
        {
            // n = 0 hashes the empty string, n = 1 the single 32-byte word.
            Keccak256.Hash(_count == 0 ? [] : (ReadOnlySpan<byte>)_first, destination);
            return;
        }

        var all = new byte[_count * 32];
        ((ReadOnlySpan<byte>)_first).CopyTo(all);
        for (var i = 0; i < _more.Count; i++)
        {
            _more[i].CopyTo(all, (i + 1) * 32);
        }

        Keccak256.Hash(all, destination);
    }

    /// <summary>The body hash of a single-message (unary) response.</summary>
    public static byte[] Of(ReadOnlySpan<byte> message)
    {
        Span<byte> inner = stackalloc byte[Keccak256.HashLength];
        Keccak256.Hash(message, inner);
        return Keccak256.Hash(inner);
    }

    [InlineArray(32)]
    private struct Word
    {
        private byte _element;
    }
}
