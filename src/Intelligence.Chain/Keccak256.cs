using Org.BouncyCastle.Crypto.Digests;

namespace Intelligence.Chain;

/// <summary>
/// Keccak-256 as Ethereum uses it (the original Keccak padding, not NIST SHA3-256's), by BouncyCastle's
/// <see cref="KeccakDigest"/>: the implementation under Nethereum.Util's <c>Sha3Keccack</c>, called here through its
/// span overloads with one digest per thread, so hashing allocates nothing (Sha3Keccack takes and returns arrays and
/// measured 2.7x slower on 32 bytes; docs/chain.md).
/// </summary>
public static class Keccak256
{
    /// <summary>Digest length in bytes.</summary>
    public const int HashLength = 32;

    [ThreadStatic] private static KeccakDigest? _digest;

    /// <summary>Hashes <paramref name="data"/> and returns the 32-byte digest.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        var output = new byte[HashLength];
        Hash(data, output);
        return output;
    }

    /// <summary>Hashes <paramref name="data"/> into <paramref name="output"/> (at least 32 bytes) without allocating.</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> output)
    {
        if (output.Length < HashLength)
        {
            throw new ArgumentException("The output buffer must hold 32 bytes.", nameof(output));
        }
        var digest = _digest ??= new KeccakDigest(256);
        digest.BlockUpdate(data);
        digest.DoFinal(output);
    }
}
