using System.Buffers;
using System.Collections.Concurrent;
using System.Threading.Channels;
using Intelligence.State.Resp;

namespace Intelligence.State;

/// <summary>A message received on a subscribed channel.</summary>
/// <param name="Channel">The channel it was published to.</param>
/// <param name="Payload">The message bytes.</param>
public readonly record struct RedisMessage(string Channel, byte[] Payload)
{
    /// <summary>The payload decoded as UTF-8.</summary>
    public string Text => System.Text.Encoding.UTF8.GetString(Payload);
}

/// <summary>
/// A dedicated subscriber connection (a subscribed Redis connection accepts no other commands).
/// Re-subscribes every channel after a reconnect; messages published while it was down are lost (pub/sub semantics).
/// </summary>
public sealed class RedisSubscriber : IAsyncDisposable
{
    private readonly RedisOptions _options;
    private readonly ConcurrentDictionary<string, RedisSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _confirmations = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _disposeCts = new();
    private RedisTransport _transport;
    private Task _loop = Task.CompletedTask;
    private long _reconnects;

    private RedisSubscriber(RedisOptions options, RedisTransport transport)
    {
        _options = options;
        _transport = transport;
    }

    /// <summary>Number of reconnects since creation.</summary>
    public long ReconnectCount => Interlocked.Read(ref _reconnects);

    /// <summary>Opens the subscriber connection.</summary>
    public static async Task<RedisSubscriber> ConnectAsync(RedisOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var copy = options.Clone();
        var transport = await RedisTransport.ConnectAsync(copy, cancellationToken).ConfigureAwait(false);
        var subscriber = new RedisSubscriber(copy, transport);
        subscriber._loop = Task.Run(subscriber.RunAsync);
        return subscriber;
    }

    /// <summary>SUBSCRIBE to <paramref name="channel"/>; completes when the server confirms.</summary>
    public async Task<RedisSubscription> SubscribeAsync(string channel, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        var subscription = new RedisSubscription(this, channel);
        if (!_subscriptions.TryAdd(channel, subscription))
        {
            throw new InvalidOperationException($"already subscribed to '{channel}'");
        }

        try
        {
            await SendAndConfirmAsync("SUBSCRIBE", channel, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _subscriptions.TryRemove(channel, out _);
            throw;
        }

        return subscription;
    }

    internal async Task UnsubscribeAsync(RedisSubscription subscription)
    {
        if (_subscriptions.TryRemove(new KeyValuePair<string, RedisSubscription>(subscription.Channel, subscription)))
        {
            subscription.Complete();
            if (!_disposeCts.IsCancellationRequested)
            {
                try
                {
                    await SendAndConfirmAsync("UNSUBSCRIBE", subscription.Channel, CancellationToken.None).ConfigureAwait(false);
                }
                catch (RedisException)
                {
                    // The channel is gone locally; a dropped connection forgets it on the server too.
                }
            }
        }
    }

    private async Task SendAndConfirmAsync(string command, string channel, CancellationToken cancellationToken)
    {
        var key = command.ToLowerInvariant() + "\n" + channel;
        var confirmation = _confirmations.GetOrAdd(key, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        await WriteAsync([command, channel], cancellationToken).ConfigureAwait(false);
        try
        {
            await confirmation.Task.WaitAsync(_options.CommandTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new RedisTimeoutException($"{command} {channel} was not confirmed in time");
        }
        finally
        {
            _confirmations.TryRemove(new KeyValuePair<string, TaskCompletionSource>(key, confirmation));
        }
    }

    private async Task WriteAsync(RedisArg[] args, CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var transport = Volatile.Read(ref _transport);
            RespWriter.WriteCommand(transport.Output, args);
            await transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The read loop notices the drop and re-subscribes everything after reconnecting.
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task RunAsync()
    {
        var token = _disposeCts.Token;
        while (!token.IsCancellationRequested)
        {
            var transport = Volatile.Read(ref _transport);
            try
            {
                await ReadLoopAsync(transport, token).ConfigureAwait(false);
            }
            catch (Exception) when (!token.IsCancellationRequested)
            {
                // dropped: reconnect below
            }
            catch (Exception)
            {
                break;
            }

            await _writeLock.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await transport.DisposeAsync().ConfigureAwait(false);
                var delay = _options.ReconnectMinDelay;
                while (!token.IsCancellationRequested)
                {
                    try
                    {
                        var next = await RedisTransport.ConnectAsync(_options, token).ConfigureAwait(false);
                        foreach (var channel in _subscriptions.Keys)
                        {
                            RespWriter.WriteCommand(next.Output, ["SUBSCRIBE", channel]);
                        }

                        await next.Output.FlushAsync(token).ConfigureAwait(false);
                        Volatile.Write(ref _transport, next);
                        Interlocked.Increment(ref _reconnects);
                        break;
                    }
                    catch (Exception) when (!token.IsCancellationRequested)
                    {
                        await Task.Delay(delay, token).ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMaxDelay.Ticks));
                    }
                }
            }
            catch (OperationCanceledException)
            {
                break;
            }
            finally
            {
                _writeLock.Release();
            }
        }

        foreach (var subscription in _subscriptions.Values)
        {
            subscription.Complete();
        }
    }

    private async Task ReadLoopAsync(RedisTransport transport, CancellationToken token)
    {
        var input = transport.Input;
        while (true)
        {
            var result = await input.ReadAsync(token).ConfigureAwait(false);
            var consumed = Dispatch(result.Buffer);
            input.AdvanceTo(consumed, result.Buffer.End);
            if (result.IsCompleted)
            {
                throw new IOException("server closed the subscriber connection");
            }
        }
    }

    private SequencePosition Dispatch(ReadOnlySequence<byte> buffer)
    {
        var reader = new RespReader(buffer);
        while (reader.TryRead(out var value))
        {
            // RESP2 sends pub/sub events as arrays, RESP3 as pushes: [kind, channel, payload-or-count].
            if (value.Items is not { Length: 3 } items)
            {
                continue;
            }

            var kind = items[0].AsString();
            var channel = items[1].AsString() ?? string.Empty;
            switch (kind)
            {
                case "message":
                    if (_subscriptions.TryGetValue(channel, out var subscription))
                    {
                        subscription.Deliver(new RedisMessage(channel, items[2].Bytes ?? []));
                    }

                    break;
                case "subscribe":
                case "unsubscribe":
                    if (_confirmations.TryGetValue(kind + "\n" + channel, out var confirmation))
                    {
                        confirmation.TrySetResult();
                    }

                    break;
            }
        }

        return reader.Position;
    }

    /// <summary>Closes the connection and completes every subscription's message stream.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposeCts.IsCancellationRequested)
        {
            return;
        }

        _disposeCts.Cancel();
        Volatile.Read(ref _transport).Abort();
        await _loop.ConfigureAwait(false);
        await Volatile.Read(ref _transport).DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>One channel subscription; read <see cref="Messages"/>, dispose to unsubscribe.</summary>
public sealed class RedisSubscription : IAsyncDisposable
{
    private readonly RedisSubscriber _owner;
    private readonly Channel<RedisMessage> _messages = System.Threading.Channels.Channel.CreateUnbounded<RedisMessage>(new UnboundedChannelOptions { SingleWriter = true });

    internal RedisSubscription(RedisSubscriber owner, string channel)
    {
        _owner = owner;
        Channel = channel;
    }

    /// <summary>The subscribed channel.</summary>
    public string Channel { get; }

    /// <summary>Messages in arrival order; completes when unsubscribed or the subscriber is disposed.</summary>
    public ChannelReader<RedisMessage> Messages => _messages.Reader;

    internal void Deliver(RedisMessage message) => _messages.Writer.TryWrite(message);

    internal void Complete() => _messages.Writer.TryComplete();

    /// <summary>UNSUBSCRIBE.</summary>
    public async ValueTask DisposeAsync() => await _owner.UnsubscribeAsync(this).ConfigureAwait(false);
}
