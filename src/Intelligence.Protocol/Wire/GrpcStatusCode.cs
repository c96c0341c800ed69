namespace Intelligence.Protocol.Wire;

/// <summary>The standard gRPC status codes; the numbers are fixed by the gRPC spec (statuscodes.md).</summary>
public enum GrpcStatusCode
{
    /// <summary>Success.</summary>
    OK = 0,
    /// <summary>The call was cancelled, usually by the caller.</summary>
    Cancelled = 1,
    /// <summary>Unknown error (for example a peer that sent no status).</summary>
    Unknown = 2,
    /// <summary>The caller sent an invalid argument.</summary>
    InvalidArgument = 3,
    /// <summary>The deadline passed before the call completed.</summary>
    DeadlineExceeded = 4,
    /// <summary>Some requested entity was not found.</summary>
    NotFound = 5,
    /// <summary>The entity already exists.</summary>
    AlreadyExists = 6,
    /// <summary>The caller may not run this call.</summary>
    PermissionDenied = 7,
    /// <summary>A resource (queue, rate, size) is exhausted.</summary>
    ResourceExhausted = 8,
    /// <summary>The system is not in a state required for the call.</summary>
    FailedPrecondition = 9,
    /// <summary>The call was aborted (concurrency conflict).</summary>
    Aborted = 10,
    /// <summary>A value was out of range.</summary>
    OutOfRange = 11,
    /// <summary>The method is not implemented or not supported.</summary>
    Unimplemented = 12,
    /// <summary>Internal error: an invariant broke (malformed frames and messages are reported so).</summary>
    Internal = 13,
    /// <summary>The service is unavailable; retrying may help.</summary>
    Unavailable = 14,
    /// <summary>Unrecoverable data loss.</summary>
    DataLoss = 15,
    /// <summary>The caller is not authenticated (missing or bad signature, replayed nonce).</summary>
    Unauthenticated = 16,
}
