using System.Numerics;
using System.Runtime.CompilerServices;

using static Intelligence.Chain.Crypto.Limb;

namespace Intelligence.Chain.Crypto;

/// <summary>A 256-bit unsigned value in four 64-bit limbs (little-endian), mutable for in-place steps.</summary>
internal struct U256
{
    public ulong L0, L1, L2, L3;

    public U256(ulong l0, ulong l1, ulong l2, ulong l3)
    {
        L0 = l0; L1 = l1; L2 = l2; L3 = l3;
    }

    public readonly bool IsZero => (L0 | L1 | L2 | L3) == 0;

    public readonly bool IsOne => L0 == 1 && (L1 | L2 | L3) == 0;
}

/// <summary>
/// Modular inverse by the binary extended Euclidean algorithm, removing all factors of two of a step at
/// once (a Montgomery-style exact division by 2^k for the cofactor). Its running time depends on the
/// input, so it is for public values only (the r of a signature, the Z of a recovered point).
/// </summary>
internal static class ModInverse
{
    /// <summary>-m^-1 mod 2^64 for an odd m0 (Newton iteration; each step doubles the correct bits).</summary>
    public static ulong NegInverse64(ulong m0)
    {
        var x = m0;
        for (var i = 0; i < 6; i++)
        {
            x *= 2 - (m0 * x);
        }
        return 0 - x;
    }

    /// <summary>1/a mod m for an odd prime m and 0 &lt;= a &lt; m; 0 maps to 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static U256 Vartime(U256 a, in U256 m, ulong mNegInv)
    {
        if (a.IsZero)
        {
            return a;
        }
        // Invariants: x1 * a = u and x2 * a = v (mod m); u and v odd at the top of the loop.
        var u = a;
        var v = m;
        var x1 = new U256(1, 0, 0, 0);
        var x2 = default(U256);
        RemoveTwos(ref u, ref x1, m, mNegInv);
        while (true)
        {
            if (u.IsOne)
            {
                return x1;
            }
            if (v.IsOne)
            {
                return x2;
            }
            if (GreaterThan(u, v))
            {
                Sub(ref u, v);
                SubMod(ref x1, x2, m);
                RemoveTwos(ref u, ref x1, m, mNegInv);
            }
            else
            {
                Sub(ref v, u);
                SubMod(ref x2, x1, m);
                RemoveTwos(ref v, ref x2, m, mNegInv);
            }
        }
    }

    /// <summary>Divides u by its largest power of two 2^k and x by 2^k mod m (u = 0 is left as it is).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RemoveTwos(ref U256 u, ref U256 x, in U256 m, ulong mNegInv)
    {
        while ((u.L0 & 1) == 0)
        {
            if (u.IsZero)
            {
                return;
            }
            var k = Math.Min(BitOperations.TrailingZeroCount(u.L0), 63);
            u.L0 = (u.L0 >> k) | (u.L1 << (64 - k));
            u.L1 = (u.L1 >> k) | (u.L2 << (64 - k));
            u.L2 = (u.L2 >> k) | (u.L3 << (64 - k));
            u.L3 >>= k;
            HalveK(ref x, k, m, mNegInv);
        }
    }

    /// <summary>x / 2^k mod m for 1 &lt;= k &lt;= 63: adds the multiple q m that clears the low k bits, then shifts.</summary>
    private static void HalveK(ref U256 x, int k, in U256 m, ulong mNegInv)
    {
        var q = (x.L0 * mNegInv) & ((1UL << k) - 1);
        ulong c = 0;
        var t0 = MulAdd(q, m.L0, x.L0, ref c);
        var t1 = MulAdd(q, m.L1, x.L1, ref c);
        var t2 = MulAdd(q, m.L2, x.L2, ref c);
        var t3 = MulAdd(q, m.L3, x.L3, ref c);
        // x + q m < 2^k m < 2^(256 + k), so the shifted value fits in four limbs and is below 2m.
        x.L0 = (t0 >> k) | (t1 << (64 - k));
        x.L1 = (t1 >> k) | (t2 << (64 - k));
        x.L2 = (t2 >> k) | (t3 << (64 - k));
        x.L3 = (t3 >> k) | (c << (64 - k));
        if (!GreaterThan(m, x))
        {
            Sub(ref x, m);
        }
    }

    private static bool GreaterThan(in U256 a, in U256 b)
    {
        if (a.L3 != b.L3) return a.L3 > b.L3;
        if (a.L2 != b.L2) return a.L2 > b.L2;
        if (a.L1 != b.L1) return a.L1 > b.L1;
        return a.L0 > b.L0;
    }

    /// <summary>a -= b; returns the borrow.</summary>
    private static ulong Sub(ref U256 a, in U256 b)
    {
        ulong br = 0;
        a.L0 = Sbb(a.L0, b.L0, ref br);
        a.L1 = Sbb(a.L1, b.L1, ref br);
        a.L2 = Sbb(a.L2, b.L2, ref br);
        a.L3 = Sbb(a.L3, b.L3, ref br);
        return br;
    }

    /// <summary>x = x - y mod m for x, y below m.</summary>
    private static void SubMod(ref U256 x, in U256 y, in U256 m)
    {
        if (Sub(ref x, y) != 0)
        {
            ulong c = 0;
            x.L0 = Adc(x.L0, m.L0, ref c);
            x.L1 = Adc(x.L1, m.L1, ref c);
            x.L2 = Adc(x.L2, m.L2, ref c);
            x.L3 = Adc(x.L3, m.L3, ref c);
        }
    }
}
