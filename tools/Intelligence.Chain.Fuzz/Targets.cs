using System.Collections;
using System.Numerics;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Rlp;
using Intelligence.Chain.Transactions;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.FunctionEncoding.Attributes;

namespace Intelligence.Chain.Fuzz;

/// <summary>
/// One decoder under fuzzing. <see cref="Run"/> must return normally or throw only the decoder's typed
/// error (which it swallows); anything else escaping is a bug.
/// </summary>
public interface IFuzzTarget
{
    /// <summary>Short name used on the command line.</summary>
    string Name { get; }

    /// <summary>Valid inputs that mutation starts from.</summary>
    IReadOnlyList<byte[]> Seeds { get; }

    /// <summary>Feeds one input to the decoder.</summary>
    void Run(ReadOnlySpan<byte> input);
}

/// <summary>All fuzz targets.</summary>
public static class FuzzTargets
{
    /// <summary>Every target, by name.</summary>
    public static IReadOnlyList<IFuzzTarget> All { get; } = [new TransactionTarget(), new AbiTarget(), new RevertTarget()];
}

/// <summary>Signed transaction decoding (Nethereum's RLP decoder under our canonical-encoding check, then signature recovery).</summary>
public sealed class TransactionTarget : IFuzzTarget
{
    private static readonly PrivateKey Key = PrivateKey.FromHex("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");

    /// <inheritdoc />
    public string Name => "tx";

    /// <inheritdoc />
    public IReadOnlyList<byte[]> Seeds { get; } =
    [
        new Eip1559Transaction { ChainId = 31337, Nonce = 5, GasLimit = 100_000, MaxFeePerGas = 2_000_000_000, MaxPriorityFeePerGas = 1_000_000_000, To = Key.Address, Value = 7, Data = [1, 2, 3],
            AccessList = [new AccessListEntry(Key.Address, [new byte[32]])] }.Sign(Key).Raw,
        new LegacyTransaction { ChainId = 1, Nonce = 1, GasLimit = 21_000, GasPrice = 1, To = Key.Address }.Sign(Key).Raw,
    ];

    /// <inheritdoc />
    public void Run(ReadOnlySpan<byte> input)
    {
        try
        {
            SignedTransaction.Decode(input);
        }
        catch (RlpException)
        {
        }
        catch (InvalidSignatureException)
        {
        }
        catch (ChainFormatException)
        {
        }
    }
}

/// <summary>
/// The bindings' decoding path (<see cref="AbiGuard"/> then Nethereum's decoder) on return data of a fixed menu of
/// <c>[FunctionOutput]</c> DTOs (the first input byte picks one): the metagraph, the subnets, a weights row, and a
/// DTO of dynamic and nested types. Anything accepted must re-encode, through Nethereum's encoder, to the same bytes.
/// </summary>
public sealed class AbiTarget : IFuzzTarget
{
    private static readonly Func<byte[], byte[]?>[] Menu =
    [
        RoundTrip<NetworkViewsContract.GetMetagraphOutputDTO>,
        RoundTrip<NetworkViewsContract.GetSubnetsOutputDTO>,
        RoundTrip<NetworkViewsContract.GetWeightsOutputDTO>,
        RoundTrip<MixedOutput>,
    ];

    /// <inheritdoc />
    public string Name => "abi";

    /// <inheritdoc />
    public IReadOnlyList<byte[]> Seeds { get; } =
    [
        Prefixed(0, new NetworkViewsContract.GetMetagraphOutputDTO
        {
            List = [new NeuronView(3, Address.Zero, Address.Zero, 10, 9, new Axon(0x7f000001, 4, 8091, 1, 5), 7, 1, true, true, 1, 2, 3, 4, 5).ToDto()],
        }),
        Prefixed(1, new NetworkViewsContract.GetSubnetsOutputDTO { List = [new SubnetViewDTO { Netuid = 1, Owner = Address.Zero.ToLowerHex(), N = 2 }] }),
        Prefixed(2, new NetworkViewsContract.GetWeightsOutputDTO { ReturnValue1 = [1, 2, 65535] }),
        Prefixed(3, MixedOutput.Sample()),
    ];

    private static byte[] Prefixed<T>(byte selector, T dto) => [selector, .. new ParametersEncoder().EncodeParametersFromTypeAttributes(typeof(T), dto)];

    /// <inheritdoc />
    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }
        var body = input[1..].ToArray();
        byte[]? again;
        try
        {
            again = Menu[input[0] % Menu.Length](body);
        }
        catch (AbiException)
        {
            return;
        }
        if (again is null || !body.AsSpan().StartsWith(again))
        {
            throw new InvalidOperationException("Accepted ABI data does not re-encode to the same bytes.");
        }
    }

    /// <summary>Decodes as the bindings do, then re-encodes what came out with Nethereum's encoder.</summary>
    public static byte[]? RoundTrip<T>(byte[] data) where T : IFunctionOutputDTO
    {
        var layout = ContractAbi.LayoutOf<T>.Value;
        var values = ContractAbi.Decode(layout, data);
        return new ParametersEncoder().EncodeParameters(layout.Decoding, values.Select(v => Encodable(v.Result)).ToArray());
    }

    /// <summary>Nethereum's decoded value tree as its encoder takes it (tuples as object[], lists of those).</summary>
    public static object? Encodable(object? value) => value switch
    {
        List<ParameterOutput> tuple => tuple.Select(o => Encodable(o.Result)).ToArray(),
        byte[] or string => value,
        IList list => list.Cast<object?>().Select(Encodable).ToList(),
        _ => value,
    };
}

/// <summary>Return data with dynamic and nested types the contracts do not use (yet): strings, bytes, nested and fixed arrays, a struct with a dynamic field.</summary>
[FunctionOutput]
public sealed class MixedOutput : IFunctionOutputDTO
{
    /// <summary>uint16.</summary>
    [Parameter("uint16", "a", 1)]
    public ushort A { get; set; }

    /// <summary>string.</summary>
    [Parameter("string", "b", 2)]
    public string B { get; set; } = "";

    /// <summary>bytes.</summary>
    [Parameter("bytes", "c", 3)]
    public byte[] C { get; set; } = [];

    /// <summary>address[].</summary>
    [Parameter("address[]", "d", 4)]
    public List<string> D { get; set; } = [];

    /// <summary>(address,uint256,bytes,bool[2])[].</summary>
    [Parameter("tuple[]", "e", 5)]
    public List<MixedEntry> E { get; set; } = [];

    /// <summary>bytes[][].</summary>
    [Parameter("bytes[][]", "f", 6)]
    public List<List<byte[]>> F { get; set; } = [];

    /// <summary>int24.</summary>
    [Parameter("int24", "g", 7)]
    public int G { get; set; }

    /// <summary>uint256[3][].</summary>
    [Parameter("uint256[3][]", "h", 8)]
    public List<List<BigInteger>> H { get; set; } = [];

    /// <summary>string[2].</summary>
    [Parameter("string[2]", "i", 9)]
    public List<string> I { get; set; } = ["", ""];

    /// <summary>bool.</summary>
    [Parameter("bool", "j", 10)]
    public bool J { get; set; }

    /// <summary>bytes4.</summary>
    [Parameter("bytes4", "k", 11)]
    public byte[] K { get; set; } = new byte[4];

    /// <summary>A value with every field set.</summary>
    public static MixedOutput Sample() => new()
    {
        A = 7, B = "hello", C = [1, 2, 3], D = [Address.Zero.ToLowerHex(), "0x00000000000000000000000000000000000000ff"],
        E = [new MixedEntry { Who = "0x0000000000000000000000000000000000000001", Amount = 5, Memo = new byte[40], Flags = [true, false] }],
        F = [[new byte[3], new byte[33]], []], G = -5, H = [[1, 2, 3]], I = ["x", "yz"], J = true, K = [0xde, 0xad, 0xbe, 0xef],
    };
}

/// <summary>The struct in <see cref="MixedOutput"/>.</summary>
[Struct("MixedEntry")]
public sealed class MixedEntry
{
    /// <summary>address.</summary>
    [Parameter("address", "who", 1)]
    public string Who { get; set; } = "";

    /// <summary>uint256.</summary>
    [Parameter("uint256", "amount", 2)]
    public BigInteger Amount { get; set; }

    /// <summary>bytes.</summary>
    [Parameter("bytes", "memo", 3)]
    public byte[] Memo { get; set; } = [];

    /// <summary>bool[2].</summary>
    [Parameter("bool[2]", "flags", 4)]
    public List<bool> Flags { get; set; } = [false, false];
}

/// <summary>Revert-data decoding never throws: unknown or malformed data becomes an "unknown" error.</summary>
public sealed class RevertTarget : IFuzzTarget
{
    private static readonly RevertDecoder Decoder = new([ContractError.Of<CustomError>()]);

    /// <inheritdoc />
    public string Name => "revert";

    /// <inheritdoc />
    public IReadOnlyList<byte[]> Seeds { get; } =
    [
        [.. ContractError.Error.Selector, .. ContractAbi.Encode(("string", "reason"))],
        [.. ContractError.Of<CustomError>().Selector, .. ContractAbi.Encode(("uint256", 1), ("string", "b"), ("bytes32[]", new List<byte[]> { new byte[32] }))],
    ];

    /// <inheritdoc />
    public void Run(ReadOnlySpan<byte> input) => Decoder.Decode(input.ToArray());

    /// <summary>error Custom(uint256 a, string b, bytes32[] c).</summary>
    [Error("Custom")]
    public sealed class CustomError
    {
        /// <summary>uint256.</summary>
        [Parameter("uint256", "a", 1)]
        public BigInteger A { get; set; }

        /// <summary>string.</summary>
        [Parameter("string", "b", 2)]
        public string B { get; set; } = "";

        /// <summary>bytes32[].</summary>
        [Parameter("bytes32[]", "c", 3)]
        public List<byte[]> C { get; set; } = [];
    }
}
