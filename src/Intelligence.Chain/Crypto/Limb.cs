using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Intelligence.Chain.Crypto;

/// <summary>64-bit limb primitives with explicit carries, shared by the field and scalar arithmetic.</summary>
internal static class Limb
{
    /// <summary>a + b + carry; the carry out (0, 1 or 2 when carry was up to 1) replaces carry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Adc(ulong a, ulong b, ref ulong carry)
    {
        var s = a + b;
        var c1 = s < a ? 1UL : 0UL;
        var s2 = s + carry;
        var c2 = s2 < s ? 1UL : 0UL;
        carry = c1 + c2;
        return s2;
    }

    /// <summary>a - b - borrow; the borrow out replaces borrow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Sbb(ulong a, ulong b, ref ulong borrow)
    {
        var d = a - b;
        var b1 = a < b ? 1UL : 0UL;
        var d2 = d - borrow;
        var b2 = d < borrow ? 1UL : 0UL;
        borrow = b1 + b2;
        return d2;
    }

    /// <summary>High word of a*b (the low word is simply a * b).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MulHigh(ulong a, ulong b) => Bmi2.X64.IsSupported ? Bmi2.X64.MultiplyNoFlags(a, b) : Math.BigMul(a, b, out _);

    /// <summary>Low word of a*b + c + carry; the high word replaces carry (never overflows 128 bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong MulAdd(ulong a, ulong b, ulong c, ref ulong carry)
    {
        ulong hi, lo;
        if (Bmi2.X64.IsSupported)
        {
            // mulx for the high word and imul for the low word keep both in registers; BigMul's out
            // parameter makes the JIT round-trip the low word through the stack.
            hi = Bmi2.X64.MultiplyNoFlags(a, b);
            lo = a * b;
        }
        else
        {
            hi = Math.BigMul(a, b, out lo);
        }
        lo += c;
        hi += lo < c ? 1UL : 0UL;
        lo += carry;
        hi += lo < carry ? 1UL : 0UL;
        carry = hi;
        return lo;
    }
}
