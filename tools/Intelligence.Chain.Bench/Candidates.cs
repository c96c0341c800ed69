using System.Numerics;
using Nethereum.Model;
using Nethereum.Signer;
using Org.BouncyCastle.Crypto.Digests;
using Native = Secp256k1Net.Secp256k1;

namespace Intelligence.Chain.Bench;

/// <summary>
/// The package calls the chain client is built on, called directly (no adapter), so the bench can set them beside
/// the hand-written code they replace and beside their peers in one run.
/// </summary>
internal static class Candidates
{
    [ThreadStatic] private static KeccakDigest? _keccak;
    [ThreadStatic] private static Native? _native;

    // One libsecp256k1 context per thread (the package keeps its own shared instance internal).
    private static Native Context => _native ??= new Native();

    /// <summary>libsecp256k1 recovery: parse the compact recoverable signature, recover, serialise, hash to an address.</summary>
    public static bool NativeRecover(ReadOnlySpan<byte> hash, ReadOnlySpan<byte> rs, int recoveryId, Span<byte> address20)
    {
        var native = Context;
        Span<byte> sig = stackalloc byte[65];
        Span<byte> pub = stackalloc byte[64];
        if (!native.EcdsaRecoverableSignatureParseCompact(sig, rs, recoveryId) || !native.EcdsaRecover(pub, sig, hash))
        {
            return false;
        }
        Span<byte> serialised = stackalloc byte[65];
        nuint length = 65;
        native.EcPubkeySerialize(serialised, ref length, pub, Secp256k1Net.Secp256k1EcFlags.Uncompressed);
        Span<byte> digest = stackalloc byte[32];
        BcKeccak(serialised[1..], digest);
        digest[12..].CopyTo(address20);
        return true;
    }

    /// <summary>libsecp256k1 verify against an already parsed public key (64-byte internal form).</summary>
    public static bool NativeVerify(ReadOnlySpan<byte> hash, ReadOnlySpan<byte> rs, ReadOnlySpan<byte> parsedKey)
    {
        var native = Context;
        Span<byte> sig = stackalloc byte[64];
        return native.EcdsaSignatureParseCompact(sig, rs) && native.EcdsaVerify(sig, hash, parsedKey);
    }

    /// <summary>Parses a 64-byte x || y key into libsecp256k1's internal form.</summary>
    public static byte[] NativeParseKey(ReadOnlySpan<byte> xy)
    {
        var parsed = new byte[64];
        Context.EcPubkeyParse(parsed, [0x04, .. xy]);
        return parsed;
    }

    /// <summary>libsecp256k1 recoverable signing (RFC 6979 nonce, low s).</summary>
    public static int NativeSign(ReadOnlySpan<byte> hash, ReadOnlySpan<byte> secret, Span<byte> rs64)
    {
        var native = Context;
        Span<byte> sig = stackalloc byte[65];
        native.EcdsaSignRecoverable(sig, hash, secret);
        native.EcdsaRecoverableSignatureSerializeCompact(rs64, out var recoveryId, sig);
        return recoveryId;
    }

    /// <summary>BouncyCastle 2.x Keccak-256 (the implementation Nethereum brings), one digest object per thread.</summary>
    public static void BcKeccak(ReadOnlySpan<byte> data, Span<byte> output)
    {
        var digest = _keccak ??= new KeccakDigest(256);
        digest.BlockUpdate(data);
        digest.DoFinal(output);
    }

    /// <summary>Nethereum.Util's Keccak (byte[] in, byte[] out).</summary>
    public static byte[] NethereumKeccak(byte[] data) => Nethereum.Util.Sha3Keccack.Current.CalculateHash(data);

    /// <summary>An EIP-1559 transaction through Nethereum.Model's encoder, signed by libsecp256k1.</summary>
    public static byte[] NethereumTxNativeSign(BigInteger chainId, BigInteger nonce, string to, byte[] data, byte[] secret)
    {
        var tx = new Transaction1559(chainId, nonce, 1_000_000, 2_000_000_000, 300_000, to, 0, Convert.ToHexStringLower(data), []);
        Span<byte> hash = stackalloc byte[32];
        BcKeccak(tx.GetRLPEncodedRaw(), hash);
        var rs = new byte[64];
        var recoveryId = NativeSign(hash, secret, rs);
        tx.SetSignature(new Nethereum.Model.Signature(rs[..32], rs[32..], recoveryId == 0 ? [] : [1]));
        return tx.GetRLPEncoded();
    }

    /// <summary>The same transaction signed by Nethereum's own signer (its managed curve code).</summary>
    public static string NethereumTxOwnSign(BigInteger chainId, BigInteger nonce, string to, byte[] data, EthECKey key)
    {
        var tx = new Transaction1559(chainId, nonce, 1_000_000, 2_000_000_000, 300_000, to, 0, Convert.ToHexStringLower(data), []);
        return new Transaction1559Signer().SignTransaction(key, tx);
    }
}
