using System.Security.Cryptography;
using Intelligence.Chain.Crypto;

namespace Intelligence.Chain.Tests;

/// <summary>The RFC 6979 HMAC against the platform's HMACSHA256.</summary>
public class HmacSha256Tests
{
    [Fact]
    public void Mac_MatchesThePlatform_ForEveryLengthAcrossThreeBlocks()
    {
        var rng = new Random(6979);
        var key = new byte[32];
        for (var length = 0; length <= 200; length++)
        {
            rng.NextBytes(key);
            var message = new byte[length];
            rng.NextBytes(message);
            var ours = new byte[32];
            HmacSha256.Mac(HmacSha256.Key.Create(key), message, ours);
            Assert.Equal(HMACSHA256.HashData(key, message), ours);
        }
    }

    [Fact]
    public void Mac_OutputMayOverlapTheMessage_AndTheKeyMustBe32Bytes()
    {
        var key = HmacSha256.Key.Create(new byte[32]);
        var v = Enumerable.Repeat((byte)1, 32).ToArray();
        var expected = HMACSHA256.HashData(new byte[32], v);
        HmacSha256.Mac(key, v, v);
        Assert.Equal(expected, v);
        Assert.Throws<ArgumentException>(() => HmacSha256.Key.Create(new byte[31]));
    }
}

/// <summary>The per-thread pool of blinding bytes.</summary>
public class BlindingRandomTests
{
    [Fact]
    public void Fill_NeverRepeatsBytes_AcrossPoolRefills()
    {
        var seen = new HashSet<string>();
        var chunk = new byte[32];
        for (var i = 0; i < 200; i++)
        {
            BlindingRandom.Fill(chunk);
            Assert.True(seen.Add(Convert.ToHexString(chunk)), $"chunk {i} repeated");
        }

        // A request that does not fit in what is left of the pool gets fresh bytes, not a short or wrapped copy.
        var big = new byte[1000];
        BlindingRandom.Fill(big);
        BlindingRandom.Fill(big);
        Assert.True(big.Count(b => b == 0) < 40);
    }
}
