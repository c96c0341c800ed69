using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nethereum.JsonRpc.Client;
using Newtonsoft.Json.Linq;
using Polly;
using Polly.Retry;
using Polly.Timeout;

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
/// JSON-RPC 2.0 over HTTP through Nethereum's <see cref="RpcClient"/>: single calls and batches, a per-attempt timeout,
/// retries with doubling back-off (a Polly pipeline) on transient transport failures only (connection errors,
/// timeouts, HTTP 429/502/503/504), and error objects surfaced as <see cref="RpcException"/>. Results come back as
/// <see cref="JsonElement"/> so the typed layer above (<see cref="EthClient"/>) reads them strictly.
/// </summary>
public sealed class JsonRpcClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly Uri _endpoint;
    private readonly JsonRpcOptions _options;
    private readonly RpcClient _client;
    private readonly ResiliencePipeline _retry;
    private long _nextId;

    /// <summary>Creates a client for <paramref name="endpoint"/>; pass an <see cref="HttpClient"/> to share connections.</summary>
    public JsonRpcClient(Uri endpoint, JsonRpcOptions? options = null, HttpClient? httpClient = null)
    {
        _endpoint = endpoint ?? throw new ArgumentNullException(nameof(endpoint));
        _options = options ?? new JsonRpcOptions();
        _ownsHttp = httpClient is null;
        _http = httpClient ?? new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        _client = new RpcClient(endpoint, _http);
        // Nethereum's own timeout is one static setting for the process, so the per-attempt limit is Polly's.
        var builder = new ResiliencePipelineBuilder();
        if (_options.MaxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = _options.MaxRetries,
                Delay = _options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = false,
            });
        }
        builder.AddTimeout(_options.RequestTimeout);
        _retry = builder.Build();
    }

    /// <summary>The node's URL.</summary>
    public Uri Endpoint => _endpoint;

    /// <summary>Calls one method and returns its result.</summary>
    public async Task<JsonElement> CallAsync(string method, JsonNode?[] parameters, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(parameters);
        var id = Interlocked.Increment(ref _nextId);
        var request = new Nethereum.JsonRpc.Client.RpcRequest(id, method, Params(parameters));
        try
        {
            var result = await SendAsync(method, () => _client.SendRequestAsync<JToken>(request, null), ct).ConfigureAwait(false);
            return ToElement(result) ?? Null;
        }
        catch (RpcResponseException e)
        {
            throw new RpcException(method, e.RpcError?.Code ?? 0, e.RpcError?.Message ?? e.Message, ToElement(e.RpcError?.Data));
        }
    }

    /// <summary>Sends several calls in one HTTP request; answers come back in request order.</summary>
    public async Task<IReadOnlyList<RpcResponse>> BatchAsync(IReadOnlyList<RpcRequest> requests, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        if (requests.Count == 0)
        {
            return [];
        }
        var batch = new RpcRequestResponseBatch { AcceptPartiallySuccessful = true };
        var items = new RpcRequestResponseBatchItem<RpcRequestResponseHandler<JToken>, JToken>[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            var handler = new RpcRequestResponseHandler<JToken>(_client, requests[i].Method);
            items[i] = new(handler, handler.BuildRequest(Interlocked.Increment(ref _nextId), Params(requests[i].Params)));
            batch.BatchItems.Add(items[i]);
        }
        await SendAsync("batch", () => _client.SendBatchRequestAsync(batch), ct).ConfigureAwait(false);
        var results = new RpcResponse[requests.Count];
        for (var i = 0; i < requests.Count; i++)
        {
            var item = items[i];
            results[i] = item.HasError
                ? new RpcResponse(null, new RpcException(requests[i].Method, item.RpcError?.Code ?? 0, item.RpcError?.Message ?? "", ToElement(item.RpcError?.Data)))
                : item.RawResponse is null && item.Response is null
                    ? throw new RpcTransportException($"Batch answer lacks the response to {requests[i].Method}.")
                    : new RpcResponse(ToElement(item.Response) ?? Null, null);
        }
        return results;
    }

    private static readonly JsonElement Null = JsonDocument.Parse("null").RootElement.Clone();

    private async Task<T> SendAsync<T>(string what, Func<Task<T>> send, CancellationToken ct)
    {
        var attempts = 0;
        try
        {
            // Nethereum's client takes no cancellation token; the caller's token still ends the wait at once.
            return await _retry.ExecuteAsync(async token =>
            {
                attempts++;
                return await send().WaitAsync(token).ConfigureAwait(false);
            }, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (IsTransient(e))
        {
            throw new RpcTransportException($"{what} to {_endpoint} failed after {attempts} attempts: {Describe(e)}", e);
        }
        catch (Exception e) when (e is RpcClientUnknownException or Newtonsoft.Json.JsonException or InvalidCastException or FormatException)
        {
            throw new RpcTransportException($"{what} to {_endpoint}: the answer could not be read: {Describe(e)}", e);
        }
    }

    /// <summary>Connection failures, per-attempt timeouts and HTTP 429/502/503/504; never a JSON-RPC error object.</summary>
    private static bool IsTransient(Exception e) => e switch
    {
        RpcClientTimeoutException or TimeoutRejectedException => true,
        RpcClientUnknownException { InnerException: HttpRequestException http } => http.StatusCode is null or HttpStatusCode.TooManyRequests
            or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout,
        HttpRequestException http => http.StatusCode is null or HttpStatusCode.TooManyRequests
            or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout,
        _ => false,
    };

    private string Describe(Exception e) => e switch
    {
        RpcClientTimeoutException or TimeoutRejectedException => $"no answer within {_options.RequestTimeout.TotalMilliseconds:0} ms",
        RpcClientUnknownException { InnerException: HttpRequestException { StatusCode: { } status } } => $"HTTP {(int)status}",
        RpcClientUnknownException { InnerException: { } inner } => inner.Message,
        _ => e.Message,
    };

    private static object[] Params(JsonNode?[] parameters)
    {
        var result = new object[parameters.Length];
        for (var i = 0; i < parameters.Length; i++)
        {
            result[i] = parameters[i] is { } node ? JToken.Parse(node.ToJsonString()) : JValue.CreateNull();
        }
        return result;
    }

    private static JsonElement? ToElement(object? value)
    {
        var text = value switch
        {
            null => null,
            JToken token => token.Type == JTokenType.Null ? null : token.ToString(Newtonsoft.Json.Formatting.None),
            JsonElement element => element.ValueKind is JsonValueKind.Undefined ? null : element.GetRawText(),
            string s => JsonSerializer.Serialize(s),
            _ => Newtonsoft.Json.JsonConvert.SerializeObject(value),
        };
        if (text is null)
        {
            return null;
        }
        using var doc = JsonDocument.Parse(text);
        return doc.RootElement.Clone();
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
