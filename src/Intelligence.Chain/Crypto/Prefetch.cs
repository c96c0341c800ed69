using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Intelligence.Chain.Crypto;

/// <summary>
/// Cache prefetch for the next lookup in a large point table (the combs): a table entry is 64 bytes and can span two
/// cache lines; fetching it while the current point addition runs hides a miss that the addition would otherwise
/// wait for. A hint only: it changes no result.
/// </summary>
internal static class Prefetch
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Entry(AffinePoint[] table, int index)
    {
        if (Sse.IsSupported)
        {
            var p = (byte*)Unsafe.AsPointer(ref table[index]);
            Sse.Prefetch0(p);
            Sse.Prefetch0(p + sizeof(AffinePoint) - 1);
        }
    }
}
