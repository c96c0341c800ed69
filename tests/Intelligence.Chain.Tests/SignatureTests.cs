using System.Numerics;
using System.Text;

namespace Intelligence.Chain.Tests;

public class SignatureTests
{
    private const string AnvilKey0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private static readonly BigInteger N = BigInteger.Parse("0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", System.Globalization.NumberStyles.HexNumber);

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    [Fact]
    public void Address_FromAnvilKey_IsTheKnownChecksummedAddress()
    {
        using var key = PrivateKey.FromHex(AnvilKey0);
        Assert.Equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", key.Address.ToString());
    }

    [Theory]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    [InlineData("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")]
    [InlineData("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB")]
    [InlineData("0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb")]
    public void Address_Eip55Vectors_RoundTrip(string text)
    {
        var address = Address.Parse(text.ToLowerInvariant());
        Assert.Equal(text, address.ToString());
        Assert.Equal(address, Address.Parse(text));
    }

    [Fact]
    public void Address_MixedCaseWithBadChecksum_IsRejected()
    {
        var ex = Assert.Throws<ChainFormatException>(() => Address.Parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"));
        Assert.Contains("checksum", ex.Message);
        Assert.False(Address.TryParse("0x1234", out _));
        Assert.False(Address.TryParse("0xzz00000000000000000000000000000000000000", out _));
        Assert.False(Address.TryParse(null, out _));
    }

    [Fact]
    public void PublicKey_RandomKeys_MatchBouncyCastle()
    {
        var rng = new Random(5);
        for (var i = 0; i < 100; i++)
        {
            var secret = RandomBytes(rng, 32);
            using var key = PrivateKey.FromBytes(secret);
            Assert.Equal(BouncyReference.PublicKey(secret), key.PublicKey.ToArray());
        }
    }

    [Fact]
    public void Address_RandomKeys_MatchCastWalletAddress()
    {
        var rng = new Random(6);
        for (var i = 0; i < 5; i++)
        {
            using var key = PrivateKey.FromBytes(RandomBytes(rng, 32));
            var hex = Hex.Encode(key.ExportBytes());
            Assert.Equal(Tools.RunCast("wallet", "address", "--private-key", hex), key.Address.ToString());
        }
    }

    [Fact]
    public void PrivateKey_OutOfRange_IsRejected()
    {
        Assert.Throws<ChainFormatException>(() => PrivateKey.FromBytes(new byte[32]));
        var n = N.ToByteArray(isUnsigned: true, isBigEndian: true);
        Assert.Throws<ChainFormatException>(() => PrivateKey.FromBytes(n));
        Assert.Throws<ChainFormatException>(() => PrivateKey.FromHex("0x1234"));
        Assert.Throws<ChainFormatException>(() => PrivateKey.FromHex("zz" + new string('0', 62)));
    }

    [Fact]
    public void PrivateKey_ToString_DoesNotRevealTheSecret()
    {
        using var key = PrivateKey.FromHex(AnvilKey0);
        Assert.DoesNotContain("ac0974bec", key.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void SignHash_RandomKeysAndHashes_IsLowSVerifiesAndRecovers()
    {
        var rng = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var secret = RandomBytes(rng, 32);
            var hash = RandomBytes(rng, 32);
            using var key = PrivateKey.FromBytes(secret);
            var sig = key.SignHash(hash);
            Assert.True(sig.IsLowS);
            Assert.True(BouncyReference.Verify(key.PublicKey.ToArray(), hash, sig.R.ToArray(), sig.S.ToArray()));
            Assert.Equal(key.Address, Ecdsa.Recover(hash, sig));
            Assert.Equal(BouncyReference.Recover(hash, sig.R.ToArray(), sig.S.ToArray(), sig.RecoveryId), Ecdsa.RecoverPublicKey(hash, sig));

            // The same RFC 6979 nonce as BouncyCastle's signer, up to the low-s flip.
            var (r, s) = BouncyReference.Sign(secret, hash);
            Assert.Equal(r, sig.R.ToArray());
            var sBig = new BigInteger(s, isUnsigned: true, isBigEndian: true);
            var expectedS = sBig > N / 2 ? N - sBig : sBig;
            Assert.Equal(expectedS, new BigInteger(sig.S, isUnsigned: true, isBigEndian: true));
        }
    }

    [Fact]
    public void Recover_BouncyCastleSignaturesWithEitherParity_MatchesBouncyCastleRecovery()
    {
        var rng = new Random(8);
        for (var i = 0; i < 100; i++)
        {
            var secret = RandomBytes(rng, 32);
            var hash = RandomBytes(rng, 32);
            var (r, s) = BouncyReference.Sign(secret, hash);
            var expected = BouncyReference.PublicKey(secret);
            var found = false;
            for (var id = 0; id < 2; id++)
            {
                var ours = Ecdsa.RecoverPublicKey(hash, new Signature(r, s, id), allowHighS: true);
                Assert.Equal(BouncyReference.Recover(hash, r, s, id), ours);
                found |= ours.AsSpan().SequenceEqual(expected);
            }
            Assert.True(found);
        }
    }

    [Fact]
    public void Recover_InvalidSignatures_ThrowTyped()
    {
        var hash = Keccak256.Hash("x"u8);
        using var key = PrivateKey.FromHex(AnvilKey0);
        var good = key.SignHash(hash);
        var zero = new byte[32];
        Assert.Throws<InvalidSignatureException>(() => Ecdsa.Recover(hash, new Signature(zero, good.S, 0)));
        Assert.Throws<InvalidSignatureException>(() => Ecdsa.Recover(hash, new Signature(good.R, zero, 0)));
        var n = N.ToByteArray(isUnsigned: true, isBigEndian: true);
        Assert.Throws<InvalidSignatureException>(() => Ecdsa.Recover(hash, new Signature(n, good.S, 0)));
        // x = 5 has no point on the curve (5^3 + 7 = 132 is not a square mod p).
        var five = new byte[32];
        five[31] = 5;
        Assert.Throws<InvalidSignatureException>(() => Ecdsa.Recover(hash, new Signature(five, good.S, 0)));
        var highS = (N - new BigInteger(good.S, isUnsigned: true, isBigEndian: true)).ToByteArray(isUnsigned: true, isBigEndian: true).PadLeft32();
        var flipped = new Signature(good.R, highS, good.RecoveryId ^ 1);
        Assert.Throws<InvalidSignatureException>(() => Ecdsa.Recover(hash, flipped));
        Assert.Equal(key.Address, Ecdsa.Recover(hash, flipped, allowHighS: true));
        Assert.Throws<InvalidSignatureException>(() => Ecdsa.Recover(hash, new Signature(good.R, n, 0))); // s = n
        var ff = Enumerable.Repeat((byte)0xff, 32).ToArray();
        Assert.Throws<InvalidSignatureException>(() => Ecdsa.Recover(hash, new Signature(ff, good.S, 0))); // r above n
        // v flipped on a low-s signature recovers someone else (or nothing), never the signer.
        Assert.False(Ecdsa.TryRecover(hash, new Signature(good.R, good.S, good.RecoveryId ^ 1), out var other) && other == key.Address);
        Assert.Throws<ChainFormatException>(() => Signature.FromBytes(new byte[64]));
        Assert.Throws<ChainFormatException>(() => Signature.Parse("0xzz"));
        var badV = good.ToBytes();
        badV[64] = 29;
        Assert.Throws<ChainFormatException>(() => Signature.FromBytes(badV));
    }

    [Fact]
    public void IsLowS_BoundaryIsHalfTheGroupOrder()
    {
        var half = N / 2;
        Signature With(BigInteger sValue) => new(new byte[32], sValue.ToByteArray(isUnsigned: true, isBigEndian: true).PadLeft32(), 0);
        Assert.True(With(half).IsLowS);
        Assert.True(With(BigInteger.One).IsLowS);
        Assert.False(With(half + 1).IsLowS);
        Assert.False(With(N - 1).IsLowS);
    }

    [Fact]
    public void PersonalSign_RandomMessages_MatchCastSignAndVerify()
    {
        var rng = new Random(9);
        for (var i = 0; i < 4; i++)
        {
            using var key = PrivateKey.FromBytes(RandomBytes(rng, 32));
            var message = RandomBytes(rng, 1 + rng.Next(100));
            var keyHex = Hex.Encode(key.ExportBytes());
            var ours = PersonalSign.Sign(key, message);

            var castSig = Signature.Parse(Tools.RunCast("wallet", "sign", "--private-key", keyHex, Hex.Encode(message)));
            Assert.Equal(castSig, ours);
            Assert.Equal(key.Address, PersonalSign.Recover(message, castSig));
            var verified = Tools.RunCast("wallet", "verify", "--address", key.Address.ToString(), Hex.Encode(message), ours.ToHex());
            Assert.StartsWith("Validation succeeded", verified);
        }
    }

    [Fact]
    public void PersonalSign_TextMessage_MatchesCastAndRejectsOtherSigner()
    {
        using var key = PrivateKey.FromHex(AnvilKey0);
        const string text = "hello intelligence";
        var castSig = Signature.Parse(Tools.RunCast("wallet", "sign", "--private-key", AnvilKey0, text));
        Assert.Equal(castSig, PersonalSign.Sign(key, text));
        Assert.True(PersonalSign.Verify(Encoding.UTF8.GetBytes(text), castSig, key.Address));
        Assert.False(PersonalSign.Verify(Encoding.UTF8.GetBytes(text + "!"), castSig, key.Address));
    }
}
