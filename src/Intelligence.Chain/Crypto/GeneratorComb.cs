using System.Runtime.CompilerServices;

namespace Intelligence.Chain.Crypto;

/// <summary>
/// Fixed-base multiplication k*G, built for secret scalars (signing nonces, key derivation) and used for the public
/// u1 of a known-key verification too, with a byte-wise comb:
/// k = sum of d_i 256^i over its 32 bytes, and row i of the table holds d*256^i*G for every byte value d, so
/// k*G is 31 mixed additions and no doublings (about 3x faster than the GLV/wNAF path).
/// <para>
/// Each entry also carries a multiple of an offset point U whose discrete log nobody knows (hashed to the
/// curve): row i adds 2^i U for i &lt; 31 and the last row subtracts (2^31 - 1) U, so the offsets cancel in the
/// sum. No entry is the point at infinity, so every multiplication runs the same 31 additions whatever the
/// bytes of k are: the running time does not reveal the nonce's length or zero bytes (the leak behind
/// Minerva-style lattice attacks). The table index still depends on k, which a process sharing the CPU cache
/// could observe; remote callers see only the fixed sequence of operations.
/// </para>
/// </summary>
internal static class GeneratorComb
{
    private const int Rows = 32;
    private const int Columns = 256;

    /// <summary>Seed of the offset point U, hashed to the curve by try-and-increment.</summary>
    private static ReadOnlySpan<byte> OffsetSeed => "intelligence/secp256k1/comb-offset/v1"u8;

    /// <summary>Row-major: entry (i, d) at i * 256 + d. 8192 affine points, 512 KiB, built on first use.</summary>
    private static readonly AffinePoint[] Table = Build();

    /// <summary>k*G for a scalar below n (any value, secret or not); the point at infinity for k = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static JacobianPoint Mul(in Scalar k)
    {
        var table = Table;
        var acc = JacobianPoint.FromAffine(table[(int)(k.N0 & 0xFF)]);
        var next = Columns + Digit(k, 1);
        for (var i = 1; i < Rows; i++)
        {
            var entry = next;
            if (i + 1 < Rows)
            {
                next = ((i + 1) * Columns) + Digit(k, i + 1);
                Prefetch.Entry(table, next);
            }

            acc = Secp256k1.AddMixed(acc, table[entry]);
        }
        return acc;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Digit(in Scalar k, int i)
    {
        var limb = (i >> 3) switch { 0 => k.N0, 1 => k.N1, 2 => k.N2, _ => k.N3 };
        return (int)((limb >> ((i & 7) * 8)) & 0xFF);
    }

    private static AffinePoint[] Build()
    {
        var u = JacobianPoint.FromAffine(OffsetPoint());
        var jac = new JacobianPoint[Rows * Columns];
        var baseG = JacobianPoint.FromAffine(Secp256k1.G);
        var offset = u;
        for (var i = 0; i < Rows; i++)
        {
            // Row i starts at its offset, 2^i U, or -(2^31 - 1) U = U - 2^31 U in the last row.
            var start = i < Rows - 1 ? offset : Secp256k1.Add(u, Negate(offset));
            jac[i * Columns] = start;
            for (var d = 1; d < Columns; d++)
            {
                jac[(i * Columns) + d] = Secp256k1.Add(jac[(i * Columns) + d - 1], baseG);
            }

            for (var s = 0; s < 8; s++)
            {
                baseG = Secp256k1.Double(baseG);
            }
            offset = Secp256k1.Double(offset);
        }
        return Secp256k1.BatchToAffine(jac);
    }

    private static JacobianPoint Negate(in JacobianPoint p) => new(p.X, FieldElement.Negate(p.Y), p.Z, p.Infinity);

    /// <summary>The first x = keccak(seed) + t (t = 0, 1, ...) on the curve, with the even y.</summary>
    internal static AffinePoint OffsetPoint()
    {
        var x = FieldElement.FromBytes(Keccak256.Hash(OffsetSeed), out _).Normalize();
        while (true)
        {
            var y2 = FieldElement.Add(FieldElement.Mul(FieldElement.Square(x), x), Secp256k1.B);
            if (FieldElement.TrySqrt(y2, out var y))
            {
                y = y.Normalize();
                return new AffinePoint(x, y.IsOdd ? FieldElement.Negate(y).Normalize() : y);
            }
            x = FieldElement.Add(x, FieldElement.One).Normalize();
        }
    }
}
