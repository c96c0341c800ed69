using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Intelligence.Chain.Crypto;

/// <summary>
/// HMAC-SHA256 with a 32-byte key, for RFC 6979 nonces. The key's two padded blocks are compressed once
/// (<see cref="Key"/>), so a MAC of a short message costs two or three SHA-256 compressions and no call into the
/// platform library (whose per-call set-up cost more than the hashing: ~2.6 us per MAC against ~0.7 us here).
/// SHA-256 as in FIPS 180-4; checked against <see cref="HMACSHA256"/> in the tests.
/// </summary>
internal static class HmacSha256
{
    public const int Length = 32;
    private const int Block = 64;

    /// <summary>FIPS 180-4 section 5.3.3: the initial hash value.</summary>
    private static ReadOnlySpan<uint> Initial => [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

    /// <summary>FIPS 180-4 section 4.2.2: the 64 round constants.</summary>
    private static ReadOnlySpan<uint> RoundConstants =>
    [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    /// <summary>The chaining values after (key XOR ipad) and after (key XOR opad): 16 words.</summary>
    [InlineArray(16)]
    public struct Key
    {
        private uint _word;

        /// <summary>Compresses the key's two padded blocks.</summary>
        public static Key Create(ReadOnlySpan<byte> key32)
        {
            if (key32.Length != Length)
            {
                throw new ArgumentException("The key must be 32 bytes.", nameof(key32));
            }

            var result = default(Key);
            Span<uint> words = result;
            Span<byte> pad = stackalloc byte[Block];
            PaddedKey(key32, 0x36, pad);
            Initial.CopyTo(words[..8]);
            Compress(words[..8], pad);
            PaddedKey(key32, 0x5c, pad);
            Initial.CopyTo(words[8..]);
            Compress(words[8..], pad);
            CryptographicOperations.ZeroMemory(pad);
            return result;
        }

        private static void PaddedKey(ReadOnlySpan<byte> key32, byte pad, Span<byte> block)
        {
            block.Fill(pad);
            for (var i = 0; i < key32.Length; i++)
            {
                block[i] ^= key32[i];
            }
        }
    }

    /// <summary>HMAC(key, message) into <paramref name="mac"/> (32 bytes; may overlap the message).</summary>
    public static void Mac(in Key key, ReadOnlySpan<byte> message, Span<byte> mac)
    {
        ReadOnlySpan<uint> words = key;
        Span<uint> state = stackalloc uint[8];
        Span<byte> inner = stackalloc byte[Length];
        words[..8].CopyTo(state);
        Finish(state, message, inner);
        words[8..].CopyTo(state);
        Finish(state, inner, mac);
        CryptographicOperations.ZeroMemory(inner);
        state.Clear();
    }

    /// <summary>Hashes the rest of a message whose first block is already in <paramref name="state"/>.</summary>
    private static void Finish(Span<uint> state, ReadOnlySpan<byte> rest, Span<byte> digest)
    {
        var total = (ulong)(Block + rest.Length) * 8;
        while (rest.Length >= Block)
        {
            Compress(state, rest[..Block]);
            rest = rest[Block..];
        }

        // The tail, 0x80, zeros and the 64-bit length: one block, or two when the tail leaves no room for the length.
        Span<byte> last = stackalloc byte[2 * Block];
        last.Clear();
        rest.CopyTo(last);
        last[rest.Length] = 0x80;
        var blocks = rest.Length + 9 <= Block ? 1 : 2;
        BinaryPrimitives.WriteUInt64BigEndian(last.Slice((blocks * Block) - 8, 8), total);
        for (var b = 0; b < blocks; b++)
        {
            Compress(state, last.Slice(b * Block, Block));
        }
        CryptographicOperations.ZeroMemory(last);

        for (var i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(digest.Slice(i * 4, 4), state[i]);
        }
    }

    /// <summary>FIPS 180-4 section 6.2.2: one block into the chaining value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Compress(Span<uint> state, ReadOnlySpan<byte> block)
    {
        Span<uint> w = stackalloc uint[64];
        for (var t = 0; t < 16; t++)
        {
            w[t] = BinaryPrimitives.ReadUInt32BigEndian(block.Slice(t * 4, 4));
        }
        for (var t = 16; t < 64; t++)
        {
            var x = w[t - 15];
            var y = w[t - 2];
            var s0 = BitOperations.RotateRight(x, 7) ^ BitOperations.RotateRight(x, 18) ^ (x >> 3);
            var s1 = BitOperations.RotateRight(y, 17) ^ BitOperations.RotateRight(y, 19) ^ (y >> 10);
            w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }

        uint a = state[0], b = state[1], c = state[2], d = state[3], e = state[4], f = state[5], g = state[6], h = state[7];
        var k = RoundConstants;
        for (var t = 0; t < 64; t++)
        {
            var t1 = h + (BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25))
                + ((e & f) ^ (~e & g)) + k[t] + w[t];
            var t2 = (BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22))
                + ((a & b) ^ (a & c) ^ (b & c));
            h = g;
            g = f;
            f = e;
            e = d + t1;
            d = c;
            c = b;
            b = a;
            a = t1 + t2;
        }

        state[0] += a;
        state[1] += b;
        state[2] += c;
        state[3] += d;
        state[4] += e;
        state[5] += f;
        state[6] += g;
        state[7] += h;
        w.Clear();
    }
}
