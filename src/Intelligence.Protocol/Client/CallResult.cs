using System.Globalization;
using Grpc.Core;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Client;

/// <summary>The outcome of one call: never an exception, always a status, a latency and the metadata received.</summary>
public sealed class CallResult
{
    private static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    // What grpc-dotnet handed over; the dictionaries are built from it on first use (a validator round reads one
    // trailer of each answer through GetMetadata and never needs them).
    private readonly Metadata? _headerMetadata;
    private readonly Metadata? _trailerMetadata;
    private readonly Status _grpcStatus;
    private IReadOnlyDictionary<string, string>? _headers;
    private IReadOnlyDictionary<string, string>? _trailers;

    internal CallResult(GrpcStatus status, TimeSpan latency, IReadOnlyList<byte[]> messages, IReadOnlyDictionary<string, string> headers, IReadOnlyDictionary<string, string> trailers)
    {
        Status = status;
        Latency = latency;
        Messages = messages;
        _headers = headers;
        _trailers = trailers;
    }

    /// <summary>A result over the metadata as grpc-dotnet returned it (null headers: none arrived).</summary>
    internal CallResult(Status grpcStatus, TimeSpan latency, IReadOnlyList<byte[]> messages, Metadata? headers, Metadata trailers)
    {
        Status = GrpcStatus.FromGrpc(grpcStatus);
        Latency = latency;
        Messages = messages;
        _grpcStatus = grpcStatus;
        _headerMetadata = headers;
        _trailerMetadata = trailers;
        _headers = headers is null ? Empty : null;
    }

    /// <summary>Final status (OK, or the server's or a locally synthesized error).</summary>
    public GrpcStatus Status { get; }

    /// <summary>Time from sending to the status being known.</summary>
    public TimeSpan Latency { get; }

    /// <summary>Response messages as received (decompressed, not parsed): the bytes a response signature is checked over.</summary>
    public IReadOnlyList<byte[]> Messages { get; }

    /// <summary>Response header metadata (lower-case keys; repeated keys joined with ",").</summary>
    public IReadOnlyDictionary<string, string> Headers => _headers ??= ToDictionary(_headerMetadata!);

    /// <summary>Trailer metadata, grpc-status and grpc-message included (for Trailers-Only, the headers).</summary>
    public IReadOnlyDictionary<string, string> Trailers => _trailers ??= TrailersOf(_grpcStatus, _trailerMetadata!);

    /// <summary>Looks a key up in trailers, then headers.</summary>
    public string? GetMetadata(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_trailers is null && !key.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase))
        {
            return Find(_trailerMetadata!, key) ?? (_headers is null ? Find(_headerMetadata!, key) : Headers.GetValueOrDefault(key));
        }

        return Trailers.TryGetValue(key, out var v) ? v : Headers.TryGetValue(key, out v) ? v : null;
    }

    /// <summary>Trailers as received, with grpc-status and grpc-message put back (grpc-dotnet takes them out).</summary>
    internal static Dictionary<string, string> TrailersOf(Status status, Metadata trailers)
    {
        var d = ToDictionary(trailers);
        d["grpc-status"] = ((int)status.StatusCode).ToString(CultureInfo.InvariantCulture);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            d["grpc-message"] = status.Detail;
        }

        return d;
    }

    internal static Dictionary<string, string> ToDictionary(Metadata metadata)
    {
        var d = new Dictionary<string, string>(metadata.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var entry in metadata)
        {
            var value = ValueOf(entry);
            d[entry.Key] = d.TryGetValue(entry.Key, out var previous) ? previous + "," + value : value;
        }

        return d;
    }

    // The value ToDictionary would hold for key: every entry of that key, in order, joined with ",".
    private static string? Find(Metadata metadata, string key)
    {
        string? found = null;
        foreach (var entry in metadata)
        {
            if (string.Equals(entry.Key, key, StringComparison.OrdinalIgnoreCase))
            {
                found = found is null ? ValueOf(entry) : found + "," + ValueOf(entry);
            }
        }

        return found;
    }

    private static string ValueOf(Metadata.Entry entry) => entry.IsBinary ? GrpcMetadata.EncodeBinary(entry.ValueBytes) : entry.Value;
}
