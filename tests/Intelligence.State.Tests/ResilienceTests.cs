using System.Collections.Concurrent;
using Intelligence.Testing;

namespace Intelligence.State.Tests;

public class PipeliningTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task TenThousandConcurrentOps_EachReplyReachesItsCaller()
    {
        // 10 000 commands start at once against fsync-always AOF on a possibly loaded machine: what is tested
        // is that each reply reaches its caller, so commands get a patient timeout and the whole a long wait.
        await using var client = await Wait.T(RedisClient.ConnectAsync(fixture.Server.Options(commandTimeout: Wait.PatientCommand)));
        var prefix = "pipe:" + Guid.NewGuid().ToString("N")[..8] + ":";
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ops = Enumerable.Range(0, 10_000).Select(i => Task.Run(async () =>
        {
            await start.Task;
            var value = "value-" + i + "-" + new string('x', i % 50);
            switch (i % 4)
            {
                case 0:
                    Assert.True(await client.SetAsync(prefix + i, value));
                    Assert.Equal(value, await client.GetStringAsync(prefix + i));
                    break;
                case 1:
                    Assert.Equal(value, (await client.ExecuteAsync("ECHO", value)).AsString());
                    break;
                case 2:
                    Assert.Equal(i, await client.IncrementAsync(prefix + "n" + i, i));
                    break;
                default:
                    Assert.Equal(i, await client.HashIncrementAsync(prefix + "h", "f" + i, i));
                    break;
            }
        })).ToArray();
        start.SetResult();
        await Wait.T(Task.WhenAll(ops), Wait.Long);
        Assert.Equal(2500, await Wait.T(client.HashLengthAsync(prefix + "h")));
    }

    [Fact]
    public async Task ManyBatchesFromManyTasks_EveryReplyInPlace()
    {
        await using var client = await Wait.T(RedisClient.ConnectAsync(fixture.Server.Options()));
        var tasks = Enumerable.Range(0, 200).Select(t => Task.Run(async () =>
        {
            var batch = client.CreateBatch();
            var echoes = Enumerable.Range(0, 50).Select(i => (Expected: $"{t}:{i}", Reply: batch.ExecuteAsync("ECHO", $"{t}:{i}"))).ToList();
            batch.Send();
            foreach (var (expected, reply) in echoes)
            {
                Assert.Equal(expected, (await reply).AsString());
            }
        }));
        await Wait.T(Task.WhenAll(tasks));
    }
}

public class ResilienceTests
{
    [Fact]
    public async Task ServerKilledMidLoad_InFlightFailTyped_LaterCommandsSucceedAfterReconnect()
    {
        await using var server = await RedisServer.StartAsync();

        // Queued commands must outlast kill + restart + reconnect (a timeout here would be the wrong kind of failure).
        await using var client = await Wait.T(RedisClient.ConnectAsync(server.Options(commandTimeout: Wait.PatientCommand)));
        using var stop = new CancellationTokenSource();
        var failures = new ConcurrentBag<Exception>();
        var mismatches = 0;
        var successes = 0L;

        // Load: workers echo unique strings; a reply must always be the caller's own string.
        var workers = Enumerable.Range(0, 16).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var text = $"w{w}-{i}";
                try
                {
                    var reply = await client.ExecuteAsync("ECHO", text);
                    if (reply.AsString() != text)
                    {
                        Interlocked.Increment(ref mismatches);
                    }

                    Interlocked.Increment(ref successes);
                }
                catch (Exception ex)
                {
                    failures.Add(ex);
                }
            }
        })).ToArray();

        await Wait.UntilAsync(() => Task.FromResult(Interlocked.Read(ref successes) > 2000), what: "load running");

        // A command that is certainly in flight when the server dies: BLPOP waits forever.
        var blocked = client.ExecuteAsync(Timeout.InfiniteTimeSpan, CancellationToken.None, "BLPOP", "never-pushed", 0).AsTask();
        await Wait.UntilAsync(async () => (await ClientCount(server)) >= 1, what: "server up");
        await server.KillAsync();

        var lost = await Assert.ThrowsAsync<RedisConnectionException>(() => blocked.WaitAsync(Wait.Timeout));
        Assert.Equal(RedisConnectionFailure.ConnectionLost, lost.Failure);

        await server.RestartAsync();
        var before = Interlocked.Read(ref successes);
        await Wait.UntilAsync(() => Task.FromResult(Interlocked.Read(ref successes) > before + 2000), Wait.Long, "load resumed after restart");
        stop.Cancel();
        await Wait.T(Task.WhenAll(workers), Wait.Long);

        Assert.Equal(0, mismatches);
        Assert.True(client.ReconnectCount >= 1);
        Assert.All(failures, ex =>
        {
            var connection = Assert.IsType<RedisConnectionException>(ex);
            Assert.Equal(RedisConnectionFailure.ConnectionLost, connection.Failure);
        });
        Assert.Equal("after", (await Wait.T(client.ExecuteAsync("ECHO", "after"))).AsString());
    }

    private static async Task<int> ClientCount(RedisServer server)
    {
        await using var probe = await RedisClient.ConnectAsync(server.Options());
        var list = (await probe.ExecuteAsync("CLIENT", "LIST")).AsString()!;
        return list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains("cmd=blpop", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CommandsIssuedWhileServerDown_WaitAndSucceedAfterRestart()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = await Wait.T(RedisClient.ConnectAsync(server.Options(commandTimeout: Wait.PatientCommand)));
        await server.KillAsync();
        await Wait.UntilAsync(() => Task.FromResult(!client.IsConnected), what: "client notices the drop");
        var pending = client.ExecuteAsync("ECHO", "queued").AsTask();
        Assert.False(pending.IsCompleted);
        await server.RestartAsync();
        Assert.Equal("queued", (await Wait.T(pending, Wait.Long)).AsString());
    }

    [Fact]
    public async Task CommandsWhileServerStaysDown_TimeOutWithTypedError()
    {
        await using var server = await RedisServer.StartAsync();
        var options = server.Options();
        options.CommandTimeout = TimeSpan.FromMilliseconds(200);
        await using var client = await Wait.T(RedisClient.ConnectAsync(options));
        await server.KillAsync();
        await Wait.UntilAsync(() => Task.FromResult(!client.IsConnected), what: "client notices the drop");
        await Assert.ThrowsAsync<RedisTimeoutException>(() => Wait.T(client.PingAsync()));
    }

    [Fact]
    public async Task Timeout_SlowReply_TimesOutAndLateReplyIsNotGivenToNextCaller()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = await Wait.T(RedisClient.ConnectAsync(server.Options(commandTimeout: Wait.PatientCommand)));

        // The 100 ms timeout (checked every 50 ms) must fire long before the 3 s sleep ends, however loaded the
        // machine; `next` waits behind the sleep on the server, hence its patient timeout.
        var slow = client.ExecuteAsync(TimeSpan.FromMilliseconds(100), CancellationToken.None, "DEBUG", "SLEEP", "3");
        var next = client.ExecuteAsync("ECHO", "mine");
        await Assert.ThrowsAsync<RedisTimeoutException>(() => Wait.T(slow));
        Assert.Equal("mine", (await Wait.T(next)).AsString());
    }

    [Fact]
    public async Task Cancellation_InFlightAndBeforeSend_CancelsOnlyThatCommand()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = await Wait.T(RedisClient.ConnectAsync(server.Options(commandTimeout: Wait.PatientCommand)));
        using var cts = new CancellationTokenSource();

        // A 5 s sleep is certainly still running when Cancel runs; `next` waits behind it (patient timeout).
        var slow = client.ExecuteAsync(["DEBUG", "SLEEP", "5"], cts.Token).AsTask();
        var next = client.ExecuteAsync("ECHO", "kept").AsTask();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow.WaitAsync(Wait.Timeout));
        Assert.Equal("kept", (await Wait.T(next)).AsString());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Wait.T(client.GetAsync("k", new CancellationToken(canceled: true))));
        Assert.Equal("PONG", await Wait.T(client.PingAsync()));
    }

    [Fact]
    public async Task Dispose_PendingCommandsFailTyped_AndLaterCallsFail()
    {
        await using var server = await RedisServer.StartAsync();
        var client = await Wait.T(RedisClient.ConnectAsync(server.Options()));
        var blocked = client.ExecuteAsync(Timeout.InfiniteTimeSpan, CancellationToken.None, "BLPOP", "nothing", 0).AsTask();
        await Wait.T(client.DisposeAsync().AsTask());
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => blocked.WaitAsync(Wait.Timeout));
        Assert.Equal(RedisConnectionFailure.Disposed, error.Failure);
        var after = await Assert.ThrowsAsync<RedisConnectionException>(() => Wait.T(client.PingAsync()));
        Assert.Equal(RedisConnectionFailure.Disposed, after.Failure);
    }

    [Fact]
    public async Task Connect_NothingListening_ThrowsConnectFailed()
    {
        using var port = new RefusingPort();
        Assert.ThrowsAny<System.Net.Sockets.SocketException>(() => new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port.Port).Start());
        var options = new RedisOptions { Port = port.Port, ConnectTimeout = TimeSpan.FromSeconds(2) };
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => Wait.T(RedisClient.ConnectAsync(options)));
        Assert.Equal(RedisConnectionFailure.ConnectFailed, error.Failure);
    }

    [Fact]
    public async Task Subscriber_ServerRestart_ResubscribesAndReceivesAgain()
    {
        await using var server = await RedisServer.StartAsync();
        await using var client = await Wait.T(RedisClient.ConnectAsync(server.Options(commandTimeout: Wait.PatientCommand)));
        await using var subscriber = await Wait.T(client.CreateSubscriberAsync());
        var subscription = await Wait.T(subscriber.SubscribeAsync("news"));
        await server.KillAsync();
        await server.RestartAsync();
        await Wait.UntilAsync(async () => await client.PublishAsync("news", "back") == 1, Wait.Long, "resubscribed");
        var message = await Wait.T(subscription.Messages.ReadAsync().AsTask());
        Assert.Equal("back", message.Text);
        Assert.True(subscriber.ReconnectCount >= 1);
    }
}
