namespace Intelligence.Chain.Tests;

public class KeccakTests
{
    [Fact]
    public void Hash_EmptyInput_MatchesKnownDigest()
    {
        Assert.Equal("0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470", Hex.Encode(Keccak256.Hash([])));
    }

    [Fact]
    public void Hash_ReusedPerThreadDigest_AgreesWithNethereumAcrossBlockBoundaries()
    {
        // Keccak256 keeps one digest per thread; every length around the 136-byte rate, hashed one after another,
        // must equal Nethereum.Util's fresh-object hash (so no state leaks from one call into the next).
        var rng = new Random(1234);
        for (var length = 0; length < 700; length++)
        {
            var data = new byte[length];
            rng.NextBytes(data);
            Assert.Equal(Nethereum.Util.Sha3Keccack.Current.CalculateHash(data), Keccak256.Hash(data));
        }
    }

    [Fact]
    public void Hash_RandomInputs_MatchesCastKeccak()
    {
        var rng = new Random(99);
        foreach (var length in new[] { 1, 32, 135, 136, 137, 300 })
        {
            var data = new byte[length];
            rng.NextBytes(data);
            Assert.Equal(Tools.RunCast("keccak", Hex.Encode(data)), Hex.Encode(Keccak256.Hash(data)));
        }
    }

    [Fact]
    public void Hash_OutputTooShort_Throws()
    {
        Assert.Throws<ArgumentException>(() => Keccak256.Hash([1, 2], new byte[31]));
    }
}
