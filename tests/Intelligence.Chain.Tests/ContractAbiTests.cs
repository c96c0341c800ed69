using System.Globalization;
using System.Numerics;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Fuzz;
using Intelligence.Chain.Rpc;

namespace Intelligence.Chain.Tests;

/// <summary>The bindings' ABI path (Nethereum DTOs, decoding behind <see cref="AbiGuard"/>) against cast.</summary>
public class ContractAbiTests
{
    private const string NeuronTuple = "(uint16,address,address,uint256,uint256,(uint128,uint8,uint16,uint32,uint64),uint64,uint64,bool,bool,uint16,uint16,uint16,uint16,uint256)";

    private const string HyperparametersTuple = "(uint32,uint32,uint32,uint32,uint16,uint16,uint32,uint32,uint16,uint32,bool,uint32,uint128,uint128,uint128,bool)";

    /// <summary>Random elementary and array types, with a value as Nethereum's encoder takes it and as cast reads it.</summary>
    private sealed class Generator(int seed)
    {
        private readonly Random _rng = new(seed);

        public string Type(int depth)
        {
            var pick = _rng.Next(depth > 1 ? 7 : 9);
            return pick switch
            {
                0 => "uint" + (8 * _rng.Next(1, 33)).ToString(CultureInfo.InvariantCulture),
                1 => "int" + (8 * _rng.Next(1, 33)).ToString(CultureInfo.InvariantCulture),
                2 => "address",
                3 => "bool",
                4 => "bytes",
                5 => "bytes" + _rng.Next(1, 33).ToString(CultureInfo.InvariantCulture),
                6 => "string",
                7 => Type(depth + 1) + "[]",
                _ => Type(depth + 1) + "[" + _rng.Next(1, 4).ToString(CultureInfo.InvariantCulture) + "]",
            };
        }

        public (object Value, string Cast) Value(string type)
        {
            if (type.EndsWith(']'))
            {
                var open = type.LastIndexOf('[');
                var element = type[..open];
                var count = open + 2 == type.Length ? _rng.Next(0, 4) : int.Parse(type[(open + 1)..^1], CultureInfo.InvariantCulture);
                var items = Enumerable.Range(0, count).Select(_ => Value(element)).ToList();
                return (items.Select(i => i.Value).ToList(), "[" + string.Join(",", items.Select(i => i.Cast)) + "]");
            }
            switch (type)
            {
                case "address":
                {
                    var b = new byte[20];
                    _rng.NextBytes(b);
                    var a = new Address(b).ToLowerHex();
                    return (a, a);
                }
                case "bool":
                    var flag = _rng.Next(2) == 0;
                    return (flag, flag ? "true" : "false");
                case "bytes":
                {
                    var b = new byte[_rng.Next(0, 70)];
                    _rng.NextBytes(b);
                    return (b, Hex.Encode(b));
                }
                case "string":
                {
                    const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
                    var s = new string(Enumerable.Range(0, _rng.Next(1, 40)).Select(_ => alphabet[_rng.Next(alphabet.Length)]).ToArray());
                    return (s, s);
                }
            }
            if (type.StartsWith("bytes", StringComparison.Ordinal))
            {
                var b = new byte[int.Parse(type[5..], CultureInfo.InvariantCulture)];
                _rng.NextBytes(b);
                return (b, Hex.Encode(b));
            }
            var signed = type.StartsWith("int", StringComparison.Ordinal);
            var bits = int.Parse(type[(signed ? 3 : 4)..], CultureInfo.InvariantCulture);
            var bytes = new byte[(bits / 8) + 1];
            _rng.NextBytes(bytes);
            var magnitude = new BigInteger(bytes, isUnsigned: true) % (BigInteger.One << (signed ? bits - 1 : bits));
            var v = signed && _rng.Next(2) == 0 ? -magnitude : magnitude;
            return (v, v.ToString(CultureInfo.InvariantCulture));
        }
    }

    private static NeuronView RandomNeuron(Random rng, int uid)
    {
        BigInteger Big(int bytes)
        {
            var b = new byte[bytes];
            rng.NextBytes(b);
            return new BigInteger(b, isUnsigned: true);
        }
        Address Addr()
        {
            var b = new byte[20];
            rng.NextBytes(b);
            return new Address(b);
        }
        return new NeuronView((ushort)uid, Addr(), Addr(), Big(32), Big(20), new Axon(Big(16), (byte)rng.Next(256), (ushort)rng.Next(65536), (uint)rng.NextInt64(uint.MaxValue), (ulong)rng.NextInt64()),
            (ulong)rng.NextInt64(), (ulong)rng.NextInt64(), rng.Next(2) == 1, rng.Next(2) == 1, (ushort)rng.Next(65536), (ushort)rng.Next(65536), (ushort)rng.Next(65536), (ushort)rng.Next(65536), Big(32));
    }

    private static string Cast(NeuronView n) => string.Create(CultureInfo.InvariantCulture,
        $"({n.Uid},{n.Hotkey.ToLowerHex()},{n.Coldkey.ToLowerHex()},{n.Stake},{n.EffectiveStake},({n.Axon.Ip},{n.Axon.IpType},{n.Axon.Port},{n.Axon.ProtocolVersion},{n.Axon.BlockNumber}),{n.LastUpdate},{n.RegisteredAt},{Flag(n.ValidatorPermit)},{Flag(n.Active)},{n.Consensus},{n.ValidatorTrust},{n.Incentive},{n.Dividends},{n.Emission})");

    private static string Flag(bool b) => b ? "true" : "false";

    [Fact]
    public void Encode_RandomTypesAndValues_MatchesCastAbiEncode()
    {
        var gen = new Generator(22);
        for (var i = 0; i < 25; i++)
        {
            var types = Enumerable.Range(0, 1 + (i % 4)).Select(_ => gen.Type(0)).ToArray();
            var pairs = types.Select(gen.Value).ToArray();
            var castArgs = new List<string> { "abi-encode", "f(" + string.Join(",", types) + ")", "--" };
            castArgs.AddRange(pairs.Select(p => p.Cast));
            var expected = Tools.Run(Tools.Cast, castArgs, stdin: null);
            Assert.Equal(expected, Hex.Encode(ContractAbi.Encode(types.Zip(pairs, (t, p) => (t, p.Value)).ToArray())));
        }
    }

    [Fact]
    public void FunctionMessages_MatchCastCalldata()
    {
        var uids = Enumerable.Range(0, 256).Select(i => (ushort)i).ToList();
        var weights = Enumerable.Range(0, 256).Select(i => (ushort)(i * 257 % 65536)).ToList();
        var setWeights = ContractAbi.Encode(new NetworkContract.SetWeightsFunction { Netuid = 3, Uids = uids, Weights = weights });
        Assert.Equal(Tools.RunCast("calldata", "setWeights(uint16,uint16[],uint16[])", "3", "[" + string.Join(",", uids) + "]", "[" + string.Join(",", weights) + "]"), Hex.Encode(setWeights));

        var hotkey = Address.Parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
        var register = ContractAbi.Encode(new NetworkContract.RegisterFunction { Netuid = 1, Hotkey = hotkey.ToLowerHex(), MaxBurn = BigInteger.Pow(10, 20), Signature = [1, 2, 3] });
        Assert.Equal(Tools.RunCast("calldata", "register(uint16,address,uint256,bytes)", "1", hotkey.ToString(), "100000000000000000000", "0x010203"), Hex.Encode(register));

        var h = new Hyperparameters(360, 32_767, 900_000, 100_000, 256, 64, 5000, 10_000, 1, 100, true, 3, 1, BigInteger.Pow(10, 21), 7, false);
        var set = ContractAbi.Encode(new NetworkContract.SetHyperparametersFunction { Netuid = 2, H = h.ToDto() });
        Assert.Equal(Tools.RunCast("calldata", $"setHyperparameters(uint16,{HyperparametersTuple})", "2",
            "(360,32767,900000,100000,256,64,5000,10000,1,100,true,3,1,1000000000000000000000,7,false)"), Hex.Encode(set));

        var axon = ContractAbi.Encode(new NetworkContract.ServeAxonFunction { Netuid = 1, Ip = 0x7f000001, IpType = 4, Port = 8091, ProtocolVersion = 1 });
        Assert.Equal(Tools.RunCast("calldata", "serveAxon(uint16,uint128,uint8,uint16,uint32)", "1", "2130706433", "4", "8091", "1"), Hex.Encode(axon));
    }

    [Fact]
    public void DecodeOutput_CastEncodedMetagraph_GivesTheSameNeurons()
    {
        var rng = new Random(5);
        var neurons = Enumerable.Range(0, 12).Select(i => RandomNeuron(rng, i)).ToArray();
        var data = Hex.Decode(Tools.RunCast("abi-encode", $"f({NeuronTuple}[])", "[" + string.Join(",", neurons.Select(Cast)) + "]"));
        var decoded = ContractAbi.List(ContractAbi.DecodeOutput<NetworkViewsContract.GetMetagraphOutputDTO>(data)[0].Result, NeuronView.FromDecoded);
        Assert.Equal(neurons, decoded);

        var empty = Hex.Decode(Tools.RunCast("abi-encode", $"f({NeuronTuple}[])", "[]"));
        Assert.Empty(ContractAbi.List(ContractAbi.DecodeOutput<NetworkViewsContract.GetMetagraphOutputDTO>(empty)[0].Result, NeuronView.FromDecoded));
    }

    [Fact]
    public void DecodeOutput_CastEncodedDynamicTypes_DecodeAndReencodeIdentically()
    {
        var data = Hex.Decode(Tools.RunCast("abi-encode",
            "f(uint16,string,bytes,address[],(address,uint256,bytes,bool[2])[],bytes[][],int24,uint256[3][],string[2],bool,bytes4)",
            "7", "héllo", "0x010203", "[0x0000000000000000000000000000000000000001,0xffffffffffffffffffffffffffffffffffffffff]",
            "[(0x00000000000000000000000000000000000000aa,5,0xbeef,[true,false]),(0x00000000000000000000000000000000000000bb,6,0x,[false,true])]",
            "[[0x01,0x0203],[]]", "-5", "[[1,2,3],[4,5,6]]", "[x,yz]", "true", "0xdeadbeef"));
        Assert.Equal(Hex.Encode(data), Hex.Encode(AbiTarget.RoundTrip<MixedOutput>(data)!));
        var values = ContractAbi.Decode(ContractAbi.LayoutOf<MixedOutput>.Value, data);
        Assert.Equal("héllo", values[1].Result);
        Assert.Equal(-5, values[6].Result);
        Assert.Equal(Address.Parse("0xffffffffffffffffffffffffffffffffffffffff"), ContractAbi.List(values[3].Result, ContractAbi.ToAddress)[1]);
    }

    [Fact]
    public void Event_TopicMatchesCastAndLogsDecode()
    {
        Assert.Equal(Tools.RunCast("sig-event", "EpochRun(uint16,uint64,uint64,uint256,uint256,uint256,address)"), Hex.Encode(NetworkContract.EpochRunEvent.Topic));
        Assert.Equal(Tools.RunCast("sig-event", $"HyperparametersSet(uint16,{HyperparametersTuple})"), Hex.Encode(NetworkContract.HyperparametersSetEvent.Topic));
        var keeper = Address.Parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
        var data = Hex.Decode(Tools.RunCast("abi-encode", "f(uint64,uint256,uint256,uint256,address)", "1234", "5000", "5", "1000", keeper.ToString()));
        List<byte[]> topics = [NetworkContract.EpochRunEvent.Topic, Hex.Decode(Tools.RunCast("abi-encode", "f(uint16)", "3")), Hex.Decode(Tools.RunCast("abi-encode", "f(uint64)", "41"))];
        var log = new Log(keeper, topics, data, 1, new byte[32], new byte[32], 0, false);
        Assert.True(NetworkContract.EpochRunEvent.Matches(log));
        Assert.False(NetworkContract.WeightsSetEvent.Matches(log));
        Assert.Equal(new NetworkContract.EpochRunEvent(3, 41, 1234, 5000, 5, 1000, keeper), NetworkContract.EpochRunEvent.Decode(log));

        Assert.Throws<AbiException>(() => NetworkContract.EpochRunEvent.Decode(log with { Topics = topics.Take(2).ToList() }));
        Assert.Throws<AbiException>(() => NetworkContract.WeightsSetEvent.Decode(log));
        Assert.Throws<AbiException>(() => NetworkContract.EpochRunEvent.Decode(log with { Data = data[..^1] }));
        var wideNetuid = (byte[])topics[1].Clone();
        wideNetuid[29] = 1;
        Assert.Throws<AbiException>(() => NetworkContract.EpochRunEvent.Decode(log with { Topics = [topics[0], wideNetuid, topics[2]] }));

        var h = new Hyperparameters(360, 1, 2, 3, 256, 64, 5, 6, 1, 100, true, 3, 1, 2, 7, true);
        var hData = Hex.Decode(Tools.RunCast("abi-encode", $"f({HyperparametersTuple})", "(360,1,2,3,256,64,5,6,1,100,true,3,1,2,7,true)"));
        var set = NetworkContract.HyperparametersSetEvent.Decode(new Log(keeper, [NetworkContract.HyperparametersSetEvent.Topic, topics[1]], hData, 1, new byte[32], new byte[32], 0, false));
        Assert.Equal(new NetworkContract.HyperparametersSetEvent(3, h), set);
    }

    [Fact]
    public void RevertDecoder_CustomAndStandardErrors_BecomeTypedExceptions()
    {
        var decoder = new RevertDecoder(NetworkContract.Errors);
        foreach (var error in NetworkContract.Errors.Take(8))
        {
            Assert.Equal(Tools.RunCast("sig", error.Signature), Hex.Encode([.. error.Selector]));
        }

        var hotkey = Address.Parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
        var ex = decoder.Decode(Hex.Decode(Tools.RunCast("calldata", "NotRegistered(uint16,address)", "3", hotkey.ToString())));
        Assert.Equal("NotRegistered", ex.ErrorName);
        Assert.Equal((BigInteger)3, ex.Argument("netuid"));
        Assert.Equal(hotkey, ex.Argument("hotkey"));
        Assert.Contains("NotRegistered(netuid: 3, hotkey: ", ex.Message);

        var require = decoder.Decode(Hex.Decode(Tools.RunCast("calldata", "Error(string)", "not registered")));
        Assert.Equal("Error", require.ErrorName);
        Assert.Equal("not registered", require.Argument("message"));

        var panic = decoder.Decode(Hex.Decode(Tools.RunCast("calldata", "Panic(uint256)", "17")));
        Assert.Equal("Panic", panic.ErrorName);
        Assert.Equal((BigInteger)0x11, panic.Arguments[0]);

        var unknown = decoder.Decode([1, 2, 3, 4, 5]);
        Assert.Equal("unknown", unknown.ErrorName);
        Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, unknown.Data);
        Assert.Null(unknown.Error);

        // The selector of a known error with arguments that do not decode: unknown, with the bytes.
        var truncated = Hex.Decode(Tools.RunCast("calldata", "NotRegistered(uint16,address)", "3", hotkey.ToString()))[..40];
        Assert.Equal("unknown", decoder.Decode(truncated).ErrorName);
    }

    [Fact]
    public void CommitHash_MatchesCastKeccakOfAbiEncode()
    {
        var hotkey = Address.Parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");
        ushort[] uids = [0, 5, 9];
        ushort[] weights = [65535, 1, 300];
        var salt = Keccak256.Hash("salt"u8);
        var encoded = Tools.RunCast("abi-encode", "f(address,uint16,uint16[],uint16[],bytes32)", hotkey.ToString(), "7", "[0,5,9]", "[65535,1,300]", Hex.Encode(salt));
        Assert.Equal(Tools.RunCast("keccak", encoded), Hex.Encode(NetworkContract.CommitHash(hotkey, 7, uids, weights, salt)));
    }

    private static byte[] Word(BigInteger value)
    {
        var w = new byte[32];
        value.TryWriteBytes(w.AsSpan(32 - value.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return w;
    }

    private static byte[] Words(params BigInteger[] values) => [.. values.SelectMany(Word)];

    public static TheoryData<string, string> MalformedOutputs() => new()
    {
        { "empty answer (no contract at the address)", "weights:" },
        { "truncated word", "weights:" + Convert.ToHexStringLower(Words(32, 1))[..120] },
        { "offset past the end", "weights:" + Convert.ToHexStringLower(Words(4096, 0)) },
        { "offset not where the head ends", "weights:" + Convert.ToHexStringLower(Words(64, 0, 0)) },
        { "count larger than the data", "weights:" + Convert.ToHexStringLower(Words(32, 3, 1, 2)) },
        { "count 2^27 + 1 (overflows Nethereum's check)", "weights:" + Convert.ToHexStringLower(Words(32, (BigInteger.One << 27) + 1, 0)) },
        { "count above 2^64", "weights:" + Convert.ToHexStringLower(Words(32, BigInteger.One << 70, 0)) },
        { "uint16 wider than 16 bits", "weights:" + Convert.ToHexStringLower(Words(32, 1, 65536)) },
        { "address with high bytes", "owner:" + Convert.ToHexStringLower(Words(BigInteger.One << 160)) },
        { "bool neither 0 nor 1", "mixed-bool" },
        { "string not UTF-8", "mixed-utf8" },
        { "bytes with dirty padding", "mixed-padding" },
        { "bytes length past the end", "mixed-length" },
    };

    [Theory]
    [MemberData(nameof(MalformedOutputs))]
    public void DecodeOutput_MalformedData_ThrowsAbiException(string what, string input)
    {
        var sample = new Nethereum.ABI.FunctionEncoding.ParametersEncoder().EncodeParametersFromTypeAttributes(typeof(MixedOutput), MixedOutput.Sample());
        byte[] Patched(int offset, byte value)
        {
            var copy = (byte[])sample.Clone();
            copy[offset] = value;
            return copy;
        }
        // MixedOutput.Sample(): head words 0..10; "hello" at 0x160 (length) / 0x180 (text); bytes 010203 at 0x1a0 / 0x1c0; bool j at word 9.
        var ex = Assert.Throws<AbiException>(() =>
        {
            switch (input)
            {
                case "mixed-bool":
                    ContractAbi.Decode(ContractAbi.LayoutOf<MixedOutput>.Value, Patched((9 * 32) + 31, 2));
                    break;
                case "mixed-utf8":
                    ContractAbi.Decode(ContractAbi.LayoutOf<MixedOutput>.Value, Patched(0x180, 0x97));
                    break;
                case "mixed-padding":
                    ContractAbi.Decode(ContractAbi.LayoutOf<MixedOutput>.Value, Patched(0x1c0 + 5, 1));
                    break;
                case "mixed-length":
                    ContractAbi.Decode(ContractAbi.LayoutOf<MixedOutput>.Value, Patched(0x1a0 + 30, 0x10));
                    break;
                case var s when s.StartsWith("owner:", StringComparison.Ordinal):
                    ContractAbi.DecodeOutput<NetworkContract.TokenOutputDTO>(Convert.FromHexString(s[6..]));
                    break;
                default:
                    ContractAbi.DecodeOutput<NetworkViewsContract.GetWeightsOutputDTO>(Convert.FromHexString(input[8..]));
                    break;
            }
        });
        Assert.False(string.IsNullOrEmpty(ex.Message), what);
    }

    [Fact]
    public void DecodeOutput_SampleWithoutChanges_Decodes()
    {
        // The theory above patches this sample; unpatched it decodes, so each failure there is the patch's.
        var sample = new Nethereum.ABI.FunctionEncoding.ParametersEncoder().EncodeParametersFromTypeAttributes(typeof(MixedOutput), MixedOutput.Sample());
        var values = ContractAbi.Decode(ContractAbi.LayoutOf<MixedOutput>.Value, sample);
        Assert.Equal("hello", values[1].Result);
        Assert.Equal(new byte[] { 1, 2, 3 }, values[2].Result);
        Assert.Equal(true, values[9].Result);
        Assert.Equal(Convert.ToHexStringLower(sample), Convert.ToHexStringLower(AbiTarget.RoundTrip<MixedOutput>(sample)!));
    }
}
