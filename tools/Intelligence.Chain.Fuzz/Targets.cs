using System.Numerics;
using Intelligence.Chain.Abi;
using Intelligence.Chain.Rlp;
using Intelligence.Chain.Transactions;

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

/// <summary>ABI decoding against a fixed menu of types (the first input byte picks the types).</summary>
public sealed class AbiTarget : IFuzzTarget
{
    private static readonly AbiType[][] Menu =
    [
        [AbiType.Parse("uint16"), AbiType.Parse("uint16[]"), AbiType.Parse("uint16[]"), AbiType.Parse("uint64")],
        [AbiType.Parse("string"), AbiType.Parse("bytes"), AbiType.Parse("address")],
        [AbiType.Parse("bytes[][]")],
        [AbiType.Parse("(address,uint256,bytes)[]"), AbiType.Parse("bool")],
        [AbiType.Parse("(uint8,(bool,bytes32)[2],string[])"), AbiType.Parse("int24")],
        [AbiType.Parse("uint256[3][]"), AbiType.Parse("string[2]")],
    ];

    /// <inheritdoc />
    public string Name => "abi";

    /// <inheritdoc />
    public IReadOnlyList<byte[]> Seeds { get; } =
    [
        Prefixed(0, AbiCodec.Encode(Menu[0], [(BigInteger)1, new object[] { (BigInteger)1, (BigInteger)2 }, new object[] { (BigInteger)3, (BigInteger)4 }, (BigInteger)9])),
        Prefixed(1, AbiCodec.Encode(Menu[1], ["hello", new byte[40], Address.Zero])),
        Prefixed(2, AbiCodec.Encode(Menu[2], [new object[] { new object[] { new byte[3], new byte[33] }, Array.Empty<object>() }])),
        Prefixed(3, AbiCodec.Encode(Menu[3], [new object[] { new object[] { Address.Zero, (BigInteger)5, new byte[2] } }, true])),
        Prefixed(4, AbiCodec.Encode(Menu[4], [new object[] { (BigInteger)1, new object[] { new object[] { true, new byte[32] }, new object[] { false, new byte[32] } }, new object[] { "a", "bc" } }, (BigInteger)(-5)])),
        Prefixed(5, AbiCodec.Encode(Menu[5], [new object[] { new object[] { (BigInteger)1, (BigInteger)2, (BigInteger)3 } }, new object[] { "x", "y" }])),
    ];

    private static byte[] Prefixed(byte selector, byte[] body) => [selector, .. body];

    /// <inheritdoc />
    public void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty)
        {
            return;
        }
        var types = Menu[input[0] % Menu.Length];
        try
        {
            var values = AbiCodec.Decode(types, input[1..]);
            // Accepted input must re-encode without error.
            AbiCodec.Encode(types, values);
        }
        catch (AbiException)
        {
        }
    }
}

/// <summary>Revert-data decoding never throws: unknown data becomes an "unknown" error.</summary>
public sealed class RevertTarget : IFuzzTarget
{
    private static readonly AbiErrorDecoder Decoder = new([AbiError.Parse("error Custom(uint256 a, string b, bytes32[] c)")]);

    /// <inheritdoc />
    public string Name => "revert";

    /// <inheritdoc />
    public IReadOnlyList<byte[]> Seeds { get; } =
    [
        AbiFunction.Parse("Error(string)").EncodeCall("reason"),
        AbiFunction.Parse("Custom(uint256,string,bytes32[])").EncodeCall((BigInteger)1, "b", new object[] { new byte[32] }),
    ];

    /// <inheritdoc />
    public void Run(ReadOnlySpan<byte> input) => Decoder.Decode(input.ToArray());
}
