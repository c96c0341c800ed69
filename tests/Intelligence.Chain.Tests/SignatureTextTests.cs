namespace Intelligence.Chain.Tests;

/// <summary>Signature text: ToHex is the hex of ToBytes; TryParse accepts exactly what Parse accepts.</summary>
public sealed class SignatureTextTests
{
    [Fact]
    public void ToHex_EqualsTheHexOfToBytes()
    {
        using var key = PrivateKey.Generate();
        for (var i = 0; i < 200; i++)
        {
            var signature = PersonalSign.Sign(key, Keccak256.Hash(BitConverter.GetBytes(i)));
            var text = signature.ToHex();
            Assert.Equal(Hex.Encode(signature.ToBytes()), text);
            Assert.Equal(2 + (2 * Signature.Length), text.Length);
        }
    }

    [Fact]
    public void TryParse_RoundTripsToHex()
    {
        using var key = PrivateKey.Generate();
        for (var i = 0; i < 200; i++)
        {
            var signature = PersonalSign.Sign(key, Keccak256.Hash(BitConverter.GetBytes(i)));
            Assert.True(Signature.TryParse(signature.ToHex(), out var parsed));
            Assert.Equal(signature, parsed);
        }
    }

    public static TheoryData<string?> Inputs()
    {
        var r = new string('1', 64);
        var s = new string('2', 64);
        return new TheoryData<string?>
        {
            "0x" + r + s + "1b",
            "0x" + r + s + "1c",
            "0X" + r + s + "1B",
            r + s + "1c",
            "0x" + r.ToUpperInvariant() + "aBcDeF" + s[6..] + "00",
            "0x" + r + s + "01",
            null,
            "",
            "0x",
            "0x1234",
            "0x" + r + s + "1",
            "0x" + r + s + "1b00",
            "0x" + r + s,
            "0x" + r + s + "02",
            "0x" + r + s + "1d",
            "0x" + r + s + "ff",
            "0x" + r + s + "1g",
            "0x" + r + s + " 1b",
            " 0x" + r + s + "1b",
            "0x" + r + s + "1b ",
            "0x0x" + r + s[2..] + "1b",
            "0x-" + r + s[1..] + "1b",
            "0x" + r + s[..^2] + "\u00e9\u00e9" + "1b",
        };
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void TryParse_AcceptsExactlyWhatSignatureParseAccepts(string? text)
    {
        var expected = Reference(text);
        Assert.Equal(expected is not null, Signature.TryParse(text, out var parsed));
        Assert.Equal(expected, parsed);
    }

    [Fact]
    public void TryParse_MutatedSignatures_SameAnswerAsSignatureParse()
    {
        using var key = PrivateKey.Generate();
        var random = new Random(7);
        const string alphabet = "0123456789abcdefABCDEFxXgG -\u00e9";
        for (var i = 0; i < 2000; i++)
        {
            var chars = PersonalSign.Sign(key, Keccak256.Hash(BitConverter.GetBytes(i))).ToHex().ToCharArray();
            // Change one or two characters, anywhere (prefix and v included), sometimes drop or add one.
            for (var m = random.Next(1, 3); m > 0; m--)
            {
                chars[random.Next(chars.Length)] = alphabet[random.Next(alphabet.Length)];
            }

            var text = new string(chars);
            text = random.Next(10) switch
            {
                0 => text[..^1],
                1 => text + alphabet[random.Next(alphabet.Length)],
                _ => text,
            };
            var expected = Reference(text);
            Assert.True((expected is not null) == Signature.TryParse(text, out var parsed), text);
            Assert.Equal(expected, parsed);
        }
    }

    private static Signature? Reference(string? text)
    {
        if (text is null)
        {
            return null;
        }

        try
        {
            return Signature.Parse(text);
        }
        catch (ChainException)
        {
            return null;
        }
    }
}
