using System.Globalization;
using System.Numerics;
using Intelligence.Chain.Abi;

namespace Intelligence.Chain.Tests;

public class AbiTests
{
    /// <summary>Random ABI types and values plus the text cast expects for each value.</summary>
    private sealed class Generator(int seed)
    {
        private readonly Random _rng = new(seed);

        public AbiType Type(int depth)
        {
            var pick = _rng.Next(depth > 1 ? 7 : 10);
            switch (pick)
            {
                case 0:
                    return new AbiInteger(8 * _rng.Next(1, 33), false);
                case 1:
                    return new AbiInteger(8 * _rng.Next(1, 33), true);
                case 2:
                    return AbiType.Parse("address");
                case 3:
                    return AbiType.Parse("bool");
                case 4:
                    return AbiType.Parse("bytes");
                case 5:
                    return AbiType.Parse("bytes" + _rng.Next(1, 33).ToString(CultureInfo.InvariantCulture));
                case 6:
                    return AbiType.Parse("string");
                case 7:
                    return new AbiArray(Type(depth + 1));
                case 8:
                    return new AbiFixedArray(Type(depth + 1), _rng.Next(1, 4));
                default:
                    return new AbiTuple(Enumerable.Range(0, _rng.Next(1, 4)).Select(_ => Type(depth + 1)).ToArray());
            }
        }

        public (object? Value, string Cast) Value(AbiType type)
        {
            switch (type)
            {
                case AbiInteger i:
                {
                    var bits = _rng.Next(1, i.Bits + 1);
                    var bytes = new byte[(i.Bits / 8) + 1];
                    _rng.NextBytes(bytes);
                    var magnitude = new BigInteger(bytes, isUnsigned: true) % (BigInteger.One << (i.Signed ? Math.Min(bits, i.Bits - 1) : bits));
                    var v = i.Signed && _rng.Next(2) == 0 ? -magnitude - (_rng.Next(2) == 0 ? 0 : 0) : magnitude;
                    return (v, v.ToString(CultureInfo.InvariantCulture));
                }
                case AbiAddress:
                {
                    var b = new byte[20];
                    _rng.NextBytes(b);
                    var a = new Address(b);
                    return (a, a.ToString());
                }
                case AbiBool:
                {
                    var v = _rng.Next(2) == 0;
                    return (v, v ? "true" : "false");
                }
                case AbiFixedBytes fb:
                {
                    var b = new byte[fb.Length];
                    _rng.NextBytes(b);
                    return (b, Hex.Encode(b));
                }
                case AbiBytes:
                {
                    var b = new byte[_rng.Next(0, 70)];
                    _rng.NextBytes(b);
                    return (b, Hex.Encode(b));
                }
                case AbiString:
                {
                    const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
                    var s = new string(Enumerable.Range(0, _rng.Next(1, 40)).Select(_ => alphabet[_rng.Next(alphabet.Length)]).ToArray());
                    return (s, s);
                }
                case AbiArray array:
                    return List(Enumerable.Repeat(array.Element, _rng.Next(0, 4)), "[", "]");
                case AbiFixedArray fixedArray:
                    return List(Enumerable.Repeat(fixedArray.Element, fixedArray.Length), "[", "]");
                case AbiTuple tuple:
                    return List(tuple.Components, "(", ")");
                default:
                    throw new InvalidOperationException();
            }
        }

        private (object? Value, string Cast) List(IEnumerable<AbiType> types, string open, string close)
        {
            var items = types.Select(Value).ToList();
            return (items.Select(i => i.Value).ToArray(), open + string.Join(",", items.Select(i => i.Cast)) + close);
        }
    }

    private static void AssertDeepEqual(object? expected, object? actual)
    {
        switch (expected)
        {
            case object?[] list:
                var other = Assert.IsType<object?[]>(actual);
                Assert.Equal(list.Length, other.Length);
                for (var i = 0; i < list.Length; i++)
                {
                    AssertDeepEqual(list[i], other[i]);
                }
                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }

    [Fact]
    public void RoundTrip_RandomTypesAndValues_DecodeToTheSameValues()
    {
        var gen = new Generator(21);
        for (var i = 0; i < 400; i++)
        {
            var types = Enumerable.Range(0, 1 + (i % 4)).Select(_ => gen.Type(0)).ToArray();
            var values = types.Select(t => gen.Value(t).Value).ToArray();
            var encoded = AbiCodec.Encode(types, values);
            Assert.Equal(0, encoded.Length % 32);
            AssertDeepEqual(values, AbiCodec.Decode(types, encoded));
            Assert.Equal(types.Select(t => t.Name), types.Select(t => AbiType.Parse(t.Name).Name));
        }
    }

    [Fact]
    public void Encode_RandomTypesAndValues_MatchesCastAbiEncode()
    {
        var gen = new Generator(22);
        for (var i = 0; i < 25; i++)
        {
            var types = Enumerable.Range(0, 1 + (i % 4)).Select(_ => gen.Type(0)).ToArray();
            var pairs = types.Select(gen.Value).ToArray();
            var signature = "f(" + string.Join(",", types.Select(t => t.Name)) + ")";
            var castArgs = new List<string> { "abi-encode", signature, "--" };
            castArgs.AddRange(pairs.Select(p => p.Cast));
            var expected = Tools.Run(Tools.Cast, castArgs, stdin: null);
            Assert.Equal(expected, Hex.Encode(AbiCodec.Encode(types, pairs.Select(p => p.Value).ToArray())));
        }
    }

    [Fact]
    public void EncodeCall_WeightsCall_MatchesCastCalldataAndDecodes()
    {
        var fn = AbiFunction.Parse("function setWeights(uint16 netuid, uint16[] uids, uint16[] weights, uint64 versionKey)");
        var uids = Enumerable.Range(0, 20).Select(i => (object?)(BigInteger)i).ToArray();
        var weights = Enumerable.Range(0, 20).Select(i => (object?)(BigInteger)(i * 1000)).ToArray();
        var data = fn.EncodeCall((BigInteger)3, uids, weights, (BigInteger)7);
        var cast = Tools.RunCast("calldata", fn.Signature, "3",
            "[" + string.Join(",", Enumerable.Range(0, 20)) + "]",
            "[" + string.Join(",", Enumerable.Range(0, 20).Select(i => i * 1000)) + "]", "7");
        Assert.Equal(cast, Hex.Encode(data));
        Assert.Equal(Tools.RunCast("sig", fn.Signature), Hex.Encode(fn.Selector));
        var decoded = fn.DecodeCall(data);
        AssertDeepEqual(uids, decoded[1]);
    }

    [Fact]
    public void Event_TransferLog_TopicMatchesCastAndDecodes()
    {
        var ev = AbiEvent.Parse("event Transfer(address indexed from, address indexed to, uint256 value)");
        Assert.Equal(Tools.RunCast("sig-event", ev.Signature), Hex.Encode(ev.Topic));
        var from = Address.Parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266");
        var to = Address.Parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
        var topics = new List<byte[]> { ev.Topic, AbiCodec.Encode(AbiType.Parse("address"), from), AbiCodec.Encode(AbiType.Parse("address"), to) };
        var log = ev.Decode(topics, AbiCodec.Encode(AbiType.Parse("uint256"), (BigInteger)42));
        Assert.Equal(from, log["from"]);
        Assert.Equal(to, log["to"]);
        Assert.Equal((BigInteger)42, log["value"]);
        Assert.Throws<AbiException>(() => ev.Decode(topics.Take(2).ToList(), new byte[32]));
    }

    [Fact]
    public void Event_IndexedString_IsItsHash()
    {
        var ev = AbiEvent.Parse("event Named(string indexed name, uint8 x)");
        var hash = Keccak256.Hash("abc"u8);
        var log = ev.Decode([ev.Topic, hash], AbiCodec.Encode(AbiType.Parse("uint8"), 5));
        Assert.Equal(hash, log["name"]);
    }

    [Fact]
    public void ErrorDecoder_CustomAndStandardErrors_BecomeTypedExceptions()
    {
        var custom = AbiError.Parse("error InsufficientStake(address hotkey, uint256 have, uint256 need)");
        var decoder = new AbiErrorDecoder([custom]);
        var hotkey = Address.Parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
        var castData = Tools.RunCast("calldata", custom.Signature, hotkey.ToString(), "5", "10");
        var ex = decoder.Decode(Hex.Decode(castData));
        Assert.Equal("InsufficientStake", ex.ErrorName);
        Assert.Equal(hotkey, ex.Argument("hotkey"));
        Assert.Equal((BigInteger)10, ex.Argument("need"));
        Assert.Contains("InsufficientStake(", ex.Message);

        var require = decoder.Decode(Hex.Decode(Tools.RunCast("calldata", "Error(string)", "not registered")));
        Assert.Equal("Error", require.ErrorName);
        Assert.Equal("not registered", require.Arguments[0]);

        var panic = decoder.Decode(Hex.Decode(Tools.RunCast("calldata", "Panic(uint256)", "17")));
        Assert.Equal("Panic", panic.ErrorName);
        Assert.Equal((BigInteger)0x11, panic.Arguments[0]);

        var unknown = decoder.Decode([1, 2, 3, 4, 5]);
        Assert.Equal("unknown", unknown.ErrorName);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, unknown.Data);
    }

    [Theory]
    [InlineData("uint7")]
    [InlineData("uint264")]
    [InlineData("bytes33")]
    [InlineData("bytes0")]
    [InlineData("int08")]
    [InlineData("(uint256")]
    [InlineData("uint256[")]
    [InlineData("uint256[0]")]
    [InlineData("foo")]
    public void Parse_BadTypes_ThrowAbiException(string type)
    {
        Assert.Throws<AbiException>(() => AbiType.Parse(type));
    }

    [Fact]
    public void Encode_ValuesOutOfRange_ThrowAbiException()
    {
        Assert.Throws<AbiException>(() => AbiCodec.Encode(AbiType.Parse("uint8"), 256));
        Assert.Throws<AbiException>(() => AbiCodec.Encode(AbiType.Parse("int8"), -129));
        Assert.Throws<AbiException>(() => AbiCodec.Encode(AbiType.Parse("uint8"), -1));
        Assert.Throws<AbiException>(() => AbiCodec.Encode(AbiType.Parse("bytes2"), new byte[3]));
        Assert.Throws<AbiException>(() => AbiCodec.Encode(AbiType.Parse("uint8[2]"), new object[] { 1 }));
        Assert.Throws<AbiException>(() => AbiCodec.Encode(AbiType.Parse("bool"), 1));
    }

    [Fact]
    public void Decode_DirtyOrTruncatedData_ThrowsAbiException()
    {
        var word = new byte[32];
        word[0] = 1;
        Assert.Throws<AbiException>(() => AbiCodec.Decode([AbiType.Parse("address")], word));
        Assert.Throws<AbiException>(() => AbiCodec.Decode([AbiType.Parse("bool")], word));
        Assert.Throws<AbiException>(() => AbiCodec.Decode([AbiType.Parse("uint8")], word));
        Assert.Throws<AbiException>(() => AbiCodec.Decode([AbiType.Parse("uint256")], new byte[31]));
        // An offset that points past the end, and a length larger than the data.
        var offset = AbiCodec.Encode(AbiType.Parse("uint256"), 64);
        Assert.Throws<AbiException>(() => AbiCodec.Decode([AbiType.Parse("bytes")], offset));
        var lying = AbiCodec.Encode([AbiType.Parse("uint256"), AbiType.Parse("uint256")], [32, 1000]);
        Assert.Throws<AbiException>(() => AbiCodec.Decode([AbiType.Parse("bytes")], lying));
        Assert.Throws<AbiException>(() => AbiCodec.Decode([AbiType.Parse("uint256[]")], lying));
    }

    [Fact]
    public void Decode_AliasedOffsets_HitTheBudgetInsteadOfExpanding()
    {
        // bytes[][] whose inner arrays all alias one 4 KiB payload: quadratic if decoded naively.
        const int count = 2000;
        var data = new byte[32 * (3 + count) + 32 + 4096];
        void Put(int word, long value) => System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(data.AsSpan((word * 32) + 24, 8), value);
        Put(0, 32);          // offset of the bytes[]
        Put(1, count);       // length
        var payloadOffset = 32 * count; // relative to the element area (word 2)
        for (var i = 0; i < count; i++)
        {
            Put(2 + i, payloadOffset);
        }
        Put(2 + count, 4096);
        var ex = Assert.Throws<AbiException>(() => AbiCodec.Decode([AbiType.Parse("bytes[]")], data));
        Assert.Contains("expands", ex.Message);
    }
}
