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

    /// <summary>The grpc-dotnet status with the same code and detail.</summary>
    public Grpc.Core.Status ToGrpc() => new((Grpc.Core.StatusCode)Code, Detail);

    /// <summary>Our status from grpc-dotnet's (the codes are the same numbers).</summary>
    public static GrpcStatus FromGrpc(Grpc.Core.Status status) => new((GrpcStatusCode)status.StatusCode, status.Detail ?? string.Empty);

    /// <inheritdoc />
    public override string ToString() => Detail.Length == 0 ? Code.ToString() : $"{Code}: {Detail}";
}

/// <summary>Thrown by a handler or stage to end the call with a non-OK status (turned into grpc-dotnet's RpcException).</summary>
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
