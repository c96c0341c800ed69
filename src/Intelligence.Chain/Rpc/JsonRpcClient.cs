using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Intelligence.Chain.Rpc;

/// <summary>The node answered with a JSON-RPC error object (not retried: it would answer the same again).</summary>
public sealed class RpcException(string method, int code, string rpcMessage, JsonElement? data)
    : ChainException($"{method} failed: {rpcMessage} (JSON-RPC error {code})")
{
    /// <summary>The method that failed.</summary>
    public string Method { get; } = method;

    /// <summary>JSON-RPC error code (e.g. -32602 invalid params, 3 execution reverted).</summary>
    public int Code { get; } = code;

    /// <summary>The node's error message.</summary>
    public string RpcMessage { get; } = rpcMessage;

    /// <summary>The error's data member, if any (revert data for code 3).</summary>
    public JsonElement? ErrorData { get; } = data;
}

/// <summary>The node could not be reached or kept failing transiently (after retries), or answered garbage.</summary>
public sealed class RpcTransportException(string message, Exception? inner = null)
    : ChainException(message, inner ?? new InvalidOperationException(message));

/// <summary>Timeouts and retry policy for <see cref="JsonRpcClient"/>.</summary>
public sealed class JsonRpcOptions
{
    /// <summary>Limit for one HTTP attempt.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Extra attempts after a transient failure (connection error, timeout, HTTP 429/502/503/504).</summary>
    public int MaxRetries { get; init; } = 3;

    /// <summary>First back-off delay; doubles each retry.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);
}

/// <summary>One call in a batch.</summary>
/// <param name="Method">JSON-RPC method.</param>
/// <param name="Params">Positional parameters.</param>
public sealed record RpcRequest(string Method, params JsonNode?[] Params);

/// <summary>One answer in a batch: a result or an error.</summary>
/// <param name="Result">The result when the call succeeded.</param>
/// <param name="Error">The error object when it failed.</param>
public sealed record RpcResponse(JsonElement? Result, RpcException? Error)
{
    /// <summary>The result, or the error thrown.</summary>
    public JsonElement GetResult() => Error is not null ? throw Error : Result!.Value;
}

/// <summary>
/// JSON-RPC 2.0 over HTTP: single calls and batches, a per-attempt timeout, retries with back-off on
/// transient transport failures only, and error objects surfaced as <see cref="RpcException"/>.
/// </summary>
public sealed class JsonRpcClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _endpoint;
    private readonly JsonRpcOptions _options;
    private long _nextId;

    /// <summary>Creates a client for <paramref name="endpoint"/>; pass an <see cref="HttpClient"/> to share connections.</summary>
    public JsonRpcClient(Uri endpoint, JsonRpcOptions? options = null, HttpClient? httpClient = null)
    {
        _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        _options = options ?? new JsonRpcOptions();
        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The node's URL.</summary>
    public Uri Endpoint => _endpoint;

    /// <summary>Calls one method and returns its result.</summary>
    public async Task<JsonElement> CallAsync(string method, JsonNode?[] parameters, CancellationToken ct = default)
    {
        var id = Interlocked.Increment(ref _nextId);
        var body = RequestObject(id, method, parameters).ToJsonString();
        using var doc = await PostAsync(body, method, ct).ConfigureAwait(false);
        return ParseResponse(doc.RootElement, method, id).GetResult();
    }

    /// <summary>Sends several calls in one HTTP request; answers come back in request order.</summary>
    public async Task<IReadOnlyList<RpcResponse>> BatchAsync(IReadOnlyList<RpcRequest> requests, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0)
        {
            return [];
        }
        var ids = new long[requests.Count];
        var array = new JsonArray();
        for (var i = 0; i < requests.Count; i++)
        {
            ids[i] = Interlocked.Increment(ref _nextId);
            array.Add(RequestObject(ids[i], requests[i].Method, requests[i].Params));
        }
        using var doc = await PostAsync(array.ToJsonString(), "batch", ct).ConfigureAwait(false);
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
        {
            // A node may answer a whole batch with one error object.
            var single = ParseResponse(doc.RootElement, "batch", null);
            throw (Exception?)single.Error ?? new RpcTransportException("Batch answered with a single non-error object.");
        }
        var byId = new Dictionary<long, JsonElement>();
        foreach (var item in doc.RootElement.EnumerateArray())
        {
            if (item.TryGetProperty("id", out var idElement) && idElement.TryGetInt64(out var id))
            {
                byId[id] = item;
            }
        }
        var results = new RpcResponse[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            results[i] = byId.TryGetValue(ids[i], out var element)
                ? ParseResponse(element, requests[i].Method, ids[i])
                : throw new RpcTransportException($"Batch answer lacks the response to {requests[i].Method}.");
        }
        return results;
    }

    private static JsonObject RequestObject(long id, string method, JsonNode?[] parameters)
    {
        var array = new JsonArray();
        foreach (var p in parameters)
        {
            array.Add(p?.DeepClone());
        }
        return new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = array };
    }

    private static RpcResponse ParseResponse(JsonElement element, string method, long? expectedId)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new RpcTransportException($"{method}: the node's answer is not a JSON-RPC object.");
        }
        if (element.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
        {
            var code = error.TryGetProperty("code", out var c) && c.TryGetInt32(out var ci) ? ci : 0;
            var message = error.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
            JsonElement? data = error.TryGetProperty("data", out var d) ? d.Clone() : null;
            return new RpcResponse(null, new RpcException(method, code, message, data));
        }
        if (expectedId is { } id && (!element.TryGetProperty("id", out var idElement) || !idElement.TryGetInt64(out var got) || got != id))
        {
            throw new RpcTransportException($"{method}: the answer's id does not match the request.");
        }
        if (!element.TryGetProperty("result", out var result))
        {
            throw new RpcTransportException($"{method}: the answer has neither result nor error.");
        }
        return new RpcResponse(result.Clone(), null);
    }

    private static bool IsTransient(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    private async Task<JsonDocument> PostAsync(string body, string what, CancellationToken ct)
    {
        var delay = _options.RetryDelay;
        for (var attempt = 0; ; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            string failure;
            Exception? cause = null;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                timeout.CancelAfter(_options.RequestTimeout);
                try
                {
                    using var content = new StringContent(body);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    using var response = await _http.PostAsync(_endpoint, content, timeout.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode || !IsTransient(response.StatusCode))
                    {
                        var bytes = await response.Content.ReadAsByteArrayAsync(timeout.Token).ConfigureAwait(false);
                        try
                        {
                            return JsonDocument.Parse(bytes);
                        }
                        catch (JsonException e)
                        {
                            throw new RpcTransportException($"{what}: HTTP {(int)response.StatusCode} with a body that is not JSON.", e);
                        }
                    }
                    failure = $"HTTP {(int)response.StatusCode}";
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    failure = $"no answer within {_options.RequestTimeout.TotalMilliseconds:0} ms";
                }
                catch (HttpRequestException e)
                {
                    failure = e.Message;
                    cause = e;
                }
            }
            if (attempt >= _options.MaxRetries)
            {
                throw new RpcTransportException($"{what} to {_endpoint} failed after {attempt + 1} attempts: {failure}", cause);
            }
            await Task.Delay(delay, ct).ConfigureAwait(false);
            delay *= 2;
        }
    }

    /// <summary>Disposes the HTTP client when this instance created it.</summary>
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
