using System.Runtime.CompilerServices;

namespace Intelligence.Chain.Crypto;

/// <summary>
/// u*Q for one public key Q and public scalars u, with a signed-digit comb: u = sum of d_i 64^i with digits d_i in
/// [-32, 32], and row i of the table holds j*64^i*Q for j = 1..32, so u*Q is at most 43 mixed additions and no
/// doublings (the wNAF path needs about 128 doublings and 28 additions per half of a GLV split).
/// <para>
/// Meant for keys that verify again and again (a validator calling a miner, a miner answering a validator): the
/// table is 1,376 affine points (86 KiB) and takes about a millisecond to build. Variable-time: only for public
/// scalars (signature verification), never for secrets.
/// </para>
/// </summary>
internal sealed class KeyComb
{
    private const int Width = 6;
    private const int Half = 1 << (Width - 1);

    /// <summary>Digits for any value below 2^256: the last row also takes the carry out of bit 255.</summary>
    internal const int Rows = (256 / Width) + 1;

    /// <summary>Row-major: j*64^i*Q at i * 32 + (j - 1).</summary>
    private readonly AffinePoint[] _table;

    public KeyComb(in AffinePoint q)
    {
        var jac = new JacobianPoint[Rows * Half];
        var rowBase = JacobianPoint.FromAffine(q);
        for (var i = 0; i < Rows; i++)
        {
            var row = i * Half;
            jac[row] = rowBase;
            jac[row + 1] = Secp256k1.Double(rowBase);
            for (var j = 2; j < Half; j++)
            {
                jac[row + j] = Secp256k1.Add(jac[row + j - 1], rowBase);
            }

            // 64 times the row's base is twice its last entry (32 times the base).
            rowBase = Secp256k1.Double(jac[row + Half - 1]);
        }

        // n is prime and no entry's multiplier j*64^i is a multiple of it, so none is the point at infinity.
        _table = Secp256k1.BatchToAffine(jac);
    }

    /// <summary>acc + u*Q for a public scalar u below n.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public JacobianPoint MulAdd(JacobianPoint acc, in Scalar u)
    {
        Span<sbyte> digits = stackalloc sbyte[Rows];
        Recode(u, digits);
        var table = _table;
        for (var i = 0; i < Rows; i++)
        {
            var d = digits[i];
            if (i + 1 < Rows && digits[i + 1] != 0)
            {
                Prefetch.Entry(table, ((i + 1) * Half) + Math.Abs(digits[i + 1]) - 1);
            }

            if (d > 0)
            {
                acc = Secp256k1.AddMixed(acc, table[(i * Half) + d - 1]);
            }
            else if (d < 0)
            {
                acc = Secp256k1.AddMixed(acc, table[(i * Half) - d - 1].Negate());
            }
        }
        return acc;
    }

    /// <summary>Signed base-64 digits of u, least significant first: each in [-32, 32], with sum d_i 64^i = u.</summary>
    internal static void Recode(in Scalar u, Span<sbyte> digits)
    {
        var carry = 0;
        for (var i = 0; i < Rows; i++)
        {
            var d = Bits(u, i * Width) + carry;
            carry = d > Half ? 1 : 0;
            digits[i] = (sbyte)(d - (carry << Width));
        }
    }

    /// <summary>The 6 bits of u from bit <paramref name="position"/> up (zeros past bit 255).</summary>
    private static int Bits(in Scalar u, int position)
    {
        var limb = position >> 6;
        var offset = position & 63;
        var value = Limb(u, limb) >> offset;
        if (offset > 64 - Width && limb < 3)
        {
            value |= Limb(u, limb + 1) << (64 - offset);
        }
        return (int)(value & ((1UL << Width) - 1));
    }

    private static ulong Limb(in Scalar u, int i) => i switch { 0 => u.N0, 1 => u.N1, 2 => u.N2, _ => u.N3 };
}
