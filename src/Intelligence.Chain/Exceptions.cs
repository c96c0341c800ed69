namespace Intelligence.Chain;

/// <summary>Base type for every error this library raises on purpose, so callers can catch one type.</summary>
public class ChainException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public ChainException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the error that caused it.</summary>
    public ChainException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A signature that is malformed or recovers no public key.</summary>
public sealed class InvalidSignatureException(string message) : ChainException(message);

/// <summary>Text or bytes that do not parse as the expected value (hex, address, key, signature).</summary>
public sealed class ChainFormatException(string message) : ChainException(message);

/// <summary>ABI data that does not decode as the expected types, or values that do not encode as them.</summary>
public sealed class AbiException : ChainException
{
    /// <summary>Creates the exception with a message.</summary>
    public AbiException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the package error that caused it.</summary>
    public AbiException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A call or transaction reverted; carries the decoded error when the error is known.</summary>
public sealed class ContractRevertException : ChainException
{
    /// <summary>Creates the exception.</summary>
    public ContractRevertException(string errorName, IReadOnlyList<object?> arguments, byte[] data, Contracts.ContractError? error)
        : base(Describe(errorName, arguments, error))
    {
        ErrorName = errorName;
        Arguments = arguments;
        Data = data;
        Error = error;
    }

    /// <summary>The error's name: "Error" for require messages, "Panic", a custom name, or "unknown".</summary>
    public string ErrorName { get; }

    /// <summary>Decoded arguments in declaration order: integers as BigInteger, addresses as <see cref="Address"/>, arrays and structs as object?[].</summary>
    public IReadOnlyList<object?> Arguments { get; }

    /// <summary>The raw revert data.</summary>
    public new byte[] Data { get; }

    /// <summary>The matching error definition, when known.</summary>
    public Contracts.ContractError? Error { get; }

    /// <summary>The argument called <paramref name="name"/>.</summary>
    public object? Argument(string name)
    {
        var index = Error is null ? -1 : Error.ParameterNames.ToList().IndexOf(name);
        return index >= 0 ? Arguments[index] : throw new KeyNotFoundException($"Error {ErrorName} has no argument '{name}'.");
    }

    private static string Describe(string name, IReadOnlyList<object?> args, Contracts.ContractError? error)
    {
        if (error is null)
        {
            return "Execution reverted with unknown error data.";
        }
        var parts = args.Select((a, i) => (error.ParameterNames[i].Length > 0 ? error.ParameterNames[i] + ": " : "") + Format(a));
        return $"Execution reverted: {name}({string.Join(", ", parts)})";
    }

    private static string Format(object? value) => value switch
    {
        byte[] b => Hex.Encode(b),
        string s => "\"" + s + "\"",
        object?[] list => "[" + string.Join(", ", list.Select(Format)) + "]",
        System.Numerics.BigInteger b => b.ToString(System.Globalization.CultureInfo.InvariantCulture),
        null => "null",
        _ => value.ToString() ?? "",
    };
}
