namespace Intelligence.Chain;

/// <summary>
/// Checks signatures from signers that sign again and again (the validators calling a miner, the miners answering a
/// validator). The answer is always <c>Ecdsa.TryRecover(hash, signature, out var a) &amp;&amp; a == signer</c>: the same
/// low-s rule (EIP-2), the same range checks, and the recovery id must name the nonce point's y parity.
/// <para>
/// It no longer keeps keys. With libsecp256k1 a recovery (~25k per CPU-second here) is within about 20% of a plain
/// verify against a known key (~31k), and a plain verify cannot check v, which this type must reject when flipped;
/// the measured comparison is in docs/chain.md. The type stays so callers keep one verifier per peer set and can
/// gain a cache again without changing. Thread-safe.
/// </para>
/// </summary>
public sealed class SignerKeyCache
{
    /// <summary>Creates the verifier; <paramref name="capacity"/> is accepted for compatibility and must not be negative.</summary>
    public SignerKeyCache(int capacity = 256) => ArgumentOutOfRangeException.ThrowIfNegative(capacity);

    /// <summary>Signers whose keys are kept: always 0 (see the type's remarks).</summary>
    public int Count => 0;

    /// <summary>True when <paramref name="signature"/> over the 32-byte <paramref name="hash32"/> was made by <paramref name="signer"/>.</summary>
    public bool Verify(ReadOnlySpan<byte> hash32, Signature signature, Address signer)
    {
        ArgumentNullException.ThrowIfNull(signature);
        if (hash32.Length != 32)
        {
            throw new ArgumentException("Verification needs the 32-byte hash that was signed.", nameof(hash32));
        }
        return Ecdsa.TryRecover(hash32, signature, out var recovered) && recovered == signer;
    }

    /// <summary>
    /// True when <paramref name="signature"/> is <paramref name="signer"/>'s EIP-191 signature over
    /// <paramref name="message"/> (the same answer as <see cref="PersonalSign.Verify"/>).
    /// </summary>
    public bool VerifyPersonal(ReadOnlySpan<byte> message, Signature signature, Address signer) =>
        Verify(PersonalSign.Hash(message), signature, signer);
}
