using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Intelligence.Chain;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Rpc;
using Intelligence.Protocol.V1;
using Intelligence.State.Tests;
using Intelligence.Subnets.Digits;
using Xunit.Abstractions;

namespace Intelligence.Network.Tests;

/// <summary>
/// Two workers of one validator (one hotkey) on one redis-server, as real processes against a devnet, with three
/// miners served in this process through the real protocol pipeline: each worker queries its share of the UIDs; only
/// the holder of the duties lease commits and reveals; SIGKILL the holder right after a commit and the other worker
/// takes the duties, reveals that commit from the record in Redis, takes over the dead worker's miners (their replay
/// caches accept its nonces) and never commits twice within an interval.
/// </summary>
[Collection("network")]
public sealed class WorkersTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task TwoWorkersOfOneHotkey_SplitTheMiners_OneHoldsTheDuties_KilledHolderReplacedWithoutLosingTheReveal()
    {
        var clock = Stopwatch.StartNew();
        await using var redis = await RedisServer.StartAsync();
        await using var net = await Devnet.StartAsync();
        const uint tempo = 40;
        const int interval = 8;
        var netuid = await net.CreateSubnetAsync(tempo, maxValidators: 1);
        var validator = await net.AddNeuronAsync(netuid, "validator");
        var names = new[] { "m1", "m2", "m3" };
        foreach (var m in names)
        {
            await net.AddNeuronAsync(netuid, m);
        }
        await net.StakeAsync(netuid, validator, await net.OwnerBalanceAsync() / 2);
        await net.EpochAsync(netuid);
        await net.EpochAsync(netuid);
        var graph = await net.MetagraphAsync(netuid);
        int UidOf(string name) => graph.Neurons.Single(n => n.Hotkey == net.Wallet.HotkeyAddress(name)).Uid;
        var uids = names.Select(UidOf).ToArray();
        var vuid = UidOf("validator");
        output.WriteLine($"subnet {netuid}: validator uid {vuid}, miners {string.Join(",", uids)}, at {clock.Elapsed.TotalSeconds:0.0} s");

        var keys = new List<PrivateKey>();
        var miners = new List<FakeMiner>();
        for (var i = 0; i < names.Length; i++)
        {
            // Kept alive while the miner serves: a disposed key is wiped and would sign garbage.
            var key = net.UnlockHotkey(names[i]);
            keys.Add(key);
            var miner = await FakeMiner.StartAsync(NearestNeighbour(0.9f - (0.1f * i)), key, net.Anvil.ChainId, netuid, validator);
            miners.Add(miner);
            await new NetworkContract(net.Eth, net.Deployment.Network, net.Sender(key)).ServeAxonAsync(netuid, 0x7f000001, 4, (ushort)miner.Port, 1);
        }

        var prefix = "workers-" + Guid.NewGuid().ToString("N")[..8] + ":";
        string Config(int index) => net.WriteConfig("worker" + index, "validator", netuid, new()
        {
            ["Validator"] = new Dictionary<string, object>
            {
                ["StepInterval"] = "00:00:01", ["QueryTimeout"] = "00:00:02", ["Alpha"] = 0.5, ["WeightsIntervalBlocks"] = interval,
                ["Workers"] = 2, ["WorkerIndex"] = index, ["LeaseTime"] = "00:00:02",
            },
            ["State"] = new Dictionary<string, object>
            {
                ["Redis"] = redis.ConnectionString(), ["KeyPrefix"] = prefix, ["DataDir"] = Path.Combine(net.Dir, "worker" + index + "-data"),
            },
        });
        var w0 = net.StartNode("worker0", "validator", Config(0));
        Assert.Contains(" worker=0/2 ", await w0.WaitForLineAsync(l => l.StartsWith("ready validator ", StringComparison.Ordinal), Ready, "ready line"), StringComparison.Ordinal);
        var w1 = net.StartNode("worker1", "validator", Config(1));
        Assert.Contains(" worker=1/2 ", await w1.WaitForLineAsync(l => l.StartsWith("ready validator ", StringComparison.Ordinal), Ready, "ready line"), StringComparison.Ordinal);
        output.WriteLine($"both workers ready at {clock.Elapsed.TotalSeconds:0.0} s");

        // 1. Worker 0 started alone and queried every miner; once it sees worker 1, each queries only its own share.
        await w0.WaitForLineAsync(l => l.Contains("live workers 0,1 ", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "worker 0 seeing worker 1");
        var even = uids.Where(u => u % 2 == 0).ToArray();
        var odd = uids.Where(u => u % 2 == 1).ToArray();
        Assert.NotEmpty(even);
        Assert.NotEmpty(odd);
        IEnumerable<(int Uid, double Score, string Reason)> Steps(NodeProcess p, Func<string, bool>? after = null) =>
            StepLines.Parse(after is null ? p.Lines : p.Lines.SkipWhile(l => !after(l)).Skip(1).Where(l => l.Contains("uid=score/ema", StringComparison.Ordinal)).Skip(1));
        bool SplitSeen(NodeProcess p, int[] mine, Func<string, bool>? after = null) =>
            mine.All(u => Steps(p, after).Any(e => e.Uid == u && e.Score > 0));
        bool W0Split(string l) => l.Contains("live workers 0,1 ", StringComparison.Ordinal);
        await Waits.UntilAsync(() => SplitSeen(w0, even, W0Split) && SplitSeen(w1, odd), TimeSpan.FromSeconds(60), () => "each worker its share:\n" + net.Logs());
        Assert.All(Steps(w0, W0Split), e => Assert.Contains(e.Uid, even));
        Assert.All(Steps(w1), e => Assert.Contains(e.Uid, odd));
        output.WriteLine($"worker 0 queries {string.Join(",", even)}, worker 1 queries {string.Join(",", odd)}, at {clock.Elapsed.TotalSeconds:0.0} s");

        // 2. Worker 0 joined first and holds the duties: it commits and reveals, worker 1 only says who does.
        Assert.Contains(w0.Lines, l => l.Contains("worker 0 of 2 holds the chain duties", StringComparison.Ordinal));
        Assert.Contains(w1.Lines, l => l.Contains("the chain duties are held by ", StringComparison.Ordinal) && l.Contains("/w0of2/", StringComparison.Ordinal));
        await w0.WaitForLineAsync(l => l.Contains("weights revealed", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "a reveal by the holder");
        var commits = w0.Lines.Count(l => l.Contains("weights committed", StringComparison.Ordinal));
        await w0.WaitForLineAsync(_ => w0.Lines.Count(l => l.Contains("weights committed", StringComparison.Ordinal)) > commits, TimeSpan.FromSeconds(60), "a new commit");

        // 3. SIGKILL right after that commit: its reveal data is only in Redis now.
        w0.KillHard();
        var lastCommit = w0.Lines.Last(l => l.Contains("weights committed", StringComparison.Ordinal));
        var commitBlock = ulong.Parse(lastCommit[(lastCommit.IndexOf(" in block ", StringComparison.Ordinal) + 10)..].Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.DoesNotContain(w1.Lines, l => l.Contains("weights committed", StringComparison.Ordinal) || l.Contains("weights revealed", StringComparison.Ordinal));
        output.WriteLine($"worker 0 killed after its commit in block {commitBlock}, at {clock.Elapsed.TotalSeconds:0.0} s");

        await w1.WaitForLineAsync(l => l.Contains("worker 1 of 2 holds the chain duties", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "takeover of the duties");
        var revealed = await w1.WaitForLineAsync(l => l.Contains("weights revealed", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "the reveal of worker 0's commit");
        Assert.Contains($"(committed in block {commitBlock.ToString(CultureInfo.InvariantCulture)})", revealed, StringComparison.Ordinal);
        await w1.WaitForLineAsync(l => l.Contains("live workers 1 ", StringComparison.Ordinal), TimeSpan.FromSeconds(30), "worker 1 seeing worker 0 gone");
        bool W1Alone(string l) => l.Contains("live workers 1 ", StringComparison.Ordinal);
        await Waits.UntilAsync(() => SplitSeen(w1, uids, W1Alone), TimeSpan.FromSeconds(30), () => "worker 1 takes over worker 0's miners:\n" + net.Logs());
        output.WriteLine($"worker 1 took the duties, revealed, and queries every miner at {clock.Elapsed.TotalSeconds:0.0} s");

        // 4. Worker 1 commits and reveals on its own; on chain, commits are an interval apart and each is revealed before the next.
        await w1.WaitForLineAsync(l => l.Contains("weights committed", StringComparison.Ordinal), TimeSpan.FromSeconds(60), "worker 1's own commit");
        await w1.WaitForLineAsync(_ => w1.Lines.Count(l => l.Contains("weights revealed", StringComparison.Ordinal)) >= 2, TimeSpan.FromSeconds(60), "worker 1's own reveal");
        var logs = await net.Eth.GetLogsAsync(new LogFilter { FromBlock = 0, ToBlock = await net.Eth.BlockNumberAsync(), Addresses = [net.Deployment.Network] });
        var committed = logs.Where(NetworkContract.WeightsCommittedEvent.Matches).Select(l => (Event: NetworkContract.WeightsCommittedEvent.Decode(l), l.BlockNumber)).Where(e => e.Event.Uid == vuid).Select(e => e.BlockNumber).ToList();
        var set = logs.Where(NetworkContract.WeightsSetEvent.Matches).Select(l => (Event: NetworkContract.WeightsSetEvent.Decode(l), l.BlockNumber)).Where(e => e.Event.Uid == vuid).Select(e => e.BlockNumber).ToList();
        output.WriteLine($"commits at {string.Join(",", committed)}; reveals at {string.Join(",", set)}");
        Assert.Contains(commitBlock, committed);
        Assert.True(committed.Count >= 3, "commits: " + string.Join(",", committed));
        for (var i = 1; i < committed.Count; i++)
        {
            Assert.True(committed[i] - committed[i - 1] >= interval, $"commits {committed[i - 1]} and {committed[i]} are closer than the interval {interval}");
            Assert.True(set.Any(r => r > committed[i - 1] && r <= committed[i]), $"the commit of block {committed[i - 1]} was not revealed before the next one");
        }
        Assert.Contains(set, r => r > commitBlock && r <= commitBlock + 2 + tempo);
        Assert.Equal(0, await w1.TerminateAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(w1.Lines, l => l.Contains("released the chain duties", StringComparison.Ordinal));
        output.WriteLine($"total {clock.Elapsed.TotalSeconds:0.0} s");
        foreach (var m in miners)
        {
            await m.DisposeAsync();
        }
        keys.ForEach(k => k.Dispose());
    }

    /// <summary>A digits miner without a model: the label of the nearest public row, given <paramref name="confidence"/>.</summary>
    private static Func<ForwardRequest, ForwardResponse> NearestNeighbour(float confidence)
    {
        var pub = new DigitsSubnet().PublicSplit;
        return request =>
        {
            var input = request.Inputs[0];
            var rows = (int)input.Shape[0];
            var x = MemoryMarshal.Cast<byte, float>(input.Data.Span);
            var probabilities = new float[rows * DigitsSubnet.Classes];
            Array.Fill(probabilities, (1 - confidence) / (DigitsSubnet.Classes - 1));
            for (var r = 0; r < rows; r++)
            {
                var row = x.Slice(r * DigitsSubnet.Pixels, DigitsSubnet.Pixels);
                var best = (Distance: double.MaxValue, Label: 0);
                for (var j = 0; j < pub.Count; j++)
                {
                    var d = 0.0;
                    for (var k = 0; k < DigitsSubnet.Pixels; k++)
                    {
                        var diff = row[k] - pub.Features[j][k];
                        d += diff * diff;
                    }
                    if (d < best.Distance)
                    {
                        best = (d, pub.Labels[j]);
                    }
                }
                probabilities[(r * DigitsSubnet.Classes) + best.Label] = confidence;
            }
            var data = ByteString.CopyFrom(MemoryMarshal.AsBytes(probabilities.AsSpan()));
            return new ForwardResponse { Outputs = { new Tensor { Name = "probabilities", Dtype = DataType.Float32, Shape = { rows, DigitsSubnet.Classes }, Data = data } } };
        };
    }
}
