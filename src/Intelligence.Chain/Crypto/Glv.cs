using System.Globalization;
using System.Numerics;

namespace Intelligence.Chain.Crypto;

/// <summary>
/// The secp256k1 endomorphism (x, y) -> (beta x, y) = lambda (x, y), and the GLV split of a scalar k into
/// k1 + k2 lambda (mod n) with |k1|, |k2| about 128 bits. Constants are the published curve facts
/// (Gallant-Lambert-Vanstone; the lattice basis a1, b1, a2, b2 as in SEC/libsecp256k1 documentation).
/// </summary>
internal static class Glv
{
    public static readonly FieldElement Beta = FieldElement.FromBytes(
        Convert.FromHexString("7ae96a2b657c07106e64479eac3434e99cf0497512f58995c1396c28719501ee"), out _);

    public static readonly BigInteger Lambda = Parse("5363ad4cc05c30e0a5261c028812645a122e22ea20816678df02967c1b23bd72");

    private static readonly BigInteger N = Parse("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
    private static readonly BigInteger HalfN = N >> 1;
    private static readonly BigInteger A1 = Parse("3086d221a7d46bcde86c90e49284eb15");
    private static readonly BigInteger B1 = -Parse("e4437ed6010e88286f547fa90abfe4c3");
    private static readonly BigInteger A2 = Parse("114ca50f7a8e2f3f657c1108d9d44cfd8");
    private static readonly BigInteger B2 = A1;

    private static BigInteger Parse(string hex) => BigInteger.Parse("0" + hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>Splits k into (sign, magnitude) halves with k = k1 + k2 lambda (mod n).</summary>
    public static void Split(in Scalar k, out Scalar k1, out bool k1Negative, out Scalar k2, out bool k2Negative)
    {
        var kb = Scalar.ToBigInteger(k);
        var c1 = (B2 * kb + HalfN) / N;
        var c2 = (-B1 * kb + HalfN) / N;
        var r1 = kb - (c1 * A1) - (c2 * A2);
        var r2 = -(c1 * B1) - (c2 * B2);
        k1Negative = r1.Sign < 0;
        k2Negative = r2.Sign < 0;
        k1 = Scalar.FromBigInteger(BigInteger.Abs(r1));
        k2 = Scalar.FromBigInteger(BigInteger.Abs(r2));
    }
}
