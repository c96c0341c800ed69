using System.Numerics;

namespace Intelligence.Chain.Tests;

/// <summary>The cached-key verifier must answer exactly as recovery followed by an address comparison.</summary>
public class SignerKeyCacheTests
{
    private static readonly BigInteger N = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);

    private static bool ByRecovery(byte[] hash, Signature signature, Address signer) =>
        Ecdsa.TryRecover(hash, signature, out var recovered) && recovered == signer;

    private static byte[] Bytes32(BigInteger v) => v.ToByteArray(isUnsigned: true, isBigEndian: true) is var b && b.Length < 32 ? [.. new byte[32 - b.Length], .. b] : v.ToByteArray(isUnsigned: true, isBigEndian: true);

    private static BigInteger Big(ReadOnlySpan<byte> b) => new(b, isUnsigned: true, isBigEndian: true);

    [Fact]
    public void Verify_AgreesWithRecovery_OnGoodAndBadSignatures()
    {
        var rng = new Random(5);
        var keys = Enumerable.Range(0, 4).Select(_ => PrivateKey.Generate()).ToArray();
        var cache = new SignerKeyCache();
        var checkedCases = 0;
        var accepted = 0;
        for (var i = 0; i < 120; i++)
        {
            var key = keys[i % keys.Length];
            var other = keys[(i + 1) % keys.Length];
            var hash = new byte[32];
            rng.NextBytes(hash);
            var good = key.SignHash(hash);
            var r = good.R.ToArray();
            var s = good.S.ToArray();
            var tamperedHash = (byte[])hash.Clone();
            tamperedHash[rng.Next(32)] ^= (byte)(1 << rng.Next(8));
            var randomR = new byte[32];
            rng.NextBytes(randomR);
            var randomS = new byte[32];
            rng.NextBytes(randomS);

            var cases = new List<(byte[] Hash, Signature Signature, Address Signer)>
            {
                (hash, good, key.Address),
                (hash, good, key.Address), // from the cache the second time
                (hash, good, other.Address),
                (tamperedHash, good, key.Address),
                (hash, new Signature(r, s, good.RecoveryId ^ 1), key.Address),
                (hash, new Signature(r, Bytes32(N - Big(s)), good.RecoveryId ^ 1), key.Address), // the high-s twin
                (hash, new Signature(randomR, s, good.RecoveryId), key.Address),
                (hash, new Signature(r, randomS, good.RecoveryId), key.Address),
                (hash, new Signature(new byte[32], s, good.RecoveryId), key.Address),
                (hash, new Signature(r, new byte[32], good.RecoveryId), key.Address),
                (hash, new Signature(Bytes32(N), s, good.RecoveryId), key.Address),
                (hash, new Signature(Bytes32(N + 1), s, good.RecoveryId), key.Address),
            };
            foreach (var (h, signature, signer) in cases)
            {
                var expected = ByRecovery(h, signature, signer);
                Assert.Equal(expected, cache.Verify(h, signature, signer));
                checkedCases++;
                accepted += expected ? 1 : 0;
            }
        }

        Assert.Equal(120 * 12, checkedCases);
        Assert.Equal(240, accepted); // only the two good checks per round
    }

    [Fact]
    public void Verify_RepeatSignersAndWrongClaims_AnswerAsRecoveryDoes()
    {
        var keys = Enumerable.Range(0, 3).Select(_ => PrivateKey.Generate()).ToArray();
        var cache = new SignerKeyCache(capacity: 2);
        var hash = Keccak256.Hash("message"u8);

        Assert.False(cache.Verify(hash, keys[0].SignHash(hash), keys[1].Address));
        for (var round = 0; round < 2; round++)
        {
            foreach (var key in keys)
            {
                Assert.True(cache.Verify(hash, key.SignHash(hash), key.Address));
            }
        }
        Assert.False(cache.Verify(hash, keys[2].SignHash(hash), keys[0].Address));
        Assert.Equal(0, cache.Count); // no keys are kept since verification moved to libsecp256k1
        Assert.Throws<ArgumentOutOfRangeException>(() => new SignerKeyCache(capacity: -1));
    }

    [Fact]
    public void VerifyPersonal_MatchesPersonalSignVerify()
    {
        using var key = PrivateKey.Generate();
        var cache = new SignerKeyCache();
        var message = "intelligence"u8.ToArray();
        var signature = PersonalSign.Sign(key, message);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(cache.VerifyPersonal(message, signature, key.Address));
            Assert.False(cache.VerifyPersonal("intelligencf"u8, signature, key.Address));
        }

        Assert.Throws<ArgumentException>(() => cache.Verify(new byte[31], signature, key.Address));
    }
}
