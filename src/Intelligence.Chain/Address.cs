using System.Buffers.Binary;

namespace Intelligence.Chain;

/// <summary>A 20-byte Ethereum account address; prints with the EIP-55 mixed-case checksum.</summary>
public readonly struct Address : IEquatable<Address>
{
    /// <summary>Address length in bytes.</summary>
    public const int Length = 20;

    private readonly ulong _a;
    private readonly ulong _b;
    private readonly uint _c;

    /// <summary>The zero address (0x000...0).</summary>
    public static Address Zero => default;

    /// <summary>Creates an address from exactly 20 bytes.</summary>
    public Address(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            throw new ChainFormatException($"An address is {Length} bytes, got {bytes.Length}.");
        }
        _a = BinaryPrimitives.ReadUInt64BigEndian(bytes[..8]);
        _b = BinaryPrimitives.ReadUInt64BigEndian(bytes.Slice(8, 8));
        _c = BinaryPrimitives.ReadUInt32BigEndian(bytes.Slice(16, 4));
    }

    /// <summary>The address of a 64-byte uncompressed public key (x || y): the last 20 bytes of its Keccak-256.</summary>
    public static Address FromPublicKey(ReadOnlySpan<byte> publicKey64)
    {
        if (publicKey64.Length != 64)
        {
            throw new ChainFormatException($"An uncompressed public key is 64 bytes (x || y), got {publicKey64.Length}.");
        }
        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(publicKey64, hash);
        return new Address(hash[12..]);
    }

    /// <summary>Writes the 20 bytes into <paramref name="destination"/>.</summary>
    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination[..8], _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(8, 8), _b);
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(16, 4), _c);
    }

    /// <summary>The 20 bytes.</summary>
    public byte[] ToBytes()
    {
        var bytes = new byte[Length];
        WriteTo(bytes);
        return bytes;
    }

    /// <summary>
    /// Parses 0x + 40 hex digits. All-lower or all-upper input is accepted as is; mixed case must carry a
    /// valid EIP-55 checksum, otherwise a <see cref="ChainFormatException"/> says so.
    /// </summary>
    public static Address Parse(string text)
    {
        if (!TryParse(text, out var address, out var error))
        {
            throw new ChainFormatException(error);
        }
        return address;
    }

    /// <summary>Parses like <see cref="Parse"/> and returns false instead of throwing.</summary>
    public static bool TryParse(string? text, out Address address) => TryParse(text, out address, out _);

    private static bool TryParse(string? text, out Address address, out string error)
    {
        address = default;
        if (text is null || text.Length != 42 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X'))
        {
            error = "An address is 0x followed by 40 hex digits.";
            return false;
        }
        var body = text.AsSpan(2);
        Span<byte> bytes = stackalloc byte[Length];
        if (Convert.FromHexString(body, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != Length)
        {
            error = "An address is 0x followed by 40 hex digits.";
            return false;
        }
        address = new Address(bytes);
        var hasLower = body.ContainsAnyInRange('a', 'f');
        var hasUpper = body.ContainsAnyInRange('A', 'F');
        if (hasLower && hasUpper && !body.SequenceEqual(address.ToChecksumString().AsSpan(2)))
        {
            error = "Address has mixed case but its EIP-55 checksum is wrong (a typo?).";
            address = default;
            return false;
        }
        error = "";
        return true;
    }

    /// <summary>The EIP-55 form: hex digit i is upper-cased when nibble i of keccak(lower-case hex) is 8 or more.</summary>
    public string ToChecksumString()
    {
        Span<byte> bytes = stackalloc byte[Length];
        WriteTo(bytes);
        Span<char> lower = stackalloc char[40];
        Convert.TryToHexStringLower(bytes, lower, out _);
        Span<byte> ascii = stackalloc byte[40];
        for (var i = 0; i < 40; i++)
        {
            ascii[i] = (byte)lower[i];
        }
        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(ascii, hash);
        return string.Create(42, (lower.ToString(), hash.ToArray()), static (dst, state) =>
        {
            dst[0] = '0';
            dst[1] = 'x';
            for (var i = 0; i < 40; i++)
            {
                var c = state.Item1[i];
                var nibble = (i % 2 == 0 ? state.Item2[i / 2] >> 4 : state.Item2[i / 2]) & 0xF;
                dst[i + 2] = c >= 'a' && nibble >= 8 ? char.ToUpperInvariant(c) : c;
            }
        });
    }

    /// <summary>Lower-case 0x hex, as JSON-RPC usually carries it.</summary>
    public string ToLowerHex()
    {
        Span<byte> bytes = stackalloc byte[Length];
        WriteTo(bytes);
        return Hex.Encode(bytes);
    }

    /// <summary>The EIP-55 checksummed form.</summary>
    public override string ToString() => ToChecksumString();

    /// <inheritdoc />
    public bool Equals(Address other) => _a == other._a && _b == other._b && _c == other._c;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Address other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_a, _b, _c);

    /// <summary>Value equality.</summary>
    public static bool operator ==(Address left, Address right) => left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(Address left, Address right) => !left.Equals(right);
}
