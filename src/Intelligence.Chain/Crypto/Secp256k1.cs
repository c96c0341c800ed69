using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Intelligence.Chain.Crypto;

/// <summary>An affine point (x, y); the point at infinity is never stored in affine form.</summary>
internal readonly struct AffinePoint(FieldElement x, FieldElement y)
{
    public readonly FieldElement X = x;
    public readonly FieldElement Y = y;

    public AffinePoint Negate() => new(X, FieldElement.Negate(Y));
}

/// <summary>A point in Jacobian coordinates (X / Z^2, Y / Z^3); <see cref="Infinity"/> marks the identity.</summary>
internal readonly struct JacobianPoint(FieldElement x, FieldElement y, FieldElement z, bool infinity)
{
    public readonly FieldElement X = x;
    public readonly FieldElement Y = y;
    public readonly FieldElement Z = z;
    public readonly bool Infinity = infinity;

    public static JacobianPoint AtInfinity => new(default, default, default, true);

    public static JacobianPoint FromAffine(in AffinePoint p) => new(p.X, p.Y, FieldElement.One, false);
}

/// <summary>
/// secp256k1 arithmetic written for speed: 4x64-bit field limbs with special-form reduction, Jacobian
/// coordinates. Recovery computes u1 G + u2 R with width-8 wNAF over a precomputed affine table for G and
/// width-5 wNAF for R (Strauss-Shamir interleaving, GLV-split). Secret scalars (keys, signing nonces) go through
/// <see cref="GeneratorComb"/>, whose sequence of operations does not depend on the scalar, and their inversions
/// are blinded. Verification against a known key adds from two combs, G's and the key's (<see cref="KeyComb"/>). The field and scalar arithmetic itself is variable-time; everything is checked against
/// BouncyCastle and cast in the tests.
/// </summary>
internal static class Secp256k1
{
    private const int GWindow = 8;
    private const int PWindow = 5;

    public static readonly AffinePoint G = new(
        new FieldElement(0x59F2815B16F81798UL, 0x029BFCDB2DCE28D9UL, 0x55A06295CE870B07UL, 0x79BE667EF9DCBBACUL),
        new FieldElement(0x9C47D08FFB10D4B8UL, 0xFD17B448A6855419UL, 0x5DA4FBFC0E1108A8UL, 0x483ADA7726A3C465UL));

    /// <summary>The curve constant b in y^2 = x^3 + b.</summary>
    internal static readonly FieldElement B = new(7, 0, 0, 0);

    /// <summary>Odd multiples 1G, 3G, ..., (2^(w-1) - 1)G in affine form.</summary>
    private static readonly AffinePoint[] GTable = OddMultiples(G, GWindow);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static JacobianPoint Double(in JacobianPoint p)
    {
        if (p.Infinity)
        {
            return p;
        }
        // With L = 3/2 X^2 (the slope's numerator, halved) and S = Y^2: X3 = L^2 - 2XS,
        // Y3 = L(XS - X3) - S^2, Z3 = YZ (the usual result scaled by 1/2 per Z): 3M + 4S, few additions.
        var s = FieldElement.Square(p.Y);
        var x2 = FieldElement.Square(p.X);
        var l = FieldElement.Half(FieldElement.Add(FieldElement.Double(x2), x2));
        var t = FieldElement.Mul(p.X, s);
        var x3 = FieldElement.Sub(FieldElement.Square(l), FieldElement.Double(t));
        var y3 = FieldElement.Sub(FieldElement.Mul(l, FieldElement.Sub(t, x3)), FieldElement.Square(s));
        return new JacobianPoint(x3, y3, FieldElement.Mul(p.Y, p.Z), false);
    }

    /// <summary>Jacobian + affine (8M + 3S with few additions), with the doubling and inverse cases handled.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static JacobianPoint AddMixed(in JacobianPoint p, in AffinePoint q)
    {
        if (p.Infinity)
        {
            return JacobianPoint.FromAffine(q);
        }
        // H = X2 Z1^2 - X1, R = Y2 Z1^3 - Y1; X3 = R^2 - H^3 - 2 X1 H^2, Y3 = R (X1 H^2 - X3) - Y1 H^3, Z3 = Z1 H.
        var z1z1 = FieldElement.Square(p.Z);
        var h = FieldElement.Sub(FieldElement.Mul(q.X, z1z1), p.X);
        var r = FieldElement.Sub(FieldElement.Mul(q.Y, FieldElement.Mul(p.Z, z1z1)), p.Y);
        if (h.IsZero)
        {
            return r.IsZero ? Double(p) : JacobianPoint.AtInfinity;
        }
        var hh = FieldElement.Square(h);
        var hhh = FieldElement.Mul(h, hh);
        var v = FieldElement.Mul(p.X, hh);
        var x3 = FieldElement.Sub(FieldElement.Sub(FieldElement.Square(r), hhh), FieldElement.Double(v));
        var y3 = FieldElement.Sub(FieldElement.Mul(r, FieldElement.Sub(v, x3)), FieldElement.Mul(p.Y, hhh));
        return new JacobianPoint(x3, y3, FieldElement.Mul(p.Z, h), false);
    }

    /// <summary>Jacobian + Jacobian (add-2007-bl), with the doubling and inverse cases handled.</summary>
    public static JacobianPoint Add(in JacobianPoint p, in JacobianPoint q)
    {
        if (p.Infinity)
        {
            return q;
        }
        if (q.Infinity)
        {
            return p;
        }
        var z1z1 = FieldElement.Square(p.Z);
        var z2z2 = FieldElement.Square(q.Z);
        var u1 = FieldElement.Mul(p.X, z2z2);
        var u2 = FieldElement.Mul(q.X, z1z1);
        var s1 = FieldElement.Mul(p.Y, FieldElement.Mul(q.Z, z2z2));
        var s2 = FieldElement.Mul(q.Y, FieldElement.Mul(p.Z, z1z1));
        var h = FieldElement.Sub(u2, u1);
        var rr = FieldElement.Double(FieldElement.Sub(s2, s1));
        if (h.IsZero)
        {
            return rr.IsZero ? Double(p) : JacobianPoint.AtInfinity;
        }
        var i = FieldElement.Square(FieldElement.Double(h));
        var j = FieldElement.Mul(h, i);
        var v = FieldElement.Mul(u1, i);
        var x3 = FieldElement.Sub(FieldElement.Sub(FieldElement.Square(rr), j), FieldElement.Double(v));
        var y3 = FieldElement.Sub(FieldElement.Mul(rr, FieldElement.Sub(v, x3)), FieldElement.Double(FieldElement.Mul(s1, j)));
        var z3 = FieldElement.Mul(FieldElement.Sub(FieldElement.Sub(FieldElement.Square(FieldElement.Add(p.Z, q.Z)), z1z1), z2z2), h);
        return new JacobianPoint(x3, y3, z3, false);
    }

    public static bool TryToAffine(in JacobianPoint p, out AffinePoint result) => TryToAffine(p, false, out result);

    /// <summary>
    /// To affine coordinates with the variable-time inversion, blinded unless <paramref name="publicZ"/> says Z
    /// reveals nothing secret.
    /// </summary>
    public static bool TryToAffine(in JacobianPoint p, bool publicZ, out AffinePoint result)
    {
        if (p.Infinity)
        {
            result = default;
            return false;
        }
        var zi = publicZ ? FieldElement.InvertVartime(p.Z) : InvertBlinded(p.Z);
        var zi2 = FieldElement.Square(zi);
        result = new AffinePoint(FieldElement.Mul(p.X, zi2).Normalize(), FieldElement.Mul(p.Y, FieldElement.Mul(zi2, zi)).Normalize());
        return true;
    }

    /// <summary>1/z for a secret-derived z as b (z b)^-1 with a fresh random b, like <see cref="InvertBlinded(in Scalar)"/>.</summary>
    private static FieldElement InvertBlinded(in FieldElement z)
    {
        Span<byte> random = stackalloc byte[32];
        FieldElement b;
        do
        {
            BlindingRandom.Fill(random);
            b = FieldElement.FromBytes(random, out _).Normalize();
        }
        while (b.IsZero);
        CryptographicOperations.ZeroMemory(random);
        return FieldElement.Mul(b, FieldElement.InvertVartime(FieldElement.Mul(z, b)));
    }

    /// <summary>
    /// Converts many public Jacobian points (precomputed tables) to affine with one variable-time inversion
    /// (Montgomery's trick). None may be infinity.
    /// </summary>
    internal static AffinePoint[] BatchToAffine(ReadOnlySpan<JacobianPoint> points)
    {
        var n = points.Length;
        var prefix = new FieldElement[n];
        var acc = FieldElement.One;
        for (var i = 0; i < n; i++)
        {
            prefix[i] = acc;
            acc = FieldElement.Mul(acc, points[i].Z);
        }
        var inv = FieldElement.InvertVartime(acc);
        var result = new AffinePoint[n];
        for (var i = n - 1; i >= 0; i--)
        {
            var zi = FieldElement.Mul(inv, prefix[i]);
            inv = FieldElement.Mul(inv, points[i].Z);
            var zi2 = FieldElement.Square(zi);
            result[i] = new AffinePoint(FieldElement.Mul(points[i].X, zi2).Normalize(), FieldElement.Mul(points[i].Y, FieldElement.Mul(zi2, zi)).Normalize());
        }
        return result;
    }

    internal static AffinePoint[] OddMultiples(in AffinePoint p, int window)
    {
        var count = 1 << (window - 2);
        var jac = new JacobianPoint[count];
        jac[0] = JacobianPoint.FromAffine(p);
        if (count > 1)
        {
            // 2P stays Jacobian (full additions) so the table costs one inversion, in the batch below.
            var twoP = Double(jac[0]);
            for (var i = 1; i < count; i++)
            {
                jac[i] = Add(twoP, jac[i - 1]);
            }
        }
        return BatchToAffine(jac);
    }

    /// <summary>
    /// Odd multiples P, 3P, ... of a point without any inversion: the table is built on an isomorphic curve
    /// (x, y) -> (x zg^2, y zg^3) on which 2P and then all entries share one Z, so each entry is stored as
    /// affine there. The caller maps other points the same way and multiplies the result's Z by zg.
    /// </summary>
    internal static void OddMultiplesGlobalZ(in AffinePoint p, Span<AffinePoint> table, out FieldElement zg)
    {
        var count = table.Length;
        // 2P has Z = dz; on the curve scaled by dz it is the affine point (X, Y), so additions of it are mixed.
        var d = Double(JacobianPoint.FromAffine(p));
        var dz2 = FieldElement.Square(d.Z);
        var twoP = new AffinePoint(d.X, d.Y);
        Span<JacobianPoint> jac = stackalloc JacobianPoint[count];
        Span<FieldElement> ratio = stackalloc FieldElement[count];
        jac[0] = new JacobianPoint(FieldElement.Mul(p.X, dz2), FieldElement.Mul(p.Y, FieldElement.Mul(dz2, d.Z)), FieldElement.One, false);
        for (var i = 1; i < count; i++)
        {
            jac[i] = AddMixedDistinct(jac[i - 1], twoP, out ratio[i]);
        }

        // Bring every entry to the last entry's Z: entry i scales by the product of the later Z ratios.
        var last = count - 1;
        table[last] = new AffinePoint(jac[last].X, jac[last].Y);
        var scale = FieldElement.One;
        for (var i = last - 1; i >= 0; i--)
        {
            scale = FieldElement.Mul(scale, ratio[i + 1]);
            var scale2 = FieldElement.Square(scale);
            table[i] = new AffinePoint(FieldElement.Mul(jac[i].X, scale2), FieldElement.Mul(jac[i].Y, FieldElement.Mul(scale2, scale)));
        }
        zg = FieldElement.Mul(d.Z, jac[last].Z);
    }

    /// <summary>
    /// Jacobian + affine for points known to differ and not be inverses (consecutive odd multiples of a
    /// point of prime order); also returns Z3 / Z1.
    /// </summary>
    private static JacobianPoint AddMixedDistinct(in JacobianPoint p, in AffinePoint q, out FieldElement zRatio)
    {
        var z1z1 = FieldElement.Square(p.Z);
        var u2 = FieldElement.Mul(q.X, z1z1);
        var s2 = FieldElement.Mul(q.Y, FieldElement.Mul(p.Z, z1z1));
        var h = FieldElement.Sub(u2, p.X);
        var rr = FieldElement.Double(FieldElement.Sub(s2, p.Y));
        var hh = FieldElement.Square(h);
        var i = FieldElement.Double(FieldElement.Double(hh));
        var j = FieldElement.Mul(h, i);
        var v = FieldElement.Mul(p.X, i);
        var x3 = FieldElement.Sub(FieldElement.Sub(FieldElement.Square(rr), j), FieldElement.Double(v));
        var y3 = FieldElement.Sub(FieldElement.Mul(rr, FieldElement.Sub(v, x3)), FieldElement.Double(FieldElement.Mul(p.Y, j)));
        zRatio = FieldElement.Double(h);
        return new JacobianPoint(x3, y3, FieldElement.Mul(p.Z, zRatio), false);
    }

    /// <summary>Width-w non-adjacent form of a scalar; returns the number of digits written.</summary>
    private static int Wnaf(in Scalar k, int w, Span<sbyte> digits)
    {
        // Work on five limbs so adding back a negative digit can carry past bit 255.
        Span<ulong> v = [k.N0, k.N1, k.N2, k.N3, 0];
        var mask = (1UL << w) - 1;
        var half = 1 << (w - 1);
        var len = 0;
        var i = 0;
        while ((v[0] | v[1] | v[2] | v[3] | v[4]) != 0)
        {
            var d = 0;
            if ((v[0] & 1) != 0)
            {
                d = (int)(v[0] & mask);
                if (d >= half)
                {
                    d -= 1 << w;
                }
                if (d > 0)
                {
                    SubSmall(v, (ulong)d);
                }
                else
                {
                    AddSmall(v, (ulong)(-d));
                }
            }
            digits[i] = (sbyte)d;
            if (d != 0)
            {
                len = i + 1;
            }
            ShiftRight1(v);
            i++;
        }
        return len;
    }

    private static void SubSmall(Span<ulong> v, ulong d)
    {
        // Only called when v has at least d in its low limb's low bits: no borrow past limb 0.
        v[0] -= d;
    }

    private static void AddSmall(Span<ulong> v, ulong d)
    {
        for (var i = 0; i < v.Length && d != 0; i++)
        {
            var s = v[i] + d;
            d = s < v[i] ? 1UL : 0UL;
            v[i] = s;
        }
    }

    private static void ShiftRight1(Span<ulong> v)
    {
        for (var i = 0; i < v.Length - 1; i++)
        {
            v[i] = (v[i] >> 1) | (v[i + 1] << 63);
        }
        v[^1] >>= 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static JacobianPoint AddDigit(in JacobianPoint acc, int digit, ReadOnlySpan<AffinePoint> table, bool negate)
    {
        var add = digit > 0 != negate;
        var entry = table[(digit > 0 ? digit : -digit) >> 1];
        return AddMixed(acc, add ? entry : entry.Negate());
    }

    /// <summary>Adds a G-table entry mapped onto the scaled curve of the P table: (x zg^2, y zg^3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static JacobianPoint AddDigitScaled(in JacobianPoint acc, int digit, AffinePoint[] table, bool negate, in FieldElement zg2, in FieldElement zg3)
    {
        var add = digit > 0 != negate;
        var entry = table[(digit > 0 ? digit : -digit) >> 1];
        var y = FieldElement.Mul(entry.Y, zg3);
        return AddMixed(acc, new AffinePoint(FieldElement.Mul(entry.X, zg2), add ? y : FieldElement.Negate(y)));
    }

    /// <summary>The same odd multiples mapped through the endomorphism (x, y) -> (beta x, y), i.e. multiplied by lambda.</summary>
    private static AffinePoint[] Endomorphism(AffinePoint[] table)
    {
        var result = new AffinePoint[table.Length];
        Endomorphism(table, result);
        return result;
    }

    private static void Endomorphism(ReadOnlySpan<AffinePoint> table, Span<AffinePoint> result)
    {
        for (var i = 0; i < table.Length; i++)
        {
            result[i] = new AffinePoint(FieldElement.Mul(table[i].X, Glv.Beta), table[i].Y);
        }
    }

    private static readonly AffinePoint[] GLambdaTable = Endomorphism(GTable);

    /// <summary>
    /// u1*G + u2*P in one interleaved pass. Both scalars are split with the GLV endomorphism into halves of
    /// about 128 bits, so the loop runs about 130 doublings over four wNAF streams.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static JacobianPoint MulAdd(in Scalar u1, in Scalar u2, in AffinePoint p)
    {
        Span<sbyte> g1 = stackalloc sbyte[258];
        Span<sbyte> g2 = stackalloc sbyte[258];
        Glv.Split(u1, out var a1, out var a1Neg, out var a2, out var a2Neg);
        var lg1 = Wnaf(a1, GWindow, g1);
        var lg2 = Wnaf(a2, GWindow, g2);
        var acc = JacobianPoint.AtInfinity;

        // The P tables live on the curve scaled by zg (no inversion to build them); G entries are mapped
        // onto it as they are added, and the result's Z is multiplied by zg to come back.
        Span<sbyte> p1 = stackalloc sbyte[258];
        Span<sbyte> p2 = stackalloc sbyte[258];
        Glv.Split(u2, out var b1, out var b1Neg, out var b2, out var b2Neg);
        var lp1 = Wnaf(b1, PWindow, p1);
        var lp2 = Wnaf(b2, PWindow, p2);
        Span<AffinePoint> pTable = stackalloc AffinePoint[1 << (PWindow - 2)];
        Span<AffinePoint> pLambdaTable = stackalloc AffinePoint[1 << (PWindow - 2)];
        OddMultiplesGlobalZ(p, pTable, out var zg);
        Endomorphism(pTable, pLambdaTable);
        var zg2 = FieldElement.Square(zg);
        var zg3 = FieldElement.Mul(zg2, zg);

        for (var i = Math.Max(Math.Max(lg1, lg2), Math.Max(lp1, lp2)) - 1; i >= 0; i--)
        {
            acc = Double(acc);
            if (i < lg1 && g1[i] != 0)
            {
                acc = AddDigitScaled(acc, g1[i], GTable, a1Neg, zg2, zg3);
            }
            if (i < lg2 && g2[i] != 0)
            {
                acc = AddDigitScaled(acc, g2[i], GLambdaTable, a2Neg, zg2, zg3);
            }
            if (i < lp1 && p1[i] != 0)
            {
                acc = AddDigit(acc, p1[i], pTable, b1Neg);
            }
            if (i < lp2 && p2[i] != 0)
            {
                acc = AddDigit(acc, p2[i], pLambdaTable, b2Neg);
            }
        }
        return acc.Infinity ? acc : new JacobianPoint(acc.X, acc.Y, FieldElement.Mul(acc.Z, zg), false);
    }

    /// <summary>k*G by the fixed-base comb (a fixed sequence of additions, see <see cref="GeneratorComb"/>).</summary>
    public static JacobianPoint MulG(in Scalar k) => GeneratorComb.Mul(k);

    /// <summary>Derives the 64-byte uncompressed public key (x || y) from a valid private scalar.</summary>
    public static void PublicKey(in Scalar d, Span<byte> xy64)
    {
        if (!TryToAffine(MulG(d), out var q))
        {
            throw new InvalidOperationException("The private key is not in [1, n-1].");
        }
        q.X.WriteBytes(xy64[..32]);
        q.Y.WriteBytes(xy64.Slice(32, 32));
    }

    /// <summary>
    /// Signs a 32-byte hash with an RFC 6979 (HMAC-SHA256) deterministic nonce and returns (r, s, recovery id)
    /// with s normalised to the lower half of the order.
    /// </summary>
    public static void Sign(ReadOnlySpan<byte> hash32, in Scalar d, Span<byte> r32, Span<byte> s32, out int recoveryId)
    {
        Span<byte> key = stackalloc byte[32];
        Span<byte> v = stackalloc byte[32];
        Span<byte> buf = stackalloc byte[32 + 1 + 32 + 32];
        var mac = ZeroHmacKey;
        try
        {
            // V || round || x || h: x and h stay in place, V and the round byte change.
            var e = Scalar.FromBytesReduced(hash32);
            d.WriteBytes(buf.Slice(33, 32));
            e.WriteBytes(buf.Slice(65, 32));

            // RFC 6979 section 3.2, steps b-f, with K = 0 (its HMAC key state precomputed).
            v.Fill(0x01);
            for (byte round = 0; round < 2; round++)
            {
                v.CopyTo(buf);
                buf[32] = round;
                HmacSha256.Mac(mac, buf, key);
                mac = HmacSha256.Key.Create(key);
                HmacSha256.Mac(mac, v, v);
            }

            while (true)
            {
                HmacSha256.Mac(mac, v, v);
                var k = Scalar.FromBytesRaw(v);
                if (k.IsValidNonZero && TrySignWithNonce(e, d, k, r32, s32, out recoveryId))
                {
                    return;
                }
                v.CopyTo(buf);
                buf[32] = 0;
                HmacSha256.Mac(mac, buf[..33], key);
                mac = HmacSha256.Key.Create(key);
                HmacSha256.Mac(mac, v, v);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(v);
            CryptographicOperations.ZeroMemory(buf);
            ((Span<uint>)mac).Clear();
        }
    }

    /// <summary>RFC 6979's first HMAC key, 32 zero bytes, with its padded blocks already compressed.</summary>
    private static readonly HmacSha256.Key ZeroHmacKey = HmacSha256.Key.Create(new byte[32]);

    private static bool TrySignWithNonce(in Scalar e, in Scalar d, in Scalar k, Span<byte> r32, Span<byte> s32, out int recoveryId)
    {
        recoveryId = 0;
        if (!TryToAffine(MulG(k), out var rp))
        {
            return false;
        }
        Span<byte> rx = stackalloc byte[32];
        rp.X.WriteBytes(rx);
        var rRaw = Scalar.FromBytesRaw(rx);
        var r = Scalar.FromBytesReduced(rx);
        // Ethereum's v carries only the y parity: a nonce whose x overflowed n is skipped (odds ~2^-128).
        if (r.IsZero || Scalar.Compare(rRaw, Scalar.Order) >= 0)
        {
            return false;
        }
        var s = Scalar.Mul(InvertBlinded(k), Scalar.Add(e, Scalar.Mul(r, d)));
        if (s.IsZero)
        {
            return false;
        }
        recoveryId = rp.Y.IsOdd ? 1 : 0;
        if (s.IsHigh)
        {
            s = Scalar.Negate(s);
            recoveryId ^= 1;
        }
        r.WriteBytes(r32);
        s.WriteBytes(s32);
        return true;
    }

    /// <summary>
    /// 1/k for a secret k as b * (k b)^-1 with a fresh random b: the fast variable-time inversion then only sees
    /// k b, which is uniformly random whatever k is, so its running time says nothing about the nonce.
    /// </summary>
    private static Scalar InvertBlinded(in Scalar k)
    {
        Span<byte> random = stackalloc byte[32];
        Scalar b;
        do
        {
            BlindingRandom.Fill(random);
            b = Scalar.FromBytesReduced(random);
        }
        while (b.IsZero);
        CryptographicOperations.ZeroMemory(random);
        return Scalar.Mul(b, Scalar.InvertVartime(Scalar.Mul(k, b)));
    }

    /// <summary>
    /// True exactly when <see cref="TryRecover"/> would return the key Q that <paramref name="key"/> was built for,
    /// computed without recovery: R' = (e/s) G + (r/s) Q must be the point R that (r, recovery id) names, i.e.
    /// R'.x = r and R'.y has the id's parity. Both products come from comb tables (G's and Q's), so there are no
    /// doublings, no square root and no per-call table.
    /// </summary>
    public static bool VerifyPrepared(ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> r32, ReadOnlySpan<byte> s32, int recoveryId, KeyComb key)
    {
        var r = Scalar.FromBytesRaw(r32);
        var s = Scalar.FromBytesRaw(s32);
        if (!r.IsValidNonZero || !s.IsValidNonZero || recoveryId is < 0 or > 1)
        {
            return false;
        }

        var w = Scalar.InvertVartime(s);
        var u1 = Scalar.Mul(Scalar.FromBytesReduced(hash32), w);
        var u2 = Scalar.Mul(r, w);
        if (!TryToAffine(key.MulAdd(GeneratorComb.Mul(u1), u2), publicZ: true, out var point))
        {
            return false;
        }

        var x = FieldElement.FromBytes(r32, out _).Normalize();
        return point.X.EqualsValue(x) && point.Y.IsOdd == (recoveryId == 1);
    }

    /// <summary>
    /// Recovers the uncompressed public key (x || y) from a hash and (r, s, recovery id 0/1).
    /// Returns false when the values do not form a valid signature.
    /// </summary>
    public static bool TryRecover(ReadOnlySpan<byte> hash32, ReadOnlySpan<byte> r32, ReadOnlySpan<byte> s32, int recoveryId, Span<byte> xy64)
    {
        var r = Scalar.FromBytesRaw(r32);
        var s = Scalar.FromBytesRaw(s32);
        if (!r.IsValidNonZero || !s.IsValidNonZero || recoveryId is < 0 or > 1)
        {
            return false;
        }

        // R = (r, y) with y of the given parity; r < n < p so r is a valid x coordinate candidate.
        var x = FieldElement.FromBytes(r32, out _);
        var y2 = FieldElement.Add(FieldElement.Mul(FieldElement.Square(x), x), B);
        if (!FieldElement.TrySqrt(y2, out var y))
        {
            return false;
        }
        if (y.IsOdd != (recoveryId == 1))
        {
            y = FieldElement.Negate(y);
        }
        var bigR = new AffinePoint(x.Normalize(), y.Normalize());

        // Q = r^-1 (s R - e G).
        var rInv = Scalar.InvertVartime(r);
        var e = Scalar.FromBytesReduced(hash32);
        var u1 = Scalar.Mul(Scalar.Negate(e), rInv);
        var u2 = Scalar.Mul(s, rInv);
        if (!TryToAffine(MulAdd(u1, u2, bigR), publicZ: true, out var q))
        {
            return false;
        }
        q.X.WriteBytes(xy64[..32]);
        q.Y.WriteBytes(xy64.Slice(32, 32));
        return true;
    }
}
