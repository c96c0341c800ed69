using Intelligence.Protocol.Wire;
using Microsoft.AspNetCore.Http;

namespace Intelligence.Protocol.Server;

/// <summary>
/// Everything a handler or interceptor knows about one call, and the metadata it sends back: a thin view over
/// grpc-dotnet's <see cref="Grpc.Core.ServerCallContext"/> that keeps the library's own types at its boundary.
/// </summary>
public sealed class ServerCallContext
{
    private List<KeyValuePair<string, string>>? _responseHeaders;
    private MetadataList? _responseTrailers;
    private Dictionary<object, object?>? _items;

    internal ServerCallContext(global::Grpc.Core.ServerCallContext grpc, string method)
    {
        Grpc = grpc;
        HttpContext = global::Grpc.Core.ServerCallContextExtensions.GetHttpContext(grpc);
        Method = method;
        var deadline = grpc.Deadline;
        Deadline = deadline == DateTime.MaxValue ? null : deadline;
        ReceivedAt = DateTime.UtcNow;
    }

    /// <summary>The grpc-dotnet call context underneath (status, write options, auth context).</summary>
    public global::Grpc.Core.ServerCallContext Grpc { get; }

    /// <summary>The underlying ASP.NET Core request (connection info, raw headers).</summary>
    public HttpContext HttpContext { get; }

    /// <summary>The method path, "/package.Service/Method".</summary>
    public string Method { get; }

    /// <summary>UTC deadline from grpc-timeout, or null when the caller sent none.</summary>
    public DateTime? Deadline { get; }

    /// <summary>Cancelled when the caller goes away or the deadline passes.</summary>
    public CancellationToken CancellationToken => Grpc.CancellationToken;

    /// <summary>When the server started on the call (UTC).</summary>
    public DateTime ReceivedAt { get; }

    /// <summary>Request headers, custom metadata included (binary "-bin" values still base64).</summary>
    public IHeaderDictionary RequestHeaders => HttpContext.Request.Headers;

    /// <summary>Per-call state shared between interceptors and the handler.</summary>
    public IDictionary<object, object?> Items => _items ??= [];

    /// <summary>Metadata sent with the response headers (before the first message).</summary>
    public IList<KeyValuePair<string, string>> ResponseHeaders => _responseHeaders ??= [];

    /// <summary>
    /// Metadata sent with the trailers, after the last message ("-bin" values as base64). Writes go straight to
    /// grpc-dotnet's trailers, so an entry added at any point before the call ends is sent.
    /// </summary>
    public IList<KeyValuePair<string, string>> ResponseTrailers => _responseTrailers ??= new MetadataList(Grpc.ResponseTrailers);

    /// <summary>
    /// Called with each serialized response message (uncompressed, exactly the bytes that are sent) before it is written;
    /// the miner pipeline uses it to sign responses. Set by interceptors; the bytes must not be kept or changed.
    /// </summary>
    public Action<ServerCallContext, ReadOnlyMemory<byte>>? OnResponseMessage { get; set; }

    /// <summary>Called once before the trailers are written, with the final status; can add trailers.</summary>
    public Action<ServerCallContext, GrpcStatus>? OnCompleting { get; set; }

    /// <summary>Reads one request header (the first value), or null.</summary>
    public string? GetHeader(string name)
    {
        var values = HttpContext.Request.Headers[name];
        return values.Count == 0 ? null : values[0];
    }

    /// <summary>The miner pipeline's state for this call (a field, so a pipelined call needs no <see cref="Items"/> dictionary).</summary>
    internal Pipeline.MinerCall? MinerCall { get; set; }

    /// <summary>Copies <see cref="ResponseHeaders"/> to the HTTP response, once, before the first message or the status.</summary>
    internal void FlushResponseHeaders()
    {
        if (_responseHeaders is not { Count: > 0 } headers)
        {
            return;
        }

        var response = HttpContext.Response;
        if (!response.HasStarted)
        {
            foreach (var (key, value) in headers)
            {
                response.Headers.Append(key, value);
            }
        }

        headers.Clear();
    }

    /// <summary>String pairs over grpc-dotnet metadata: "-bin" keys are decoded from base64 on the way in and encoded on the way out.</summary>
    private sealed class MetadataList(global::Grpc.Core.Metadata metadata) : IList<KeyValuePair<string, string>>
    {
        public KeyValuePair<string, string> this[int index]
        {
            get => ToPair(metadata[index]);
            set => metadata[index] = ToEntry(value);
        }

        public int Count => metadata.Count;

        public bool IsReadOnly => false;

        public void Add(KeyValuePair<string, string> item) => metadata.Add(ToEntry(item));

        public void Clear() => metadata.Clear();

        public bool Contains(KeyValuePair<string, string> item) => IndexOf(item) >= 0;

        public void CopyTo(KeyValuePair<string, string>[] array, int arrayIndex)
        {
            for (var i = 0; i < metadata.Count; i++)
            {
                array[arrayIndex + i] = ToPair(metadata[i]);
            }
        }

        public IEnumerator<KeyValuePair<string, string>> GetEnumerator()
        {
            for (var i = 0; i < metadata.Count; i++)
            {
                yield return ToPair(metadata[i]);
            }
        }

        public int IndexOf(KeyValuePair<string, string> item)
        {
            for (var i = 0; i < metadata.Count; i++)
            {
                if (ToPair(metadata[i]).Equals(item))
                {
                    return i;
                }
            }

            return -1;
        }

        public void Insert(int index, KeyValuePair<string, string> item) => metadata.Insert(index, ToEntry(item));

        public bool Remove(KeyValuePair<string, string> item)
        {
            var index = IndexOf(item);
            if (index < 0)
            {
                return false;
            }

            metadata.RemoveAt(index);
            return true;
        }

        public void RemoveAt(int index) => metadata.RemoveAt(index);

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        private static global::Grpc.Core.Metadata.Entry ToEntry(KeyValuePair<string, string> pair)
        {
            if (!GrpcMetadata.IsBinaryKey(pair.Key))
            {
                return new(pair.Key, pair.Value);
            }

            if (!GrpcMetadata.TryDecodeBinary(pair.Value, out var bytes))
            {
                throw new ArgumentException($"Metadata value of '{pair.Key}' is not base64.", nameof(pair));
            }

            return new(pair.Key, bytes);
        }

        private static KeyValuePair<string, string> ToPair(global::Grpc.Core.Metadata.Entry entry) =>
            new(entry.Key, entry.IsBinary ? GrpcMetadata.EncodeBinary(entry.ValueBytes) : entry.Value);
    }
}
