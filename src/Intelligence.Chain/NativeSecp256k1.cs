using System.Security.Cryptography;
using Native = Secp256k1Net.Secp256k1;

namespace Intelligence.Chain;

/// <summary>
/// The calls this library makes into libsecp256k1 (bitcoin-core's C library, through Secp256k1.Net). Each thread
/// keeps its own context: the package keeps its shared instance internal, and a context per thread needs no lock.
/// Buffers are the library's opaque 64/65-byte structures, kept on the stack.
/// </summary>
internal static class NativeSecp256k1
{
    [ThreadStatic] private static Native? _context;

    private static Native Context => _context ??= new Native();

    /// <summary>True when <paramref name="secret"/> is a valid key: 32 bytes in [1, n-1].</summary>
    public static bool IsValidSecret(ReadOnlySpan<byte> secret) => secret.Length == 32 && Context.EcSeckeyVerify(secret);

    /// <summary>Writes the 64-byte x || y public key of a valid secret.</summary>
    public static void PublicKey(ReadOnlySpan<byte> secret, Span<byte> xy)
    {
        Span<byte> pub = stackalloc byte[64];
        if (!Context.EcPubkeyCreate(pub, secret))
        {
            throw new ChainFormatException("A private key must be between 1 and n-1 (the secp256k1 group order).");
        }
        Serialise(pub, xy);
    }

    /// <summary>Signs a 32-byte hash (RFC 6979 nonce, low s); writes r || s and returns the recovery id.</summary>
    public static int Sign(ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> secret, Span<byte> rs64)
    {
        Span<byte> sig = stackalloc byte[65];
        try
        {
            if (!Context.EcdsaSignRecoverable(sig, hash32, secret) ||
                !Context.EcdsaRecoverableSignatureSerializeCompact(rs64, out var recoveryId, sig))
            {
                throw new CryptographicException("libsecp256k1 refused to sign (invalid key or nonce failure).");
            }
            return recoveryId;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(sig);
        }
    }

    /// <summary>
    /// Recovers the 64-byte x || y key that made r || s with <paramref name="recoveryId"/> over <paramref name="hash32"/>;
    /// false when r or s is zero or not below n, or r is not the x of a curve point.
    /// </summary>
    public static bool TryRecover(ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> r, ReadOnlySpan<byte> s, int recoveryId, Span<byte> xy)
    {
        Span<byte> rs = stackalloc byte[64];
        r.CopyTo(rs);
        s.CopyTo(rs[32..]);
        Span<byte> sig = stackalloc byte[65];
        Span<byte> pub = stackalloc byte[64];
        if (!Context.EcdsaRecoverableSignatureParseCompact(sig, rs, recoveryId) || !Context.EcdsaRecover(pub, sig, hash32))
        {
            return false;
        }
        Serialise(pub, xy);
        return true;
    }

    private static void Serialise(ReadOnlySpan<byte> pub, Span<byte> xy)
    {
        Span<byte> uncompressed = stackalloc byte[65];
        nuint length = 65;
        Context.EcPubkeySerialize(uncompressed, ref length, pub, Secp256k1Net.Secp256k1EcFlags.Uncompressed);
        uncompressed[1..].CopyTo(xy);
    }
}
