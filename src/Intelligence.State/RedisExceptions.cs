namespace Intelligence.State;

/// <summary>Base type of every error this library raises about Redis.</summary>
public class RedisException : Exception
{
    /// <summary>Creates the exception with a message and optional cause.</summary>
    public RedisException(string message, Exception? inner = null) : base(message, inner)
    {
    }
}

/// <summary>The bytes received are not valid RESP (a broken or hostile server, or a non-Redis peer).</summary>
public sealed class RespProtocolException : RedisException
{
    /// <summary>Creates the exception describing what was malformed.</summary>
    public RespProtocolException(string message) : base("malformed RESP: " + message)
    {
    }
}

/// <summary>A reply had a valid shape for RESP but not the one the command expects.</summary>
public sealed class RedisUnexpectedReplyException : RedisException
{
    /// <summary>Creates the exception describing the mismatch.</summary>
    public RedisUnexpectedReplyException(string message) : base(message)
    {
    }
}

/// <summary>Why a command could not complete over the connection.</summary>
public enum RedisConnectionFailure
{
    /// <summary>The connection could not be opened (refused, unreachable, handshake failed).</summary>
    ConnectFailed,
    /// <summary>The connection closed or failed while the command was in flight; it may or may not have run.</summary>
    ConnectionLost,
    /// <summary>The server sent bytes that are not RESP; the connection was dropped.</summary>
    ProtocolError,
    /// <summary>The client was disposed.</summary>
    Disposed,
}

/// <summary>
/// The connection failed: in-flight commands get this error (they may or may not have run on the server),
/// never a reply meant for another command.
/// </summary>
public sealed class RedisConnectionException : RedisException
{
    /// <summary>Creates the exception.</summary>
    public RedisConnectionException(RedisConnectionFailure failure, string message, Exception? inner = null)
        : base(message, inner) => Failure = failure;

    /// <summary>What went wrong.</summary>
    public RedisConnectionFailure Failure { get; }
}

/// <summary>The command did not complete within its timeout.</summary>
public sealed class RedisTimeoutException : RedisException
{
    /// <summary>Creates the exception.</summary>
    public RedisTimeoutException(string message) : base(message)
    {
    }
}

/// <summary>The server answered with an error reply (<c>-ERR ...</c> and friends).</summary>
public class RedisServerException : RedisException
{
    /// <summary>Creates the exception from the full error text.</summary>
    public RedisServerException(string message) : base(message)
    {
        var space = message.IndexOf(' ', StringComparison.Ordinal);
        ErrorCode = space < 0 ? message : message[..space];
    }

    /// <summary>The error's first word, e.g. <c>ERR</c>, <c>WRONGTYPE</c>, <c>NOSCRIPT</c>.</summary>
    public string ErrorCode { get; }

    /// <summary>Maps an error reply to the most specific exception type.</summary>
    public static RedisServerException FromReply(string message)
    {
        var space = message.IndexOf(' ', StringComparison.Ordinal);
        var code = space < 0 ? message : message[..space];
        return code switch
        {
            "WRONGTYPE" => new RedisWrongTypeException(message),
            "NOSCRIPT" => new RedisNoScriptException(message),
            "NOAUTH" or "WRONGPASS" or "NOPERM" => new RedisAuthenticationException(message),
            _ => new RedisServerException(message),
        };
    }
}

/// <summary><c>-WRONGTYPE</c>: the key holds a value of another type.</summary>
public sealed class RedisWrongTypeException : RedisServerException
{
    /// <summary>Creates the exception.</summary>
    public RedisWrongTypeException(string message) : base(message)
    {
    }
}

/// <summary><c>-NOSCRIPT</c>: EVALSHA named a script the server has not cached.</summary>
public sealed class RedisNoScriptException : RedisServerException
{
    /// <summary>Creates the exception.</summary>
    public RedisNoScriptException(string message) : base(message)
    {
    }
}

/// <summary><c>-NOAUTH</c>, <c>-WRONGPASS</c>, <c>-NOPERM</c>: authentication or ACL refused the command.</summary>
public sealed class RedisAuthenticationException : RedisServerException
{
    /// <summary>Creates the exception.</summary>
    public RedisAuthenticationException(string message) : base(message)
    {
    }
}
