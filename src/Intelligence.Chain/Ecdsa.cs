namespace Intelligence.Chain;

/// <summary>Public-key recovery from a hash and a recoverable signature (what ecrecover does), by libsecp256k1.</summary>
public static class Ecdsa
{
    /// <summary>
    /// Recovers the signer's 64-byte public key. High-s signatures are rejected (EIP-2) unless
    /// <paramref name="allowHighS"/> is set; a signature that recovers nothing is an <see cref="InvalidSignatureException"/>.
    /// </summary>
    public static byte[] RecoverPublicKey(ReadOnlySpan<byte> hash32, Signature signature, bool allowHighS = false)
    {
        var result = new byte[64];
        if (!TryRecoverPublicKey(hash32, signature, result, allowHighS, out var error))
        {
            throw new InvalidSignatureException(error);
        }
        return result;
    }

    /// <summary>Recovers the signer's address; see <see cref="RecoverPublicKey"/>.</summary>
    public static Address Recover(ReadOnlySpan<byte> hash32, Signature signature, bool allowHighS = false)
    {
        Span<byte> pub = stackalloc byte[64];
        if (!TryRecoverPublicKey(hash32, signature, pub, allowHighS, out var error))
        {
            throw new InvalidSignatureException(error);
        }
        return Address.FromPublicKey(pub);
    }

    /// <summary>Recovers the signer's address, or returns false for an invalid signature.</summary>
    public static bool TryRecover(ReadOnlySpan<byte> hash32, Signature signature, out Address signer)
    {
        Span<byte> pub = stackalloc byte[64];
        if (!TryRecoverPublicKey(hash32, signature, pub, false, out _))
        {
            signer = default;
            return false;
        }
        signer = Address.FromPublicKey(pub);
        return true;
    }

    private static bool TryRecoverPublicKey(ReadOnlySpan<byte> hash32, Signature signature, Span<byte> pub, bool allowHighS, out string error)
    {
        ArgumentNullException.ThrowIfNull(signature);
        if (hash32.Length != 32)
        {
            throw new ArgumentException("Recovery needs the 32-byte hash that was signed.", nameof(hash32));
        }
        if (!allowHighS && !signature.IsLowS)
        {
            error = "Signature s is in the upper half of the group order (non-canonical, EIP-2).";
            return false;
        }
        if (!NativeSecp256k1.TryRecover(hash32, signature.R, signature.S, signature.RecoveryId, pub))
        {
            error = "Signature does not recover a public key (r or s out of range, or r is not on the curve).";
            return false;
        }
        error = "";
        return true;
    }
}
