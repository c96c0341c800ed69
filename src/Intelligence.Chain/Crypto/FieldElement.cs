using System.Buffers.Binary;
using System.Runtime.CompilerServices;

using static Intelligence.Chain.Crypto.Limb;

namespace Intelligence.Chain.Crypto;

/// <summary>
/// An element of the secp256k1 base field, p = 2^256 - 2^32 - 977, in four 64-bit limbs (little-endian).
/// Values are kept weakly reduced (any 256-bit value, congruent mod p); <see cref="Normalize"/> gives the
/// canonical residue. Reduction uses 2^256 = 2^32 + 977 (mod p). Variable-time.
/// </summary>
internal readonly struct FieldElement
{
    /// <summary>2^256 - p.</summary>
    private const ulong C = 0x1000003D1UL;

    public readonly ulong N0, N1, N2, N3;

    public FieldElement(ulong n0, ulong n1, ulong n2, ulong n3)
    {
        N0 = n0; N1 = n1; N2 = n2; N3 = n3;
    }

    public static FieldElement Zero => default;

    public static FieldElement One => new(1, 0, 0, 0);

    /// <summary>Reads a 32-byte big-endian value; reports whether it was below p.</summary>
    public static FieldElement FromBytes(ReadOnlySpan<byte> b, out bool canonical)
    {
        var fe = new FieldElement(
            BinaryPrimitives.ReadUInt64BigEndian(b.Slice(24, 8)),
            BinaryPrimitives.ReadUInt64BigEndian(b.Slice(16, 8)),
            BinaryPrimitives.ReadUInt64BigEndian(b.Slice(8, 8)),
            BinaryPrimitives.ReadUInt64BigEndian(b[..8]));
        var n = fe.Normalize();
        canonical = n.N0 == fe.N0 && n.N1 == fe.N1 && n.N2 == fe.N2 && n.N3 == fe.N3;
        return fe;
    }

    /// <summary>Writes the canonical value as 32 big-endian bytes.</summary>
    public void WriteBytes(Span<byte> b)
    {
        var n = Normalize();
        BinaryPrimitives.WriteUInt64BigEndian(b[..8], n.N3);
        BinaryPrimitives.WriteUInt64BigEndian(b.Slice(8, 8), n.N2);
        BinaryPrimitives.WriteUInt64BigEndian(b.Slice(16, 8), n.N1);
        BinaryPrimitives.WriteUInt64BigEndian(b.Slice(24, 8), n.N0);
    }

    /// <summary>The canonical residue in [0, p).</summary>
    public FieldElement Normalize()
    {
        // a >= p exactly when a + C overflows 2^256; then the wrapped sum is a - p.
        ulong carry = 0;
        var r0 = Adc(N0, C, ref carry);
        var r1 = Adc(N1, 0, ref carry);
        var r2 = Adc(N2, 0, ref carry);
        var r3 = Adc(N3, 0, ref carry);
        return carry != 0 ? new FieldElement(r0, r1, r2, r3) : this;
    }

    public bool IsZero
    {
        get
        {
            var n = Normalize();
            return (n.N0 | n.N1 | n.N2 | n.N3) == 0;
        }
    }

    public bool IsOdd => (Normalize().N0 & 1) != 0;

    public bool EqualsValue(in FieldElement other)
    {
        var a = Normalize();
        var b = other.Normalize();
        return a.N0 == b.N0 && a.N1 == b.N1 && a.N2 == b.N2 && a.N3 == b.N3;
    }



    public static FieldElement Add(in FieldElement a, in FieldElement b)
    {
        ulong c = 0;
        var r0 = Adc(a.N0, b.N0, ref c);
        var r1 = Adc(a.N1, b.N1, ref c);
        var r2 = Adc(a.N2, b.N2, ref c);
        var r3 = Adc(a.N3, b.N3, ref c);
        while (c != 0)
        {
            // Wrapped past 2^256: add 2^256 mod p. At most twice.
            c = 0;
            r0 = Adc(r0, C, ref c);
            r1 = Adc(r1, 0, ref c);
            r2 = Adc(r2, 0, ref c);
            r3 = Adc(r3, 0, ref c);
        }
        return new FieldElement(r0, r1, r2, r3);
    }

    public static FieldElement Sub(in FieldElement a, in FieldElement b)
    {
        ulong br = 0;
        var r0 = Sbb(a.N0, b.N0, ref br);
        var r1 = Sbb(a.N1, b.N1, ref br);
        var r2 = Sbb(a.N2, b.N2, ref br);
        var r3 = Sbb(a.N3, b.N3, ref br);
        while (br != 0)
        {
            // Wrapped below zero (that added 2^256): take 2^256 - p back off. At most twice.
            br = 0;
            r0 = Sbb(r0, C, ref br);
            r1 = Sbb(r1, 0, ref br);
            r2 = Sbb(r2, 0, ref br);
            r3 = Sbb(r3, 0, ref br);
        }
        return new FieldElement(r0, r1, r2, r3);
    }

    /// <summary>a / 2: an odd value gets p added first (the carry becomes the top bit after the shift).</summary>
    public static FieldElement Half(in FieldElement a)
    {
        ulong r0 = a.N0, r1 = a.N1, r2 = a.N2, r3 = a.N3, c = 0;
        if ((r0 & 1) != 0)
        {
            r0 = Adc(r0, 0xFFFFFFFEFFFFFC2FUL, ref c);
            r1 = Adc(r1, ulong.MaxValue, ref c);
            r2 = Adc(r2, ulong.MaxValue, ref c);
            r3 = Adc(r3, ulong.MaxValue, ref c);
        }
        return new FieldElement((r0 >> 1) | (r1 << 63), (r1 >> 1) | (r2 << 63), (r2 >> 1) | (r3 << 63), (r3 >> 1) | (c << 63));
    }

    public static FieldElement Negate(in FieldElement a) => Sub(Zero, a);

    public static FieldElement Double(in FieldElement a) => Add(a, a);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static FieldElement Mul(in FieldElement a, in FieldElement b)
    {
        // Product scanning (Comba): each column of the 512-bit product is summed into a three-word
        // accumulator, so the carries of different products do not form one long serial chain.
        ulong a0 = a.N0, a1 = a.N1, a2 = a.N2, a3 = a.N3;
        ulong b0 = b.N0, b1 = b.N1, b2 = b.N2, b3 = b.N3;
        ulong c0 = 0, c1 = 0, c2 = 0;
        MulAcc(a0, b0, ref c0, ref c1, ref c2);
        var t0 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAcc(a0, b1, ref c0, ref c1, ref c2);
        MulAcc(a1, b0, ref c0, ref c1, ref c2);
        var t1 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAcc(a0, b2, ref c0, ref c1, ref c2);
        MulAcc(a1, b1, ref c0, ref c1, ref c2);
        MulAcc(a2, b0, ref c0, ref c1, ref c2);
        var t2 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAcc(a0, b3, ref c0, ref c1, ref c2);
        MulAcc(a1, b2, ref c0, ref c1, ref c2);
        MulAcc(a2, b1, ref c0, ref c1, ref c2);
        MulAcc(a3, b0, ref c0, ref c1, ref c2);
        var t3 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAcc(a1, b3, ref c0, ref c1, ref c2);
        MulAcc(a2, b2, ref c0, ref c1, ref c2);
        MulAcc(a3, b1, ref c0, ref c1, ref c2);
        var t4 = c0; c0 = c1; c1 = c2; c2 = 0;
        MulAcc(a2, b3, ref c0, ref c1, ref c2);
        MulAcc(a3, b2, ref c0, ref c1, ref c2);
        var t5 = c0; c0 = c1; c1 = c2;
        MulAcc2(a3, b3, ref c0, ref c1);
        return Reduce(t0, t1, t2, t3, t4, t5, c0, c1);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static FieldElement Square(in FieldElement a)
    {
        // Off-diagonal products once, doubled, plus the squares on the diagonal.
        ulong c = 0;
        var t1 = MulAdd(a.N0, a.N1, 0, ref c);
        var t2 = MulAdd(a.N0, a.N2, 0, ref c);
        var t3 = MulAdd(a.N0, a.N3, 0, ref c);
        var t4 = c;
        c = 0;
        t3 = MulAdd(a.N1, a.N2, t3, ref c);
        t4 = MulAdd(a.N1, a.N3, t4, ref c);
        var t5 = c;
        c = 0;
        t5 = MulAdd(a.N2, a.N3, t5, ref c);
        var t6 = c;

        var t7 = t6 >> 63;
        t6 = (t6 << 1) | (t5 >> 63);
        t5 = (t5 << 1) | (t4 >> 63);
        t4 = (t4 << 1) | (t3 >> 63);
        t3 = (t3 << 1) | (t2 >> 63);
        t2 = (t2 << 1) | (t1 >> 63);
        t1 <<= 1;

        var h0 = MulHigh(a.N0, a.N0);
        var t0 = a.N0 * a.N0;
        var h1 = MulHigh(a.N1, a.N1);
        var l1 = a.N1 * a.N1;
        var h2 = MulHigh(a.N2, a.N2);
        var l2 = a.N2 * a.N2;
        var h3 = MulHigh(a.N3, a.N3);
        var l3 = a.N3 * a.N3;
        c = 0;
        t1 = Adc(t1, h0, ref c);
        t2 = Adc(t2, l1, ref c);
        t3 = Adc(t3, h1, ref c);
        t4 = Adc(t4, l2, ref c);
        t5 = Adc(t5, h2, ref c);
        t6 = Adc(t6, l3, ref c);
        t7 = Adc(t7, h3, ref c);
        return Reduce(t0, t1, t2, t3, t4, t5, t6, t7);
    }

    /// <summary>(c2, c1, c0) += a * b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MulAcc(ulong a, ulong b, ref ulong c0, ref ulong c1, ref ulong c2)
    {
        var hi = MulHigh(a, b);
        var lo = a * b;
        c0 += lo;
        hi += c0 < lo ? 1UL : 0UL; // hi <= 2^64 - 2, so this cannot wrap.
        c1 += hi;
        c2 += c1 < hi ? 1UL : 0UL;
    }

    /// <summary>(c1, c0) += a * b for the top column, whose sum fits in 128 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MulAcc2(ulong a, ulong b, ref ulong c0, ref ulong c1)
    {
        var hi = MulHigh(a, b);
        var lo = a * b;
        c0 += lo;
        c1 += hi + (c0 < lo ? 1UL : 0UL);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static FieldElement Reduce(ulong t0, ulong t1, ulong t2, ulong t3, ulong t4, ulong t5, ulong t6, ulong t7)
    {
        // hi * 2^256 + lo = hi * C + lo (mod p).
        ulong c = 0;
        var r0 = MulAdd(t4, C, t0, ref c);
        var r1 = MulAdd(t5, C, t1, ref c);
        var r2 = MulAdd(t6, C, t2, ref c);
        var r3 = MulAdd(t7, C, t3, ref c);
        var hi = MulHigh(c, C); // c < 2^34, so c*C < 2^67.
        var lo = c * C;
        c = 0;
        r0 = Adc(r0, lo, ref c);
        r1 = Adc(r1, hi, ref c);
        r2 = Adc(r2, 0, ref c);
        r3 = Adc(r3, 0, ref c);
        if (c != 0)
        {
            // The wrapped value is below 2^68, so adding C once more cannot overflow.
            c = 0;
            r0 = Adc(r0, C, ref c);
            r1 = Adc(r1, 0, ref c);
            r2 = Adc(r2, 0, ref c);
            r3 += c;
        }
        return new FieldElement(r0, r1, r2, r3);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static FieldElement SquareN(FieldElement a, int n)
    {
        for (var i = 0; i < n; i++)
        {
            a = Square(a);
        }
        return a;
    }

    /// <summary>Computes a^(2^k - 1) for the shared prefix of the inverse and square-root chains.</summary>
    private static void Chain(in FieldElement a, out FieldElement x2, out FieldElement x22, out FieldElement x223)
    {
        x2 = Mul(Square(a), a);
        var x3 = Mul(Square(x2), a);
        var x6 = Mul(SquareN(x3, 3), x3);
        var x9 = Mul(SquareN(x6, 3), x3);
        var x11 = Mul(SquareN(x9, 2), x2);
        x22 = Mul(SquareN(x11, 11), x11);
        var x44 = Mul(SquareN(x22, 22), x22);
        var x88 = Mul(SquareN(x44, 44), x44);
        var x176 = Mul(SquareN(x88, 88), x88);
        var x220 = Mul(SquareN(x176, 44), x44);
        x223 = Mul(SquareN(x220, 3), x3);
    }

    private static readonly U256 PLimbs = new(0xFFFFFFFEFFFFFC2FUL, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue);

    private static readonly ulong PNegInv = ModInverse.NegInverse64(0xFFFFFFFEFFFFFC2FUL);

    /// <summary>1/a by the binary extended Euclidean algorithm; variable time, so for public values only. 0 maps to 0.</summary>
    public static FieldElement InvertVartime(in FieldElement a)
    {
        var n = a.Normalize();
        var x = ModInverse.Vartime(new U256(n.N0, n.N1, n.N2, n.N3), PLimbs, PNegInv);
        return new FieldElement(x.L0, x.L1, x.L2, x.L3);
    }

    /// <summary>A square root a^((p+1)/4) (p = 3 mod 4); false when a is not a square.</summary>
    public static bool TrySqrt(in FieldElement a, out FieldElement root)
    {
        // (p + 1) / 4 in binary: 223 ones, 0, 22 ones, 000011, 00.
        Chain(a, out var x2, out var x22, out var x223);
        var t = Mul(SquareN(x223, 23), x22);
        t = Mul(SquareN(t, 6), x2);
        root = SquareN(t, 2);
        return Square(root).EqualsValue(a);
    }
}
