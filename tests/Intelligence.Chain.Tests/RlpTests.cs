using System.Numerics;
using Intelligence.Chain.Rlp;

namespace Intelligence.Chain.Tests;

public class RlpTests
{
    private static RlpItem RandomItem(Random rng, int depth)
    {
        if (depth > 3 || rng.Next(3) > 0)
        {
            var length = rng.Next(4) switch { 0 => 0, 1 => 1, 2 => rng.Next(2, 56), _ => rng.Next(56, 300) };
            var bytes = new byte[length];
            rng.NextBytes(bytes);
            return new RlpString(bytes);
        }
        var count = rng.Next(0, 6);
        return new RlpList(Enumerable.Range(0, count).Select(_ => RandomItem(rng, depth + 1)).ToList());
    }

    private static string ToCastJson(RlpItem item) => item switch
    {
        RlpString s => "\"" + Hex.Encode(s.Value) + "\"",
        RlpList l => "[" + string.Join(",", l.Items.Select(ToCastJson)) + "]",
        _ => throw new InvalidOperationException(),
    };

    private static void AssertSame(RlpItem expected, RlpItem actual)
    {
        switch (expected)
        {
            case RlpString s:
                Assert.Equal(s.Value, actual.AsString().Value);
                break;
            case RlpList l:
                var other = actual.AsList();
                Assert.Equal(l.Count, other.Count);
                for (var i = 0; i < l.Count; i++)
                {
                    AssertSame(l[i], other[i]);
                }
                break;
        }
    }

    [Theory]
    [InlineData("", "0x80")]
    [InlineData("0x00", "0x00")]
    [InlineData("0x7f", "0x7f")]
    [InlineData("0x80", "0x8180")]
    [InlineData("0x646f67", "0x83646f67")]
    public void Encode_StringVectors_MatchYellowPaper(string value, string expected)
    {
        Assert.Equal(expected, Hex.Encode(RlpCodec.Encode(RlpItem.Bytes(Hex.Decode(value)))));
    }

    [Fact]
    public void Encode_IntegersAndNestedLists_MatchKnownEncodings()
    {
        Assert.Equal("0x80", Hex.Encode(RlpCodec.Encode(RlpItem.Integer(0))));
        Assert.Equal("0x820400", Hex.Encode(RlpCodec.Encode(RlpItem.Integer(1024))));
        // The set-theoretic representation of three: [ [], [[]], [ [], [[]] ] ].
        var three = RlpItem.List(RlpItem.List(), RlpItem.List(RlpItem.List()), RlpItem.List(RlpItem.List(), RlpItem.List(RlpItem.List())));
        Assert.Equal("0xc7c0c1c0c3c0c1c0", Hex.Encode(RlpCodec.Encode(three)));
        var longString = RlpItem.Bytes(new byte[56]);
        Assert.Equal("0xb838", Hex.Encode(RlpCodec.Encode(longString)[..2]));
    }

    [Fact]
    public void RoundTrip_RandomTrees_DecodeToTheSameTree()
    {
        var rng = new Random(11);
        for (var i = 0; i < 500; i++)
        {
            var item = RandomItem(rng, 0);
            var encoded = RlpCodec.Encode(item);
            Assert.Equal(encoded.Length, RlpCodec.EncodedLength(item));
            AssertSame(item, RlpCodec.Decode(encoded));
        }
    }

    [Fact]
    public void Encode_RandomTrees_MatchesCastToRlp()
    {
        var rng = new Random(12);
        for (var i = 0; i < 8; i++)
        {
            var item = RandomItem(rng, 0) is RlpList l ? l : RlpItem.List(RandomItem(rng, 1), RandomItem(rng, 1));
            Assert.Equal(Tools.RunCast("to-rlp", ToCastJson(item)), Hex.Encode(RlpCodec.Encode(item)));
        }
    }

    [Theory]
    [InlineData("0x", "end of RLP input")]
    [InlineData("0x8100", "Single byte")]
    [InlineData("0xb80100", "non-canonical")]
    [InlineData("0xb90001" , "leading zero")]
    [InlineData("0x83646f", "only 2 remain")]
    [InlineData("0xc3010203ff", "trailing")]
    [InlineData("0xbf0102030405060708", "larger than")]
    [InlineData("0xc2c1", "remain")]
    public void Decode_MalformedInput_ThrowsRlpException(string hex, string message)
    {
        var ex = Assert.Throws<RlpException>(() => RlpCodec.Decode(Hex.Decode(hex)));
        Assert.Contains(message, ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Decode_DeepNesting_IsRejectedNotStackOverflow()
    {
        RlpItem item = RlpItem.List();
        for (var i = 0; i < 100; i++)
        {
            item = RlpItem.List(item);
        }
        var bytes = RlpCodec.Encode(item);
        Assert.Contains("nesting", Assert.Throws<RlpException>(() => RlpCodec.Decode(bytes)).Message);
    }

    [Fact]
    public void ToBigInteger_LeadingZero_IsRejected()
    {
        Assert.Throws<RlpException>(() => new RlpString([0, 1]).ToBigInteger());
        Assert.Equal(new BigInteger(258), new RlpString([1, 2]).ToBigInteger());
        Assert.Throws<RlpException>(() => new RlpString(new byte[9]).ToUInt64());
    }
}
