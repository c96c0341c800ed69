using System.Diagnostics.CodeAnalysis;
using Intelligence.Chain;

namespace Intelligence.Protocol.Signing;

/// <summary>
/// The signature metadata values (r || s || v as hex) read and written without intermediate arrays or strings.
/// Accepts exactly what <see cref="Signature.Parse"/> accepts and writes what <see cref="Signature.ToHex"/> writes.
/// </summary>
internal static class SignatureHex
{
    /// <summary>Characters of "0x" + 65 bytes of lower-case hex.</summary>
    public const int Length = 2 + (2 * Signature.Length);

    /// <summary>
    /// Parses 65 bytes of hex, 0x prefix optional (either case), digits of either case, v one of 0, 1, 27, 28;
    /// false for anything else.
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out Signature? signature)
    {
        signature = null;
        if (text is null)
        {
            return false;
        }

        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text.AsSpan(2) : text.AsSpan();
        Span<byte> bytes = stackalloc byte[Signature.Length];
        if (digits.Length != 2 * Signature.Length ||
            Convert.FromHexString(digits, bytes, out _, out var written) != System.Buffers.OperationStatus.Done ||
            written != Signature.Length ||
            bytes[64] is not (0 or 1 or 27 or 28))
        {
            return false;
        }

        signature = Signature.FromBytes(bytes);
        return true;
    }

    /// <summary>"0x" + lower-case hex of r || s || v (v = 27/28), 132 characters.</summary>
    public static string Format(Signature signature)
    {
        ArgumentNullException.ThrowIfNull(signature);
        return string.Create(Length, signature, static (chars, sig) =>
        {
            chars[0] = '0';
            chars[1] = 'x';
            Convert.TryToHexStringLower(sig.R, chars.Slice(2, 64), out _);
            Convert.TryToHexStringLower(sig.S, chars.Slice(66, 64), out _);
            Convert.TryToHexStringLower([sig.V], chars.Slice(130, 2), out _);
        });
    }
}
