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

    /// <summary>round(2^384 * b2 / n) and round(2^384 * -b1 / n): c1 and c2 below become a multiply and a shift.</summary>
    private static readonly Scalar G1 = Scalar.FromBigInteger(((B2 << 384) + HalfN) / N);
    private static readonly Scalar G2 = Scalar.FromBigInteger(((-B1 << 384) + HalfN) / N);

    private static readonly Scalar MinusB1 = Scalar.FromBigInteger(-B1);
    private static readonly Scalar MinusB2 = Scalar.FromBigInteger(N - B2);
    private static readonly Scalar LambdaScalar = Scalar.FromBigInteger(Lambda);

    /// <summary>
    /// Splits k into (sign, magnitude) halves with k = k1 + k2 lambda (mod n). c1 = round(b2 k / n) and
    /// c2 = round(-b1 k / n) come from 2^384-scaled reciprocals (off by at most one, which only widens the
    /// halves by a few bits); k2 = -(c1 b1 + c2 b2) and k1 = k - k2 lambda are then taken mod n.
    /// </summary>
    public static void Split(in Scalar k, out Scalar k1, out bool k1Negative, out Scalar k2, out bool k2Negative)
    {
        var c1 = MulShift384(k, G1);
        var c2 = MulShift384(k, G2);
        var r2 = Scalar.Add(Scalar.Mul(c1, MinusB1), Scalar.Mul(c2, MinusB2));
        var r1 = Scalar.Add(k, Scalar.Negate(Scalar.Mul(r2, LambdaScalar)));
        k1Negative = r1.IsHigh;
        k2Negative = r2.IsHigh;
        k1 = k1Negative ? Scalar.Negate(r1) : r1;
        k2 = k2Negative ? Scalar.Negate(r2) : r2;
    }

    /// <summary>round(a * b / 2^384) for 256-bit a and b (the result is below 2^128).</summary>
    private static Scalar MulShift384(in Scalar a, in Scalar b)
    {
        ReadOnlySpan<ulong> al = [a.N0, a.N1, a.N2, a.N3];
        ReadOnlySpan<ulong> bl = [b.N0, b.N1, b.N2, b.N3];
        Span<ulong> t = stackalloc ulong[8];
        t.Clear();
        for (var i = 0; i < 4; i++)
        {
            ulong carry = 0;
            for (var j = 0; j < 4; j++)
            {
                t[i + j] = Limb.MulAdd(al[i], bl[j], t[i + j], ref carry);
            }
            t[i + 4] = carry;
        }
        ulong c = 0;
        var lo = Limb.Adc(t[6], t[5] >> 63, ref c);
        return new Scalar(lo, t[7] + c, 0, 0);
    }

    /// <summary>The split computed with BigInteger division (the reference the fast split is tested against).</summary>
    internal static void SplitReference(in Scalar k, out Scalar k1, out bool k1Negative, out Scalar k2, out bool k2Negative)
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
