using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;

using static Intelligence.Chain.Crypto.Limb;

namespace Intelligence.Chain.Crypto;

/// <summary>
/// An integer modulo the secp256k1 group order n, in four 64-bit limbs (little-endian), always fully
/// reduced. Products use Montgomery multiplication (CIOS); the constants are derived at start-up.
/// </summary>
internal readonly struct Scalar
{
    public readonly ulong N0, N1, N2, N3;

    public Scalar(ulong n0, ulong n1, ulong n2, ulong n3)
    {
        N0 = n0; N1 = n1; N2 = n2; N3 = n3;
    }

    /// <summary>The group order n.</summary>
    public static readonly Scalar Order = new(0xBFD25E8CD0364141UL, 0xBAAEDCE6AF48A03BUL, 0xFFFFFFFFFFFFFFFEUL, 0xFFFFFFFFFFFFFFFFUL);

    /// <summary>n / 2, the largest "low" s value.</summary>
    public static readonly Scalar HalfOrder = new(0xDFE92F46681B20A0UL, 0x5D576E7357A4501DUL, 0xFFFFFFFFFFFFFFFFUL, 0x7FFFFFFFFFFFFFFFUL);

    /// <summary>-n^-1 mod 2^64.</summary>
    private static readonly ulong NPrime = ModInverse.NegInverse64(0xBFD25E8CD0364141UL);

    /// <summary>2^512 mod n, to enter the Montgomery domain.</summary>
    private static readonly Scalar R2 = FromBigInteger(BigInteger.ModPow(2, 512, ToBigInteger(Order)));

    public static Scalar Zero => default;

    public bool IsZero => (N0 | N1 | N2 | N3) == 0;

    /// <summary>Reads 32 big-endian bytes without reducing.</summary>
    public static Scalar FromBytesRaw(ReadOnlySpan<byte> b) => new(
        BinaryPrimitives.ReadUInt64BigEndian(b.Slice(24, 8)),
        BinaryPrimitives.ReadUInt64BigEndian(b.Slice(16, 8)),
        BinaryPrimitives.ReadUInt64BigEndian(b.Slice(8, 8)),
        BinaryPrimitives.ReadUInt64BigEndian(b[..8]));

    /// <summary>Reads 32 big-endian bytes reduced mod n (a 256-bit value is below 2n, so one subtraction).</summary>
    public static Scalar FromBytesReduced(ReadOnlySpan<byte> b)
    {
        var s = FromBytesRaw(b);
        return Compare(s, Order) >= 0 ? SubRaw(s, Order) : s;
    }

    public void WriteBytes(Span<byte> b)
    {
        BinaryPrimitives.WriteUInt64BigEndian(b[..8], N3);
        BinaryPrimitives.WriteUInt64BigEndian(b.Slice(8, 8), N2);
        BinaryPrimitives.WriteUInt64BigEndian(b.Slice(16, 8), N1);
        BinaryPrimitives.WriteUInt64BigEndian(b.Slice(24, 8), N0);
    }

    /// <summary>True when 0 &lt; value &lt; n.</summary>
    public bool IsValidNonZero => !IsZero && Compare(this, Order) < 0;

    public bool IsHigh => Compare(this, HalfOrder) > 0;

    public static int Compare(in Scalar a, in Scalar b)
    {
        if (a.N3 != b.N3) return a.N3 < b.N3 ? -1 : 1;
        if (a.N2 != b.N2) return a.N2 < b.N2 ? -1 : 1;
        if (a.N1 != b.N1) return a.N1 < b.N1 ? -1 : 1;
        if (a.N0 != b.N0) return a.N0 < b.N0 ? -1 : 1;
        return 0;
    }



    private static Scalar SubRaw(in Scalar a, in Scalar b)
    {
        ulong br = 0;
        var r0 = Sbb(a.N0, b.N0, ref br);
        var r1 = Sbb(a.N1, b.N1, ref br);
        var r2 = Sbb(a.N2, b.N2, ref br);
        var r3 = Sbb(a.N3, b.N3, ref br);
        return new Scalar(r0, r1, r2, r3);
    }

    /// <summary>(a + b) mod n for reduced inputs.</summary>
    public static Scalar Add(in Scalar a, in Scalar b)
    {
        ulong c = 0;
        var r = new Scalar(Adc(a.N0, b.N0, ref c), Adc(a.N1, b.N1, ref c), Adc(a.N2, b.N2, ref c), Adc(a.N3, b.N3, ref c));
        return c != 0 || Compare(r, Order) >= 0 ? SubRaw(r, Order) : r;
    }

    /// <summary>(-a) mod n.</summary>
    public static Scalar Negate(in Scalar a) => a.IsZero ? a : SubRaw(Order, a);

    /// <summary>Montgomery product a * b / 2^256 mod n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Scalar MontMul(in Scalar a, in Scalar b)
    {
        ulong t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
        ReadOnlySpan<ulong> bl = [b.N0, b.N1, b.N2, b.N3];
        for (var i = 0; i < 4; i++)
        {
            var bi = bl[i];
            ulong c = 0;
            t0 = MulAdd(a.N0, bi, t0, ref c);
            t1 = MulAdd(a.N1, bi, t1, ref c);
            t2 = MulAdd(a.N2, bi, t2, ref c);
            t3 = MulAdd(a.N3, bi, t3, ref c);
            ulong c2 = 0;
            t4 = Adc(t4, c, ref c2);
            var t5 = c2;

            var m = t0 * NPrime;
            c = 0;
            _ = MulAdd(m, Order.N0, t0, ref c);
            t0 = MulAdd(m, Order.N1, t1, ref c);
            t1 = MulAdd(m, Order.N2, t2, ref c);
            t2 = MulAdd(m, Order.N3, t3, ref c);
            c2 = 0;
            t3 = Adc(t4, c, ref c2);
            t4 = t5 + c2;
        }
        var r = new Scalar(t0, t1, t2, t3);
        return t4 != 0 || Compare(r, Order) >= 0 ? SubRaw(r, Order) : r;
    }

    /// <summary>(a * b) mod n for reduced inputs.</summary>
    public static Scalar Mul(in Scalar a, in Scalar b) => MontMul(MontMul(a, R2), b);

    /// <summary>
    /// 1/a mod n by the binary extended Euclidean algorithm (<see cref="ModInverse"/>): its running time
    /// depends on a, so use it for public values only (signing blinds the nonce first).
    /// </summary>
    public static Scalar InvertVartime(in Scalar a)
    {
        var x = ModInverse.Vartime(new U256(a.N0, a.N1, a.N2, a.N3), OrderLimbs, NPrime);
        return new Scalar(x.L0, x.L1, x.L2, x.L3);
    }

    private static readonly U256 OrderLimbs = new(Order.N0, Order.N1, Order.N2, Order.N3);

    public static BigInteger ToBigInteger(in Scalar s)
    {
        Span<byte> b = stackalloc byte[32];
        s.WriteBytes(b);
        return new BigInteger(b, isUnsigned: true, isBigEndian: true);
    }

    public static Scalar FromBigInteger(BigInteger v)
    {
        Span<byte> b = stackalloc byte[32];
        b.Clear();
        var bytes = v.ToByteArray(isUnsigned: true, isBigEndian: true);
        bytes.CopyTo(b[(32 - bytes.Length)..]);
        return FromBytesRaw(b);
    }
}
