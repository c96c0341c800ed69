using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Numerics;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;

namespace Intelligence.Chain.Contracts;

/// <summary>One Solidity error (the standard Error(string) and Panic(uint256), or a custom error) described by its <c>[Error]</c> DTO.</summary>
public sealed class ContractError
{
    private ContractError(Type dto)
    {
        var abi = ABITypedRegistry.GetError(dto);
        Name = abi.Name;
        Signature = abi.Signature;
        Selector = Hex.Decode(abi.Sha3Signature);
        Layout = AbiLayout.Of(dto);
        ParameterNames = Layout.Parameters.Select(p => p.Name ?? "").ToArray();
    }

    /// <summary>The error of an <c>[Error]</c> DTO type.</summary>
    public static ContractError Of<TError>() where TError : class => Cache<TError>.Value;

    /// <summary>Error(string message): require and revert with a message.</summary>
    public static ContractError Error => Of<RequireError>();

    /// <summary>Panic(uint256 code): failed asserts, overflows, bad array indexes.</summary>
    public static ContractError Panic => Of<PanicError>();

    /// <summary>The error's name.</summary>
    public string Name { get; }

    /// <summary>The canonical signature, e.g. "NotRegistered(uint16,address)".</summary>
    public string Signature { get; }

    /// <summary>The first four bytes of keccak256(signature).</summary>
    public IReadOnlyList<byte> Selector { get; }

    /// <summary>Argument names in declaration order.</summary>
    public IReadOnlyList<string> ParameterNames { get; }

    internal AbiLayout Layout { get; }

    /// <inheritdoc />
    public override string ToString() => Signature;

    private static class Cache<T>
    {
        public static readonly ContractError Value = new(typeof(T));
    }

    [Error("Error")]
    private sealed class RequireError
    {
        [Parameter("string", "message", 1)]
        public string Message { get; set; } = "";
    }

    [Error("Panic")]
    private sealed class PanicError
    {
        [Parameter("uint256", "code", 1)]
        public BigInteger Code { get; set; }
    }
}

/// <summary>Turns revert data into <see cref="ContractRevertException"/> using the errors it knows (safe to share between threads).</summary>
public sealed class RevertDecoder
{
    private readonly ConcurrentDictionary<uint, ContractError> _errors = new();

    /// <summary>Creates a decoder that knows Error(string), Panic(uint256) and the given errors.</summary>
    public RevertDecoder(IEnumerable<ContractError>? errors = null)
    {
        Add(ContractError.Error);
        Add(ContractError.Panic);
        foreach (var e in errors ?? [])
        {
            Add(e);
        }
    }

    /// <summary>Registers one more error (again is harmless).</summary>
    public void Add(ContractError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        _errors[BinaryPrimitives.ReadUInt32BigEndian([.. error.Selector])] = error;
    }

    /// <summary>Decodes revert data; unknown or malformed data still gives an exception carrying the raw bytes.</summary>
    public ContractRevertException Decode(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length >= 4 && _errors.TryGetValue(BinaryPrimitives.ReadUInt32BigEndian(data), out var error))
        {
            try
            {
                var values = ContractAbi.Decode(error.Layout, data.AsSpan(4));
                return new ContractRevertException(error.Name, values.Select((v, i) => ContractAbi.Publish(v.Result, error.Layout.Parameters[i].ABIType)).ToArray(), data, error);
            }
            catch (AbiException)
            {
                // The selector matched but the arguments did not decode: report it as unknown, with the bytes.
            }
        }
        return new ContractRevertException("unknown", [], data, null);
    }
}
