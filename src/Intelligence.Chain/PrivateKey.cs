using System.Security.Cryptography;

namespace Intelligence.Chain;

/// <summary>
/// A secp256k1 private key (a scalar in [1, n-1]) with its address. <see cref="ToString"/> never shows the
/// secret; use <see cref="ExportBytes"/> deliberately. Dispose to wipe the secret from memory.
/// </summary>
public sealed class PrivateKey : IDisposable
{
    private readonly byte[] _secret;
    private readonly byte[] _publicKey = new byte[64];

    private PrivateKey(ReadOnlySpan<byte> secret)
    {
        if (secret.Length != 32)
        {
            throw new ChainFormatException($"A private key is 32 bytes, got {secret.Length}.");
        }
        if (!NativeSecp256k1.IsValidSecret(secret))
        {
            throw new ChainFormatException("A private key must be between 1 and n-1 (the secp256k1 group order).");
        }
        _secret = secret.ToArray();
        NativeSecp256k1.PublicKey(_secret, _publicKey);
        Address = Address.FromPublicKey(_publicKey);
    }

    /// <summary>The account address derived from the public key.</summary>
    public Address Address { get; }

    /// <summary>The 64-byte uncompressed public key x || y (no 0x04 prefix).</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>A fresh key from the operating system's cryptographic random source.</summary>
    public static PrivateKey Generate()
    {
        Span<byte> buffer = stackalloc byte[32];
        try
        {
            while (true)
            {
                RandomNumberGenerator.Fill(buffer);
                if (NativeSecp256k1.IsValidSecret(buffer))
                {
                    return new PrivateKey(buffer);
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
        }
    }

    /// <summary>A key from its 32 big-endian bytes.</summary>
    public static PrivateKey FromBytes(ReadOnlySpan<byte> secret) => new(secret);

    /// <summary>A key from 64 hex digits, with or without 0x.</summary>
    public static PrivateKey FromHex(string hex)
    {
        var bytes = Hex.Decode(hex, 32, "A private key");
        try
        {
            return new PrivateKey(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>A copy of the 32 secret bytes. The caller owns (and should wipe) the copy.</summary>
    public byte[] ExportBytes() => (byte[])_secret.Clone();

    /// <summary>Signs a 32-byte hash with libsecp256k1 (RFC 6979 nonce, low s) and returns the recoverable signature.</summary>
    public Signature SignHash(ReadOnlySpan<byte> hash32)
    {
        if (hash32.Length != 32)
        {
            throw new ArgumentException("Only a 32-byte hash can be signed.", nameof(hash32));
        }
        Span<byte> rs = stackalloc byte[64];
        var recoveryId = NativeSecp256k1.Sign(hash32, _secret, rs);
        return new Signature(rs[..32], rs[32..], recoveryId);
    }

    /// <summary>Wipes the secret.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(_secret);

    /// <summary>Shows the address only.</summary>
    public override string ToString() => $"PrivateKey({Address})";
}
