using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;

namespace Intelligence.Chain.Tests;

/// <summary>Independent secp256k1 operations through BouncyCastle, the oracle for the hand-written arithmetic.</summary>
internal static class BouncyReference
{
    public static readonly X9ECParameters Curve = CustomNamedCurves.GetByName("secp256k1");
    public static readonly ECDomainParameters Domain = new(Curve.Curve, Curve.G, Curve.N, Curve.H);

    public static byte[] PublicKey(byte[] secret)
    {
        var q = Curve.G.Multiply(new BigInteger(1, secret)).Normalize();
        return q.GetEncoded(false)[1..];
    }

    /// <summary>Plain (possibly high-s) RFC 6979 signature.</summary>
    public static (byte[] R, byte[] S) Sign(byte[] secret, byte[] hash)
    {
        var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
        signer.Init(true, new ECPrivateKeyParameters(new BigInteger(1, secret), Domain));
        var rs = signer.GenerateSignature(hash);
        return (rs[0].ToByteArrayUnsigned().PadLeft32(), rs[1].ToByteArrayUnsigned().PadLeft32());
    }

    public static bool Verify(byte[] publicKey64, byte[] hash, byte[] r, byte[] s)
    {
        var point = Curve.Curve.DecodePoint([0x04, .. publicKey64]);
        var signer = new ECDsaSigner();
        signer.Init(false, new ECPublicKeyParameters(point, Domain));
        return signer.VerifySignature(hash, new BigInteger(1, r), new BigInteger(1, s));
    }

    /// <summary>Recovery with BouncyCastle's generic code: Q = r^-1 (sR - eG).</summary>
    public static byte[]? Recover(byte[] hash, byte[] r, byte[] s, int recoveryId)
    {
        var n = Curve.N;
        var rb = new BigInteger(1, r);
        var sb = new BigInteger(1, s);
        byte[] compressed = [(byte)(recoveryId == 0 ? 0x02 : 0x03), .. r];
        ECPoint bigR;
        try
        {
            bigR = Curve.Curve.DecodePoint(compressed);
        }
        catch (ArgumentException)
        {
            return null;
        }
        var e = new BigInteger(1, hash);
        var rInv = rb.ModInverse(n);
        var u1 = e.Negate().Mod(n).Multiply(rInv).Mod(n);
        var u2 = sb.Multiply(rInv).Mod(n);
        var q = ECAlgorithms.SumOfTwoMultiplies(Curve.G, u1, bigR, u2).Normalize();
        return q.IsInfinity ? null : q.GetEncoded(false)[1..];
    }

    public static byte[] PadLeft32(this byte[] b)
    {
        if (b.Length == 32)
        {
            return b;
        }
        var r = new byte[32];
        b.CopyTo(r, 32 - b.Length);
        return r;
    }
}
