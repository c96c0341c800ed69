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
