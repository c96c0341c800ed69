using Intelligence.Protocol.Client;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.V1;
using Intelligence.Protocol.Wire;
using Microsoft.Extensions.Time.Testing;

namespace Intelligence.Protocol.Tests;

/// <summary>
/// A client keeps one channel per server address; one unused for the idle timeout is closed when another opens, unless
/// a call is still in flight on it, and a later call to that address opens a fresh one.
/// </summary>
public sealed class ChannelIdleTests : IAsyncLifetime
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);
    private readonly FakeTimeProvider _clock = new();
    private readonly List<GrpcServer> _servers = [];
    private GrpcClient _client = null!;

    public async Task InitializeAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            _servers.Add(await GrpcServer.StartAsync(InteropService.Create()).WaitAsync(Wait));
        }
        _client = new GrpcClient(new GrpcClientOptions { ChannelIdleTimeout = TimeSpan.FromMinutes(10), TimeProvider = _clock });
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        foreach (var server in _servers)
        {
            await server.DisposeAsync().AsTask().WaitAsync(Wait);
        }
    }

    private Task<(CallResult Result, ForwardResponse? Response)> Call(int server, string task = "echo") =>
        _client.UnaryAsync(_servers[server].Address, InteropService.ForwardPath, InteropService.Echo(task: task), ForwardResponse.Parser, new CallOptions { Timeout = Wait });

    [Fact]
    public async Task IdleChannel_ClosedWhenAnotherOpens_AndReopenedOnDemand()
    {
        Assert.True((await Call(0)).Result.Status.IsOk);
        Assert.Equal(1, _client.ChannelCount);

        _clock.Advance(TimeSpan.FromMinutes(9));
        Assert.True((await Call(1)).Result.Status.IsOk);
        Assert.Equal(2, _client.ChannelCount); // server 0's channel is 9 minutes idle: kept

        _clock.Advance(TimeSpan.FromMinutes(3));
        Assert.True((await Call(2)).Result.Status.IsOk);
        Assert.Equal(2, _client.ChannelCount); // server 0's (12 minutes idle) closed, servers 1 and 2 kept

        Assert.True((await Call(0)).Result.Status.IsOk);
        Assert.Equal(3, _client.ChannelCount);
    }

    [Fact]
    public async Task ChannelWithACallInFlight_KeptHowEverOld()
    {
        var gate = "idle-" + Guid.NewGuid().ToString("N");
        var held = Call(0, "wait:" + gate);
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.True((await Call(1)).Result.Status.IsOk);
        Assert.Equal(2, _client.ChannelCount);

        InteropService.Gate(gate).SetResult();
        var (result, response) = await held.WaitAsync(Wait);
        Assert.Equal(GrpcStatusCode.OK, result.Status.Code);
        Assert.NotNull(response);

        // Now idle from the moment it finished: closed once the timeout has passed since then.
        _clock.Advance(TimeSpan.FromMinutes(11));
        Assert.True((await Call(2)).Result.Status.IsOk);
        Assert.Equal(1, _client.ChannelCount); // servers 0 and 1 idle 11 minutes: closed
    }

    [Fact]
    public async Task Sweeps_AtMostOncePerQuarterOfTheTimeout()
    {
        Assert.True((await Call(0)).Result.Status.IsOk);
        _clock.Advance(TimeSpan.FromMinutes(9));
        Assert.True((await Call(1)).Result.Status.IsOk); // sweeps (9 minutes since the client started): keeps server 0's
        _clock.Advance(TimeSpan.FromMinutes(2));
        Assert.True((await Call(2)).Result.Status.IsOk); // 2 minutes since that sweep: none yet, though 0 is 11 idle
        Assert.Equal(3, _client.ChannelCount);
    }
}
