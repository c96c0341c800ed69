using System.Collections.Concurrent;
using Intelligence.Chain.Crypto;

namespace Intelligence.Chain;

/// <summary>
/// Checks signatures from signers that sign again and again (the validators calling a miner, the miners answering a
/// validator) faster than recovering the key each time. The first good signature from an address is checked by
/// recovery, as <see cref="Ecdsa.TryRecover"/> does; its public key is then kept with a comb table (about 1 ms to
/// build), and later signatures are verified against it with additions only: no doublings, no square root and no
/// per-call table, about half the work of a recovery.
/// <para>
/// The answer is always the same as <c>Ecdsa.TryRecover(hash, signature, out var a) &amp;&amp; a == signer</c>: the same
/// low-s rule (EIP-2), the same range checks, and the recovery id must name the nonce point's y parity. Only
/// addresses that signed correctly are kept, at most <c>capacity</c> of them (86 KiB each); past that, new signers are
/// checked by recovery. The default, 256, covers a subnet's validators (for a miner) or its miners (for a
/// validator) in about 22 MiB. Thread-safe.
/// </para>
/// </summary>
public sealed class SignerKeyCache
{
    private readonly ConcurrentDictionary<Address, KeyComb> _keys = new();
    private readonly int _capacity;

    /// <summary>Creates a cache that keeps the keys of up to <paramref name="capacity"/> signers (default 256).</summary>
    public SignerKeyCache(int capacity = 256)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _capacity = capacity;
    }

    /// <summary>Signers whose keys are kept.</summary>
    public int Count => _keys.Count;

    /// <summary>True when <paramref name="signature"/> over the 32-byte <paramref name="hash32"/> was made by <paramref name="signer"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> hash32, Signature signature, Address signer)
    {
        ArgumentNullException.ThrowIfNull(signature);
        if (hash32.Length != 32)
        {
            throw new ArgumentException("Verification needs the 32-byte hash that was signed.", nameof(hash32));
        }

        if (!signature.IsLowS)
        {
            return false;
        }

        if (_keys.TryGetValue(signer, out var key))
        {
            return Secp256k1.VerifyPrepared(hash32, signature.R, signature.S, signature.RecoveryId, key);
        }

        Span<byte> pub = stackalloc byte[64];
        if (!Secp256k1.TryRecover(hash32, signature.R, signature.S, signature.RecoveryId, pub) || Address.FromPublicKey(pub) != signer)
        {
            return false;
        }

        if (_keys.Count < _capacity)
        {
            var q = new AffinePoint(FieldElement.FromBytes(pub[..32], out _), FieldElement.FromBytes(pub[32..], out _));
            _keys.TryAdd(signer, new KeyComb(q));
        }

        return true;
    }

    /// <summary>
    /// True when <paramref name="signature"/> is <paramref name="signer"/>'s EIP-191 signature over
    /// <paramref name="message"/> (the same answer as <see cref="PersonalSign.Verify"/>).
    /// </summary>
    public bool VerifyPersonal(ReadOnlySpan<byte> message, Signature signature, Address signer) =>
        Verify(PersonalSign.Hash(message), signature, signer);
}
