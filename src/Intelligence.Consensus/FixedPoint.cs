namespace Intelligence.Consensus;

/// <summary>
/// The unsigned fixed-point arithmetic of docs/consensus.md: Q32 fractions (<c>x / 2^32</c>) in <see cref="ulong"/>,
/// parts-per-million hyperparameters, floor division everywhere.
/// </summary>
public static class FixedPoint
{
    /// <summary>Number of fractional bits of a Q32 value.</summary>
    public const int FractionBits = 32;

    /// <summary>The Q32 representation of 1 (<c>2^32</c>).</summary>
    public const ulong One = 1UL << FractionBits;

    /// <summary>Parts per million: the denominator of ppm-encoded hyperparameters.</summary>
    public const uint Ppm = 1_000_000;

    /// <summary>Largest u16 weight or bond.</summary>
    public const ulong U16Max = ushort.MaxValue;

    /// <summary>Exclusive upper bound of any amount (stake, emission, sums of stakes): <c>2^96</c>.</summary>
    public static readonly UInt128 AmountLimit = UInt128.One << 96;

    /// <summary><c>floor(a * b / 2^32)</c> for Q32 values <c>a, b &lt;= One</c>.</summary>
    public static ulong MulQ(ulong a, ulong b) => a == One ? b : (a * b) >> FractionBits;

    /// <summary><c>floor(x * 2^32 / sum)</c> for <c>0 &lt; sum &lt;= One</c> and <c>x &lt;= sum</c>.</summary>
    public static ulong DivQ(ulong x, ulong sum) => x >= sum ? One : (x << FractionBits) / sum;

    /// <summary>Normalises Q32 values in place so they sum to at most One (all zero when the sum is zero).</summary>
    /// <remarks>Requires the sum of <paramref name="values"/> to be at most One, as every caller in the epoch guarantees.</remarks>
    public static void NormalizeInPlace(Span<ulong> values)
    {
        ulong sum = Sum(values);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = sum == 0 ? 0 : DivQ(values[i], sum);
        }
    }

    /// <summary>Sum of the values (callers guarantee it fits in 64 bits).</summary>
    public static ulong Sum(ReadOnlySpan<ulong> values)
    {
        ulong sum = 0;
        foreach (ulong v in values)
        {
            sum += v;
        }
        return sum;
    }

    /// <summary><c>floor(amount * ppm / 10^6)</c>.</summary>
    public static UInt128 FractionOf(UInt128 amount, uint ppm) => amount * ppm / Ppm;

    /// <summary><c>floor(amount * 2^32 / total)</c> for <c>amount &lt;= total &lt; 2^96</c>; zero when total is zero.</summary>
    public static ulong AmountToQ(UInt128 amount, UInt128 total) => total == UInt128.Zero ? 0 : (ulong)((amount << FractionBits) / total);

    /// <summary>The exact decimal value of <c>q / 2^32</c> (e.g. <c>0.5</c>), trailing zeros removed.</summary>
    public static string ToDecimalString(ulong q)
    {
        if (q >= One)
        {
            return q == One ? "1" : throw new ArgumentOutOfRangeException(nameof(q), q, "a Q32 fraction is at most 2^32");
        }
        if (q == 0)
        {
            return "0";
        }
        // q / 2^32 = q * 5^32 / 10^32: exactly 32 decimal digits after the point.
        UInt128 scaled = q * Pow5To32;
        string digits = scaled.ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(32, '0').TrimEnd('0');
        return "0." + digits;
    }

    private static readonly UInt128 Pow5To32 = UInt128.Parse("23283064365386962890625", System.Globalization.CultureInfo.InvariantCulture);
}
