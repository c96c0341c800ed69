using System.Text;

namespace Intelligence.Chain;

/// <summary>
/// EIP-191 version 0x45 ("personal_sign"): the signed hash is
/// keccak256("\x19Ethereum Signed Message:\n" + decimal length + message).
/// </summary>
public static class PersonalSign
{
    private static ReadOnlySpan<byte> Prefix => "\u0019Ethereum Signed Message:\n"u8;
    private static ReadOnlySpan<byte> Prefix32 => "\u0019Ethereum Signed Message:\n32"u8;

    /// <summary>The EIP-191 hash of a message.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> message)
    {
        if (message.Length == 32)
        {
            // A 32-byte digest (the common case): the prefix ends in "32"; no length string, no heap buffer.
            Span<byte> preimage = stackalloc byte[Prefix32.Length + 32];
            Prefix32.CopyTo(preimage);
            message.CopyTo(preimage[Prefix32.Length..]);
            return Keccak256.Hash(preimage);
        }

        var length = Encoding.ASCII.GetBytes(message.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var buffer = new byte[Prefix.Length + length.Length + message.Length];
        Prefix.CopyTo(buffer);
        length.CopyTo(buffer, Prefix.Length);
        message.CopyTo(buffer.AsSpan(Prefix.Length + length.Length));
        return Keccak256.Hash(buffer);
    }

    /// <summary>Signs a message's EIP-191 hash.</summary>
    public static Signature Sign(PrivateKey key, ReadOnlySpan<byte> message)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.SignHash(Hash(message));
    }

    /// <summary>Signs a UTF-8 text message's EIP-191 hash.</summary>
    public static Signature Sign(PrivateKey key, string message) => Sign(key, Encoding.UTF8.GetBytes(message));

    /// <summary>The address that signed <paramref name="message"/>; an invalid signature is an <see cref="InvalidSignatureException"/>.</summary>
    public static Address Recover(ReadOnlySpan<byte> message, Signature signature) => Ecdsa.Recover(Hash(message), signature);

    /// <summary>The address that signed the UTF-8 text <paramref name="message"/>.</summary>
    public static Address Recover(string message, Signature signature) => Recover(Encoding.UTF8.GetBytes(message), signature);

    /// <summary>True when <paramref name="signature"/> over <paramref name="message"/> was made by <paramref name="signer"/>.</summary>
    public static bool Verify(ReadOnlySpan<byte> message, Signature signature, Address signer) =>
        Ecdsa.TryRecover(Hash(message), signature, out var recovered) && recovered == signer;
}
