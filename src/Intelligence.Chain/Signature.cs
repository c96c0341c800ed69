using System.Diagnostics.CodeAnalysis;

namespace Intelligence.Chain;

/// <summary>
/// A recoverable secp256k1 signature: r, s (32 bytes each, big-endian) and the recovery id (0 or 1, the parity
/// of R's y). Serialised as 65 bytes r || s || v with v = 27 + recovery id, as EIP-191 tools use.
/// </summary>
public sealed class Signature : IEquatable<Signature>
{
    /// <summary>Serialised length in bytes.</summary>
    public const int Length = 65;

    private readonly byte[] _r;
    private readonly byte[] _s;

    /// <summary>Creates a signature from r, s and a recovery id of 0 or 1.</summary>
    public Signature(ReadOnlySpan<byte> r, ReadOnlySpan<byte> s, int recoveryId)
    {
        if (r.Length != 32 || s.Length != 32)
        {
            throw new ChainFormatException("r and s are 32 bytes each.");
        }
        if (recoveryId is not (0 or 1))
        {
            throw new ChainFormatException($"The recovery id is 0 or 1, got {recoveryId}.");
        }
        _r = r.ToArray();
        _s = s.ToArray();
        RecoveryId = recoveryId;
    }

    /// <summary>r, 32 big-endian bytes.</summary>
    public ReadOnlySpan<byte> R => _r;

    /// <summary>s, 32 big-endian bytes.</summary>
    public ReadOnlySpan<byte> S => _s;

    /// <summary>0 or 1: the parity of the y coordinate of the nonce point.</summary>
    public int RecoveryId { get; }

    /// <summary>27 + recovery id, the v of EIP-191 / eth_sign signatures.</summary>
    public byte V => (byte)(27 + RecoveryId);

    /// <summary>True when s is in the lower half of the group order (EIP-2); this library only produces such signatures.</summary>
    public bool IsLowS => _s.AsSpan().SequenceCompareTo(HalfOrder) <= 0;

    // n / 2 (rounded down) for the secp256k1 group order n: s above it is the high twin of a valid signature.
    private static ReadOnlySpan<byte> HalfOrder =>
    [
        0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0x5D, 0x57, 0x6E, 0x73, 0x57, 0xA4, 0x50, 0x1D, 0xDF, 0xE9, 0x2F, 0x46, 0x68, 0x1B, 0x20, 0xA0,
    ];

    /// <summary>Reads 65 bytes r || s || v, with v one of 0, 1, 27, 28.</summary>
    public static Signature FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ChainFormatException($"A signature is {Length} bytes (r || s || v), got {bytes.Length}.");
        }
        var v = bytes[64];
        var id = v switch
        {
            0 or 27 => 0,
            1 or 28 => 1,
            _ => throw new ChainFormatException($"Signature v must be 0, 1, 27 or 28, got {v}."),
        };
        return new Signature(bytes[..32], bytes.Slice(32, 32), id);
    }

    /// <summary>Parses 0x-prefixed hex of 65 bytes.</summary>
    public static Signature Parse(string hex) => FromBytes(Hex.Decode(hex, Length, "A signature"));

    /// <summary>
    /// Accepts exactly what <see cref="Parse"/> accepts (65 bytes of hex, 0x prefix optional, v one of 0, 1, 27, 28)
    /// without throwing or an intermediate array: for untrusted input on a hot path, such as a request header.
    /// </summary>
    public static bool TryParse(string? hex, [NotNullWhen(true)] out Signature? signature)
    {
        signature = null;
        if (hex is null)
        {
            return false;
        }

        var digits = Hex.StripPrefix(hex);
        Span<byte> bytes = stackalloc byte[Length];
        if (digits.Length != 2 * Length ||
            Convert.FromHexString(digits, bytes, out _, out var written) != System.Buffers.OperationStatus.Done ||
            written != Length ||
            bytes[64] is not (0 or 1 or 27 or 28))
        {
            return false;
        }

        signature = FromBytes(bytes);
        return true;
    }

    /// <summary>The 65 bytes r || s || v with v = 27 + recovery id.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Length];
        _r.CopyTo(bytes, 0);
        _s.CopyTo(bytes, 32);
        bytes[64] = V;
        return bytes;
    }

    /// <summary>0x hex of <see cref="ToBytes"/>, the form cast prints (132 characters, written in place).</summary>
    public string ToHex() => string.Create(2 + (2 * Length), this, static (chars, signature) =>
    {
        chars[0] = '0';
        chars[1] = 'x';
        Convert.TryToHexStringLower(signature._r, chars.Slice(2, 64), out _);
        Convert.TryToHexStringLower(signature._s, chars.Slice(66, 64), out _);
        Convert.TryToHexStringLower([signature.V], chars.Slice(130, 2), out _);
    });

    /// <inheritdoc />
    public override string ToString() => ToHex();

    /// <inheritdoc />
    public bool Equals(Signature? other) =>
        other is not null && RecoveryId == other.RecoveryId && _r.AsSpan().SequenceEqual(other._r) && _s.AsSpan().SequenceEqual(other._s);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Signature);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(BitConverter.ToInt64(_r, 0), BitConverter.ToInt64(_s, 0), RecoveryId);
}
