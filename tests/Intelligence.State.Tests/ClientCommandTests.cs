using System.Text;
using Intelligence.State.Resp;

namespace Intelligence.State.Tests;

/// <summary>Every typed command against a real redis-server, once per protocol version.</summary>
public abstract class ClientCommandTests : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private readonly RedisFixture _fixture;
    private readonly RedisProtocol _protocol;
    private readonly string _p = "cmd:" + Guid.NewGuid().ToString("N")[..8] + ":";
    private RedisClient _client = null!;

    protected ClientCommandTests(RedisFixture fixture, RedisProtocol protocol)
    {
        _fixture = fixture;
        _protocol = protocol;
    }

    public async Task InitializeAsync() => _client = await Wait.T(RedisClient.ConnectAsync(_fixture.Server.Options(_protocol)));

    public async Task DisposeAsync() => await _client.DisposeAsync();

    [Fact]
    public void Connect_NegotiatesExpectedProtocol() =>
        Assert.Equal(_protocol == RedisProtocol.Resp3 ? 3 : 2, _client.ProtocolVersion);

    [Fact]
    public async Task Ping_ReturnsPong() => Assert.Equal("PONG", await Wait.T(_client.PingAsync()));

    [Fact]
    public async Task Strings_SetGetWithExpiryAndConditions()
    {
        var key = _p + "s";
        Assert.Null(await Wait.T(_client.GetAsync(key)));
        Assert.True(await Wait.T(_client.SetAsync(key, "v1")));
        Assert.Equal("v1", await Wait.T(_client.GetStringAsync(key)));
        Assert.False(await Wait.T(_client.SetAsync(key, "v2", when: SetCondition.NotExists)));
        Assert.True(await Wait.T(_client.SetAsync(key, "v3", when: SetCondition.Exists)));
        Assert.False(await Wait.T(_client.SetAsync(_p + "absent", "x", when: SetCondition.Exists)));
        Assert.True(await Wait.T(_client.SetAsync(key, new byte[] { 0, 1, 255 }, TimeSpan.FromMinutes(5))));
        Assert.Equal(new byte[] { 0, 1, 255 }, await Wait.T(_client.GetAsync(key)));
        var ttl = await Wait.T(_client.TimeToLiveAsync(key));
        Assert.InRange(ttl!.Value, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
        Assert.True(await Wait.T(_client.SetAsync(_p + "nx", 1, TimeSpan.FromSeconds(30), SetCondition.NotExists)));
    }

    [Fact]
    public async Task Incr_IncrBy_Count()
    {
        var key = _p + "n";
        Assert.Equal(1, await Wait.T(_client.IncrementAsync(key)));
        Assert.Equal(11, await Wait.T(_client.IncrementAsync(key, 10)));
        Assert.Equal(-4, await Wait.T(_client.IncrementAsync(key, -15)));
    }

    [Fact]
    public async Task Keys_DelExistsExpirePExpireTtl()
    {
        await Wait.T(_client.SetAsync(_p + "a", 1));
        await Wait.T(_client.SetAsync(_p + "b", 2));
        Assert.Equal(2, await Wait.T(_client.ExistsAsync(_p + "a", _p + "b", _p + "c")));
        Assert.Null(await Wait.T(_client.TimeToLiveAsync(_p + "a")));
        Assert.True(await Wait.T(_client.ExpireAsync(_p + "a", TimeSpan.FromSeconds(100))));
        Assert.InRange((await Wait.T(_client.TimeToLiveAsync(_p + "a")))!.Value.TotalSeconds, 50, 100);

        // Long enough that `b` outlives the fsync'd round trips below on a loaded machine; the odd 500 ms
        // still catches a client that sends seconds (60 500 s), rounds to whole seconds (61 s) or drops units.
        Assert.True(await Wait.T(_client.PExpireAsync(_p + "b", TimeSpan.FromMilliseconds(60_500))));
        Assert.InRange((await Wait.T(_client.TimeToLiveAsync(_p + "b")))!.Value.TotalMilliseconds, 30_000, 60_500);
        Assert.False(await Wait.T(_client.ExpireAsync(_p + "c", TimeSpan.FromSeconds(1))));
        Assert.Equal(2, await Wait.T(_client.DeleteAsync(_p + "a", _p + "b", _p + "c")));
        Assert.Equal(0, await Wait.T(_client.ExistsAsync(_p + "a")));
    }

    [Fact]
    public async Task Expiry_KeyDisappears()
    {
        await Wait.T(_client.SetAsync(_p + "short", 1, TimeSpan.FromMilliseconds(30)));
        await Wait.UntilAsync(async () => await _client.ExistsAsync(_p + "short") == 0, what: "key expiry");
    }

    [Fact]
    public async Task Scan_VisitsEveryMatchingKeyOnce()
    {
        var keys = Enumerable.Range(0, 250).Select(i => _p + "scan:" + i).ToHashSet();
        var batch = _client.CreateBatch();
        var writes = keys.Select(k => batch.SetAsync(k, "x")).ToList();
        batch.Send();
        foreach (var w in writes)
        {
            Assert.True(await Wait.T(w));
        }

        var seen = new HashSet<string>();
        await foreach (var key in _client.ScanAsync(_p + "scan:*", 37).WithCancellation(new CancellationTokenSource(Wait.Timeout).Token))
        {
            seen.Add(key);
        }

        Assert.Equal(keys, seen);
    }

    [Fact]
    public async Task Hashes_AllOperations()
    {
        var key = _p + "h";
        Assert.True(await Wait.T(_client.HashSetAsync(key, "a", "1")));
        Assert.False(await Wait.T(_client.HashSetAsync(key, "a", "2")));
        Assert.Equal(2, await Wait.T(_client.HashSetAsync(key, new Dictionary<string, RedisArg> { ["b"] = 5, ["c"] = 2.5 })));
        Assert.Equal("2", await Wait.T(_client.HashGetStringAsync(key, "a")));
        Assert.Null(await Wait.T(_client.HashGetAsync(key, "zz")));
        Assert.Equal(12, await Wait.T(_client.HashIncrementAsync(key, "b", 7)));
        Assert.Equal(3.0, await Wait.T(_client.HashIncrementAsync(key, "c", 0.5)));
        Assert.True(await Wait.T(_client.HashExistsAsync(key, "c")));
        Assert.False(await Wait.T(_client.HashExistsAsync(key, "zz")));
        Assert.Equal(3, await Wait.T(_client.HashLengthAsync(key)));
        var all = await Wait.T(_client.HashGetAllAsync(key));
        Assert.Equal(["a", "b", "c"], all.Keys.Order());
        Assert.Equal("12", Encoding.UTF8.GetString(all["b"]));
        Assert.Equal(2, await Wait.T(_client.HashDeleteAsync(key, "a", "b", "zz")));
        Assert.Empty(await Wait.T(_client.HashGetAllAsync(_p + "nohash")));
    }

    [Fact]
    public async Task SortedSets_AllOperations()
    {
        var key = _p + "z";
        Assert.True(await Wait.T(_client.SortedSetAddAsync(key, "a", 1.5)));
        Assert.True(await Wait.T(_client.SortedSetAddAsync(key, "b", -2)));
        Assert.False(await Wait.T(_client.SortedSetAddAsync(key, "a", 3)));
        Assert.Equal(3, await Wait.T(_client.SortedSetScoreAsync(key, "a")));
        Assert.Null(await Wait.T(_client.SortedSetScoreAsync(key, "nobody")));
        Assert.Equal(3.25, await Wait.T(_client.SortedSetIncrementAsync(key, "a", 0.25)));
        Assert.True(await Wait.T(_client.SortedSetAddAsync(key, "c", double.PositiveInfinity)));
        Assert.Equal(3, await Wait.T(_client.SortedSetLengthAsync(key)));
        Assert.Equal(0, await Wait.T(_client.SortedSetRankAsync(key, "b")));
        Assert.Null(await Wait.T(_client.SortedSetRankAsync(key, "nobody")));
        var range = await Wait.T(_client.SortedSetRangeWithScoresAsync(key, 0, -1));
        Assert.Equal([("b", -2.0), ("a", 3.25), ("c", double.PositiveInfinity)], range);
        Assert.Equal(["b", "a"], await Wait.T(_client.SortedSetRangeByScoreAsync(key, -10, 10)));
        Assert.True(await Wait.T(_client.SortedSetRemoveAsync(key, "b")));
        Assert.False(await Wait.T(_client.SortedSetRemoveAsync(key, "b")));
    }

    [Fact]
    public async Task Scripts_EvalShaLoadsOnNoScriptThenCaches()
    {
        var script = new RedisScript("return {KEYS[1], ARGV[1], tonumber(ARGV[2]) * 2} -- " + Guid.NewGuid());
        await Wait.T(_client.ExecuteAsync("SCRIPT", "FLUSH"));
        await Assert.ThrowsAsync<RedisNoScriptException>(() => Wait.T(_client.ExecuteAsync("EVALSHA", script.Sha1, 0)));
        var first = await Wait.T(_client.ScriptEvaluateAsync(script, [_p + "k"], ["hello", 21]));
        Assert.Equal([_p + "k", "hello", "42"], first.Items!.Select(i => i.AsString()));
        var cached = await Wait.T(_client.ExecuteAsync("SCRIPT", "EXISTS", script.Sha1));
        Assert.Equal(1, cached.Items![0].AsInt64());
        var second = await Wait.T(_client.ScriptEvaluateAsync(script, [_p + "k"], ["again", 1]));
        Assert.Equal("again", second.Items![1].AsString());
        Assert.Equal(script.Sha1, await Wait.T(_client.ScriptLoadAsync(script.Text)));
        var eval = await Wait.T(_client.EvalAsync("return ARGV[1] .. KEYS[1]", ["k"], ["x"]));
        Assert.Equal("xk", eval.AsString());
    }

    [Fact]
    public async Task ServerErrors_AreTypedExceptions()
    {
        await Wait.T(_client.SetAsync(_p + "str", "x"));
        var wrong = await Assert.ThrowsAsync<RedisWrongTypeException>(() => Wait.T(_client.HashGetAsync(_p + "str", "f")));
        Assert.Equal("WRONGTYPE", wrong.ErrorCode);
        var err = await Assert.ThrowsAsync<RedisServerException>(() => Wait.T(_client.ExecuteAsync("NOSUCHCOMMAND", 1)));
        Assert.Equal("ERR", err.ErrorCode);
        await Assert.ThrowsAsync<RedisServerException>(() => Wait.T(_client.IncrementAsync(_p + "str")));
        await Assert.ThrowsAsync<RedisNoScriptException>(() => Wait.T(_client.ExecuteAsync("EVALSHA", new string('0', 40), 0)));
        // The connection stays usable after errors.
        Assert.Equal("x", await Wait.T(_client.GetStringAsync(_p + "str")));
    }

    [Fact]
    public async Task Execute_RawCommandsReturnRawReplies()
    {
        Assert.Equal("hi", (await Wait.T(_client.ExecuteAsync("ECHO", "hi"))).AsString());
        var info = await Wait.T(_client.ExecuteAsync("INFO", "server"));
        Assert.Contains("redis_version:", info.AsString(), StringComparison.Ordinal);
        var timed = await Wait.T(_client.ExecuteAsync(TimeSpan.FromSeconds(5), CancellationToken.None, "ECHO", "t"));
        Assert.Equal("t", timed.AsString());
    }

    [Theory]
    [InlineData("SUBSCRIBE", "c")]
    [InlineData("multi")]
    [InlineData("SELECT", "1")]
    [InlineData("CLIENT", "REPLY", "OFF")]
    [InlineData("MONITOR")]
    public async Task Execute_ConnectionStateCommands_RefusedBeforeSending(params string[] command)
    {
        Assert.Throws<ArgumentException>(() => _client.ExecuteAsync(command.Select(c => (RedisArg)c).ToArray()));
        Assert.Equal("in step", (await Wait.T(_client.ExecuteAsync("ECHO", "in step"))).AsString());
    }

    [Fact]
    public async Task Batch_SendsAllCommandsEachWithItsReply()
    {
        var batch = _client.CreateBatch();
        var set = batch.SetAsync(_p + "bk", "bv");
        var get = batch.GetStringAsync(_p + "bk");
        var incr = batch.IncrementAsync(_p + "bn", 5);
        var bad = batch.ExecuteAsync("HGET", _p + "bk", "f");
        Assert.Equal(4, batch.Count);
        Assert.False(get.IsCompleted);
        batch.Send();
        Assert.True(await Wait.T(set));
        Assert.Equal("bv", await Wait.T(get));
        Assert.Equal(5, await Wait.T(incr));
        await Assert.ThrowsAsync<RedisWrongTypeException>(() => Wait.T(bad));
        Assert.Throws<InvalidOperationException>(batch.Send);
    }

    [Fact]
    public async Task PubSub_SubscribeReceivesPublishedMessagesThenUnsubscribes()
    {
        await using var subscriber = await Wait.T(_client.CreateSubscriberAsync());
        var channel = _p + "chan";
        var subscription = await Wait.T(subscriber.SubscribeAsync(channel));
        Assert.Equal(1, await Wait.T(_client.PublishAsync(channel, "one")));
        Assert.Equal(1, await Wait.T(_client.PublishAsync(channel, new byte[] { 1, 2, 3 })));
        var first = await Wait.T(subscription.Messages.ReadAsync().AsTask());
        var second = await Wait.T(subscription.Messages.ReadAsync().AsTask());
        Assert.Equal((channel, "one"), (first.Channel, first.Text));
        Assert.Equal(new byte[] { 1, 2, 3 }, second.Payload);
        await subscription.DisposeAsync();
        Assert.Equal(0, await Wait.T(_client.PublishAsync(channel, "nobody listens")));
        await Wait.T(subscription.Messages.Completion);
    }

    [Fact]
    public async Task RealServerVectors_EveryResp3TypeParses()
    {
        // DEBUG PROTOCOL makes the real server emit each RESP3 type (enabled in the fixture).
        if (_protocol != RedisProtocol.Resp3)
        {
            Assert.Equal(2, _client.ProtocolVersion);
            return;
        }

        Assert.Equal(RespType.BulkString, (await Wait.T(_client.ExecuteAsync("DEBUG", "PROTOCOL", "string"))).Type);
        Assert.Equal(RespType.Integer, (await Wait.T(_client.ExecuteAsync("DEBUG", "PROTOCOL", "integer"))).Type);
        Assert.Equal(3.141, (await Wait.T(_client.ExecuteAsync("DEBUG", "PROTOCOL", "double"))).AsDouble());
        Assert.Equal(RespType.BigNumber, (await Wait.T(_client.ExecuteAsync("DEBUG", "PROTOCOL", "bignum"))).Type);
        Assert.True((await Wait.T(_client.ExecuteAsync("DEBUG", "PROTOCOL", "null"))).IsNull);
        Assert.Equal(RespType.Array, (await Wait.T(_client.ExecuteAsync("DEBUG", "PROTOCOL", "array"))).Type);
        Assert.Equal(RespType.Set, (await Wait.T(_client.ExecuteAsync("DEBUG", "PROTOCOL", "set"))).Type);
        Assert.Equal(RespType.Map, (await Wait.T(_client.ExecuteAsync("DEBUG", "PROTOCOL", "map"))).Type);
        Assert.Equal(RespType.VerbatimString, (await Wait.T(_client.ExecuteAsync("DEBUG", "PROTOCOL", "verbatim"))).Type);
        Assert.True((await Wait.T(_client.ExecuteAsync("DEBUG", "PROTOCOL", "true"))).AsBoolean());
        Assert.False((await Wait.T(_client.ExecuteAsync("DEBUG", "PROTOCOL", "false"))).AsBoolean());
        // The attribute is dropped and the value after it comes back.
        Assert.NotEqual(RespType.Null, (await Wait.T(_client.ExecuteAsync("DEBUG", "PROTOCOL", "attrib"))).Type);
        // "push" sends an out-of-band push and then a reply; the push must not be taken as the reply.
        var afterPush = await Wait.T(_client.ExecuteAsync("DEBUG", "PROTOCOL", "push"));
        Assert.NotEqual(RespType.Push, afterPush.Type);
        Assert.Equal("still in step", (await Wait.T(_client.ExecuteAsync("ECHO", "still in step"))).AsString());
    }
}

public sealed class Resp3CommandTests(RedisFixture fixture) : ClientCommandTests(fixture, RedisProtocol.Resp3);

public sealed class Resp2CommandTests(RedisFixture fixture) : ClientCommandTests(fixture, RedisProtocol.Resp2);
