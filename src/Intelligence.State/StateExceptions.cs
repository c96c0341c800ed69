namespace Intelligence.State;

/// <summary>
/// Base type of every error a store raises about its backend (Redis, the embedded file), so a binary handles
/// state failures without knowing which package sits underneath. Argument errors stay <see cref="ArgumentException"/>s.
/// </summary>
public class StateException : Exception
{
    /// <summary>Creates the exception with a message and optional cause.</summary>
    public StateException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}

/// <summary>
/// The backend could not be reached or did not answer within its timeout (Redis down or restarting, network
/// partition). The operation may or may not have been applied; retrying later is the right reaction.
/// </summary>
public sealed class StateUnavailableException : StateException
{
    /// <summary>Creates the exception with a message and the backend's own error.</summary>
    public StateUnavailableException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}

/// <summary>
/// Stored state cannot be read back: a corrupt or truncated embedded file, a file that is not a score store, or a
/// record whose fields are not numbers. Nothing is replaced or deleted; the operator decides (restore, move away).
/// </summary>
public sealed class StateCorruptException : StateException
{
    /// <summary>Creates the exception; <paramref name="path"/> names the file when there is one.</summary>
    public StateCorruptException(string message, string? path = null, Exception? inner = null) : base(message, inner) => Path = path;

    /// <summary>The file that could not be read, or null for a Redis record.</summary>
    public string? Path { get; }
}
