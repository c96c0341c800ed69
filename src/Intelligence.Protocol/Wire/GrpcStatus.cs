namespace Intelligence.Protocol.Wire;

/// <summary>A gRPC status: a code and a human-readable detail (sent as grpc-status / grpc-message).</summary>
/// <param name="Code">The status code.</param>
/// <param name="Detail">The message; empty when there is nothing to say.</param>
public readonly record struct GrpcStatus(GrpcStatusCode Code, string Detail)
{
    /// <summary>The OK status with no detail.</summary>
    public static GrpcStatus Ok => new(GrpcStatusCode.OK, string.Empty);

    /// <summary>True when the code is OK.</summary>
    public bool IsOk => Code == GrpcStatusCode.OK;

    /// <inheritdoc />
    public override string ToString() => Detail.Length == 0 ? Code.ToString() : $"{Code}: {Detail}";
}

/// <summary>Thrown by the transport for a call that must end with a non-OK status (malformed frame, too large...).</summary>
public sealed class GrpcException : Exception
{
    /// <summary>Creates an exception carrying <paramref name="status"/>.</summary>
    public GrpcException(GrpcStatus status)
        : base(status.ToString()) => Status = status;

    /// <summary>Creates an exception carrying a code and detail.</summary>
    public GrpcException(GrpcStatusCode code, string detail)
        : this(new GrpcStatus(code, detail))
    {
    }

    /// <summary>The status the call ends with.</summary>
    public GrpcStatus Status { get; }
}
