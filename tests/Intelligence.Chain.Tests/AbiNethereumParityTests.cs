using System.Numerics;
using Intelligence.Chain.Abi;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.Model;

namespace Intelligence.Chain.Tests;

/// <summary>Our ABI codec (kept: docs/chain.md) against Nethereum's encoder, the ecosystem's reference in-process.</summary>
public class AbiNethereumParityTests
{
    [Fact]
    public void Encode_RandomCallArguments_EqualNethereumsEncodingAndDecodeBack()
    {
        string[] types = ["uint16", "address", "uint256", "bytes", "uint16[]", "bytes32", "bool", "string", "int64"];
        var ours = types.Select(AbiType.Parse).ToArray();
        var parameters = types.Select((t, i) => new Parameter(t, "p" + i, i + 1)).ToArray();
        var rng = new Random(77);
        for (var round = 0; round < 200; round++)
        {
            using var key = PrivateKey.Generate();
            var bytes = new byte[rng.Next(0, 100)];
            rng.NextBytes(bytes);
            var word = new byte[32];
            rng.NextBytes(word);
            var uids = Enumerable.Range(0, rng.Next(0, 300)).Select(_ => (ushort)rng.Next(0, 65536)).ToList();
            var big = new BigInteger(word, isUnsigned: true, isBigEndian: true);
            var text = new string(Enumerable.Range(0, rng.Next(0, 70)).Select(_ => (char)rng.Next(32, 0x2FF)).ToArray());
            var flag = rng.Next(2) == 1;
            var signed = rng.NextInt64(long.MinValue, long.MaxValue);
            var netuid = (ushort)rng.Next(0, 65536);

            var mine = AbiCodec.Encode(ours,
                [(BigInteger)netuid, key.Address, big, bytes, uids.Select(u => (object?)(BigInteger)u).ToArray(), word, flag, text, (BigInteger)signed]);
            var theirs = new ParametersEncoder().EncodeParameters(parameters,
                [netuid, key.Address.ToLowerHex(), big, bytes, uids, word, flag, text, signed]);
            Assert.Equal(Convert.ToHexStringLower(theirs), Convert.ToHexStringLower(mine));

            var back = AbiCodec.Decode(ours, theirs);
            Assert.Equal(key.Address, back[1]);
            Assert.Equal(big, back[2]);
            Assert.Equal(bytes, back[3]);
            Assert.Equal(text, back[7]);
            Assert.Equal((BigInteger)signed, back[8]);
        }
    }
}
