using System.Numerics;
using Intelligence.Chain.Crypto;

namespace Intelligence.Chain.Tests;

/// <summary>The hand-written field and scalar arithmetic against System.Numerics.BigInteger.</summary>
public class ArithmeticTests
{
    private static readonly BigInteger P = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F", System.Globalization.NumberStyles.HexNumber);
    private static readonly BigInteger N = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);

    private static IEnumerable<byte[]> Samples(int seed, int count)
    {
        var rng = new Random(seed);
        // Edge values first: 0, 1, p-1, p, 2^256-1, values near n.
        yield return new byte[32];
        yield return ToBytes(BigInteger.One);
        yield return ToBytes(P - 1);
        yield return ToBytes(P);
        yield return ToBytes(P + 5);
        yield return ToBytes((BigInteger.One << 256) - 1);
        yield return ToBytes(N - 1);
        for (var i = 0; i < count; i++)
        {
            var b = new byte[32];
            rng.NextBytes(b);
            if (i % 7 == 0)
            {
                b.AsSpan(0, 20).Fill(0xFF);
            }
            yield return b;
        }
    }

    private static byte[] ToBytes(BigInteger v)
    {
        var raw = v.ToByteArray(isUnsigned: true, isBigEndian: true);
        var b = new byte[32];
        raw.CopyTo(b, 32 - raw.Length);
        return b;
    }

    private static BigInteger ToBig(ReadOnlySpan<byte> b) => new(b, isUnsigned: true, isBigEndian: true);

    private static BigInteger Fe(in FieldElement f)
    {
        var b = new byte[32];
        f.WriteBytes(b);
        return ToBig(b);
    }

    [Fact]
    public void FieldOperations_MatchBigInteger()
    {
        var list = Samples(7, 300).ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var ab = list[i];
            var bb = list[(i * 31 + 3) % list.Count];
            var a = FieldElement.FromBytes(ab, out _);
            var b = FieldElement.FromBytes(bb, out _);
            var x = ToBig(ab) % P;
            var y = ToBig(bb) % P;
            Assert.Equal((x + y) % P, Fe(FieldElement.Add(a, b)));
            Assert.Equal(((x - y) % P + P) % P, Fe(FieldElement.Sub(a, b)));
            Assert.Equal(x * y % P, Fe(FieldElement.Mul(a, b)));
            Assert.Equal(x * x % P, Fe(FieldElement.Square(a)));
            Assert.Equal(x * BigInteger.ModPow(2, P - 2, P) % P, Fe(FieldElement.Half(a)));
            Assert.Equal(x.IsZero ? 0 : BigInteger.ModPow(x, P - 2, P), Fe(FieldElement.InvertVartime(a)));
            var isSquare = x.IsZero || BigInteger.ModPow(x, (P - 1) / 2, P).IsOne;
            Assert.Equal(isSquare, FieldElement.TrySqrt(a, out var root));
            if (isSquare)
            {
                Assert.Equal(x, BigInteger.ModPow(Fe(root), 2, P));
            }
        }
    }

    [Fact]
    public void InvertVartime_PowersOfTwoAndRandomValues_MatchFermat()
    {
        // Long runs of zero bits exercise the multi-bit halving steps (k up to 63, repeated).
        var values = new List<BigInteger>();
        for (var k = 0; k < 256; k++)
        {
            var t = BigInteger.One << k;
            values.AddRange([t, t + 1, t - 1, P - t, N - t, (t << 1) - 1]);
        }
        var rng = new Random(11);
        for (var i = 0; i < 2000; i++)
        {
            var b = new byte[32];
            rng.NextBytes(b);
            values.Add(ToBig(b));
        }
        foreach (var v in values)
        {
            var fx = ((v % P) + P) % P;
            var fe = FieldElement.FromBytes(ToBytes(fx), out _);
            Assert.Equal(fx.IsZero ? 0 : BigInteger.ModPow(fx, P - 2, P), Fe(FieldElement.InvertVartime(fe)));
            var sx = ((v % N) + N) % N;
            var sc = Scalar.FromBigInteger(sx);
            Assert.Equal(sx.IsZero ? 0 : BigInteger.ModPow(sx, N - 2, N), Scalar.ToBigInteger(Scalar.InvertVartime(sc)));
        }
    }

    [Fact]
    public void PointAddition_JacobianAndMixed_Agree()
    {
        var g = JacobianPoint.FromAffine(Secp256k1.G);
        var twoG = Secp256k1.Double(g);
        Secp256k1.TryToAffine(twoG, out var twoGAffine);
        var viaJacobian = Secp256k1.Add(twoG, Secp256k1.Add(g, twoG));
        var viaMixed = Secp256k1.AddMixed(Secp256k1.AddMixed(twoG, Secp256k1.G), twoGAffine);
        Secp256k1.TryToAffine(viaJacobian, out var a);
        Secp256k1.TryToAffine(viaMixed, out var b);
        Secp256k1.TryToAffine(Secp256k1.MulG(new Scalar(5, 0, 0, 0)), out var c);
        Assert.True(a.X.EqualsValue(c.X) && a.Y.EqualsValue(c.Y));
        Assert.True(b.X.EqualsValue(c.X) && b.Y.EqualsValue(c.Y));
        Assert.True(Secp256k1.Add(g, new JacobianPoint(Secp256k1.G.X, FieldElement.Negate(Secp256k1.G.Y), FieldElement.One, false)).Infinity);
        Secp256k1.TryToAffine(Secp256k1.Add(g, g), out var d);
        Assert.True(d.X.EqualsValue(twoGAffine.X));
    }

    [Fact]
    public void GeneratorComb_MatchesBouncyCastle_IncludingZeroAndFullBytes()
    {
        var rng = new Random(21);
        var scalars = new List<BigInteger> { 1, 2, 255, 256, 257, BigInteger.One << 248, (BigInteger.One << 255) + 1, N - 1, N - 256, N - 2 };
        for (var i = 0; i < 64; i++)
        {
            var b = new byte[32];
            rng.NextBytes(b);
            // Whole rows at 0x00 and 0xFF: the first and last column of the table.
            b.AsSpan(rng.Next(25), rng.Next(1, 8)).Fill((byte)(i % 2 == 0 ? 0x00 : 0xFF));
            scalars.Add(new BigInteger(b, isUnsigned: true, isBigEndian: true) % (N - 1) + 1);
        }

        foreach (var k in scalars)
        {
            var bytes = ToBytes(k);
            Assert.True(Secp256k1.TryToAffine(Secp256k1.MulG(Scalar.FromBytesRaw(bytes)), out var q), k.ToString());
            var ours = new byte[64];
            q.X.WriteBytes(ours.AsSpan(0, 32));
            q.Y.WriteBytes(ours.AsSpan(32));
            Assert.Equal(BouncyReference.PublicKey(bytes), ours);
        }
    }

    [Fact]
    public void KeyComb_MatchesTheGeneratorComb_OnCarryChainsAndRandomScalars()
    {
        var rng = new Random(33);
        var q = new BigInteger(Keccak256.Hash("key comb"u8), isUnsigned: true, isBigEndian: true) % N;
        Assert.True(Secp256k1.TryToAffine(Secp256k1.MulG(Scalar.FromBytesRaw(ToBytes(q))), out var qPoint));
        var comb = new KeyComb(qPoint);
        // Digits at the +-32 boundary, runs that carry through every row, the top row, and n - 1.
        var scalars = new List<BigInteger> { 0, 1, 31, 32, 33, 63, 64, 65, (BigInteger.One << 252) - 1, BigInteger.One << 252, (BigInteger.One << 255) + 33, N - 1, N - 32, N - 33 };
        scalars.Add(Enumerable.Range(0, 42).Aggregate(BigInteger.Zero, (a, i) => a + (new BigInteger(32) << (6 * i))));
        scalars.Add(Enumerable.Range(0, 42).Aggregate(BigInteger.Zero, (a, i) => a + (new BigInteger(33) << (6 * i))));
        for (var i = 0; i < 48; i++)
        {
            var b = new byte[32];
            rng.NextBytes(b);
            scalars.Add(new BigInteger(b, isUnsigned: true, isBigEndian: true) % N);
        }

        var offset = Secp256k1.MulG(new Scalar(7, 0, 0, 0));
        Span<sbyte> digits = stackalloc sbyte[KeyComb.Rows];
        foreach (var u in scalars)
        {
            var scalar = Scalar.FromBytesRaw(ToBytes(u));
            KeyComb.Recode(scalar, digits);
            var sum = BigInteger.Zero;
            for (var i = KeyComb.Rows - 1; i >= 0; i--)
            {
                Assert.InRange(digits[i], -32, 32);
                sum = (sum << 6) + digits[i];
            }
            Assert.Equal(u, sum);

            // 7G + u Q against (7 + u q) G from the generator comb.
            var expected = Secp256k1.MulG(Scalar.FromBytesRaw(ToBytes((7 + (u * q)) % N)));
            var actual = comb.MulAdd(offset, scalar);
            Assert.Equal(expected.Infinity, actual.Infinity);
            if (!expected.Infinity)
            {
                Secp256k1.TryToAffine(expected, out var e);
                Secp256k1.TryToAffine(actual, out var a);
                Assert.True(e.X.EqualsValue(a.X) && e.Y.EqualsValue(a.Y), u.ToString());
            }
        }

        // With Q = G, u = n - 7 cancels the 7G: the sum is the point at infinity.
        var gComb = new KeyComb(Secp256k1.G);
        Assert.True(gComb.MulAdd(offset, Scalar.FromBytesRaw(ToBytes(N - 7))).Infinity);
    }

    [Fact]
    public void GeneratorComb_ZeroScalar_IsInfinity_AndOffsetPointIsOnTheCurve()
    {
        Assert.True(Secp256k1.MulG(Scalar.Zero).Infinity);
        var u = GeneratorComb.OffsetPoint();
        var rhs = FieldElement.Add(FieldElement.Mul(FieldElement.Square(u.X), u.X), Secp256k1.B);
        Assert.True(FieldElement.Square(u.Y).EqualsValue(rhs));
        Assert.False(u.Y.Normalize().IsOdd);
    }

    [Fact]
    public void ScalarOperations_MatchBigInteger()
    {
        var list = Samples(8, 300).ToList();
        for (var i = 0; i < list.Count; i++)
        {
            var x = ToBig(list[i]) % N;
            var y = ToBig(list[(i * 17 + 5) % list.Count]) % N;
            var a = Scalar.FromBigInteger(x);
            var b = Scalar.FromBigInteger(y);
            Assert.Equal(x * y % N, Scalar.ToBigInteger(Scalar.Mul(a, b)));
            Assert.Equal((x + y) % N, Scalar.ToBigInteger(Scalar.Add(a, b)));
            Assert.Equal((N - x) % N, Scalar.ToBigInteger(Scalar.Negate(a)));
            Assert.Equal(x.IsZero ? 0 : BigInteger.ModPow(x, N - 2, N), Scalar.ToBigInteger(Scalar.InvertVartime(a)));
            Assert.Equal(ToBig(list[i]) % N, Scalar.ToBigInteger(Scalar.FromBytesReduced(list[i])));
        }
    }
}

public class GlvTests
{
    private static readonly BigInteger N = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);

    [Fact]
    public void Split_RandomScalars_RecombinesAndHalvesTheSize()
    {
        var rng = new Random(3);
        var edges = new[] { BigInteger.Zero, BigInteger.One, N - 1, N >> 1, (N >> 1) + 1, Glv.Lambda, N - Glv.Lambda, BigInteger.One << 128 };
        for (var i = 0; i < 2000 + edges.Length; i++)
        {
            var b = new byte[32];
            rng.NextBytes(b);
            var k = i < edges.Length ? Scalar.FromBigInteger(edges[i]) : Scalar.FromBytesReduced(b);
            Glv.Split(k, out var k1, out var n1, out var k2, out var n2);
            Glv.SplitReference(k, out var r1, out var rn1, out var r2, out var rn2);
            var diff1 = Scalar.ToBigInteger(k1) * (n1 ? -1 : 1) - Scalar.ToBigInteger(r1) * (rn1 ? -1 : 1);
            var diff2 = Scalar.ToBigInteger(k2) * (n2 ? -1 : 1) - Scalar.ToBigInteger(r2) * (rn2 ? -1 : 1);
            Assert.True(BigInteger.Abs(diff1) < BigInteger.One << 130, "the fast split is within a basis vector of the exact one");
            Assert.True(BigInteger.Abs(diff2) < BigInteger.One << 130, "the fast split is within a basis vector of the exact one");
            var v1 = Scalar.ToBigInteger(k1) * (n1 ? -1 : 1);
            var v2 = Scalar.ToBigInteger(k2) * (n2 ? -1 : 1);
            var recombined = ((v1 + (v2 * Glv.Lambda)) % N + N) % N;
            Assert.Equal(Scalar.ToBigInteger(k), recombined);
            Assert.True(BigInteger.Abs(v1) < BigInteger.One << 129);
            Assert.True(BigInteger.Abs(v2) < BigInteger.One << 129);
        }
    }
}
