using System.Diagnostics;
using Intelligence.Chain;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Rpc;
using Xunit.Abstractions;

namespace Intelligence.Network.Tests;

/// <summary>
/// Faults against real processes on one devnet: misbehaving miners score 0 while the validator keeps going; the RPC
/// node stopped and restarted on the same port (readiness degraded meanwhile, recovery unattended); the validator
/// SIGKILLed right after a commit and restarted (scores intact, the commit revealed, no second commit in the interval).
/// </summary>
[Collection("network")]
public sealed class FaultTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Network_FaultyMinersNodeOutageAndValidatorKill_AreSurvived()
    {
        var clock = Stopwatch.StartNew();
        await using var net = await Devnet.StartAsync();
        // The reveal window is tempo blocks (one a second): wide enough for a SIGKILLed validator to restart on a loaded machine.
        const uint tempo = 90;
        const int interval = 8;
        var netuid = await net.CreateSubnetAsync(tempo, maxValidators: 1);
        var validator = await net.AddNeuronAsync(netuid, "validator");
        await net.AddNeuronAsync(netuid, "good");
        var faults = Enum.GetValues<Fault>();
        foreach (var f in faults)
        {
            await net.AddNeuronAsync(netuid, f.ToString().ToLowerInvariant());
        }
        await net.StakeAsync(netuid, validator, await net.OwnerBalanceAsync() / 2);
        await net.EpochAsync(netuid);
        await net.EpochAsync(netuid);

        var fakes = new Dictionary<Fault, FakeMiner>();
        var keys = new List<PrivateKey>();
        foreach (var f in faults)
        {
            // Kept alive while the fake serves: a disposed key is wiped and would sign garbage.
            var key = net.UnlockHotkey(f.ToString().ToLowerInvariant());
            keys.Add(key);
            fakes[f] = await FakeMiner.StartAsync(f, key, net.Anvil.ChainId, netuid, validator);
            await new NetworkContract(net.Eth, net.Deployment.Network, net.Sender(key)).ServeAxonAsync(netuid, 0x7f000001, 4, (ushort)fakes[f].Port, 1);
        }
        var model = Path.Combine(net.Dir, "good.onnx");
        await File.WriteAllBytesAsync(model, Models.Good());
        var goodConfig = net.WriteConfig("good", "good", netuid, new() { ["Miner"] = new Dictionary<string, object> { ["Model"] = model, ["Provider"] = "cpu" } });
        var miner = net.StartNode("good", "miner", goodConfig);
        var minerReady = await miner.WaitForLineAsync(l => l.StartsWith("ready miner ", StringComparison.Ordinal), Ready, "ready line");
        var validatorConfig = net.WriteConfig("validator", "validator", netuid, new()
        {
            ["Validator"] = new Dictionary<string, object> { ["StepInterval"] = "00:00:01", ["QueryTimeout"] = "00:00:02", ["Alpha"] = 0.5, ["WeightsIntervalBlocks"] = interval },
        });
        var v = net.StartNode("validator", "validator", validatorConfig);
        var readyLine = await v.WaitForLineAsync(l => l.StartsWith("ready validator ", StringComparison.Ordinal), Ready, "ready line");
        var graph = await net.MetagraphAsync(netuid);
        int UidOf(string name) => graph.Neurons.Single(n => n.Hotkey == net.Wallet.HotkeyAddress(name)).Uid;
        var goodUid = UidOf("good");
        var faultUids = faults.ToDictionary(f => f, f => UidOf(f.ToString().ToLowerInvariant()));

        // 1. Every faulty miner scores 0 with the right reason while the good one scores; then one vanishes mid-run.
        var expected = new Dictionary<Fault, string>
        {
            [Fault.Slow] = "Missing:DeadlineExceeded",
            [Fault.Refuse] = "Missing:PermissionDenied",
            [Fault.Garbage] = "Missing:Malformed",
            [Fault.NaN] = "NonFinite",
            [Fault.WrongShape] = "Malformed",
            [Fault.Huge] = "Missing:ResourceExhausted",
            [Fault.Forged] = "Missing:Unauthenticated",
        };
        await Waits.UntilAsync(() =>
        {
            var entries = StepLines.Parse(v.Lines).ToList();
            return entries.Any(e => e.Uid == goodUid && e.Score > 0.5)
                && expected.All(x => entries.Any(e => e.Uid == faultUids[x.Key] && e.Score == 0 && e.Reason == x.Value));
        }, TimeSpan.FromSeconds(90), () => "fault scores:\n" + net.Logs());
        Assert.DoesNotContain(StepLines.Parse(v.Lines), e => e.Uid != goodUid && e.Uid != faultUids[Fault.Vanishing] && e.Score > 0);
        await fakes[Fault.Vanishing].DisposeAsync();
        var stepsBefore = StepLines.Parse(v.Lines).Count();
        await Waits.UntilAsync(() => StepLines.Parse(v.Lines).Skip(stepsBefore).Any(e => e.Uid == faultUids[Fault.Vanishing] && e.Score == 0 && e.Reason.StartsWith("Missing:", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), () => "vanished miner:\n" + net.Logs());
        output.WriteLine($"faulty miners scored 0 after {clock.Elapsed.TotalSeconds:0.0} s");

        // 2. The node goes away and comes back on the same port: both report degraded, the validator keeps querying
        //    from its cached metagraph, and both recover by themselves.
        var health = readyLine.Split(' ').Single(p => p.StartsWith("health=", StringComparison.Ordinal))[7..];
        var minerHealth = minerReady.Split(' ').Single(p => p.StartsWith("health=", StringComparison.Ordinal))[7..];
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        Assert.Equal(200, (int)(await http.GetAsync(new Uri(health + "/readyz"))).StatusCode);
        await net.RestartNodeAsync(async () =>
        {
            await Waits.UntilAsync(async () => (int)(await http.GetAsync(new Uri(health + "/readyz"))).StatusCode == 503
                && (int)(await http.GetAsync(new Uri(minerHealth + "/readyz"))).StatusCode == 503, TimeSpan.FromSeconds(30), () => "degraded:\n" + net.Logs());
            var during = StepLines.Parse(v.Lines).Count(e => e.Uid == goodUid);
            await Waits.UntilAsync(() => StepLines.Parse(v.Lines).Count(e => e.Uid == goodUid && e.Score > 0) > during + 2, TimeSpan.FromSeconds(30), () => "steps while down:\n" + net.Logs());
            output.WriteLine($"node down: both degraded, the validator kept scoring the good miner, at {clock.Elapsed.TotalSeconds:0.0} s");
        });
        await Waits.UntilAsync(async () => (int)(await http.GetAsync(new Uri(health + "/readyz"))).StatusCode == 200
            && (int)(await http.GetAsync(new Uri(minerHealth + "/readyz"))).StatusCode == 200, TimeSpan.FromSeconds(60), () => "recovery:\n" + net.Logs());
        Assert.Contains(v.Lines, l => l.Contains("answers again", StringComparison.Ordinal));
        output.WriteLine($"node back: both ready again at {clock.Elapsed.TotalSeconds:0.0} s");

        // 2b. The miner restarts (SIGTERM, then the same config on a new port): the validator follows its new axon
        //     and scores it again without intervention.
        Assert.Equal(0, await miner.TerminateAsync(TimeSpan.FromSeconds(30)));
        var afterStop = StepLines.Parse(v.Lines).Count();
        await Waits.UntilAsync(() => StepLines.Parse(v.Lines).Skip(afterStop).Any(e => e.Uid == goodUid && e.Score == 0), TimeSpan.FromSeconds(30), () => "miner down:\n" + net.Logs());
        var miner2 = net.StartNode("good-again", "miner", goodConfig);
        await miner2.WaitForLineAsync(l => l.StartsWith("ready miner ", StringComparison.Ordinal), Ready, "ready line after restart");
        var afterRestart = StepLines.Parse(v.Lines).Count();
        await Waits.UntilAsync(() => StepLines.Parse(v.Lines).Skip(afterRestart).Any(e => e.Uid == goodUid && e.Score > 0.5), TimeSpan.FromSeconds(60), () => "miner back:\n" + net.Logs());
        output.WriteLine($"miner restarted and scored again at {clock.Elapsed.TotalSeconds:0.0} s");

        // 3. SIGKILL right after a commit; the restarted validator loads its scores and reveals that commit.
        var commits = v.Lines.Count(l => l.Contains("weights committed", StringComparison.Ordinal));
        await v.WaitForLineAsync(l => v.Lines.Count(x => x.Contains("weights committed", StringComparison.Ordinal)) > commits, TimeSpan.FromSeconds(90), "a new commit");
        v.KillHard();
        var scoresFile = Path.Combine(net.Dir, "validator-data", "scores.db");
        Assert.True(File.Exists(scoresFile));
        var v2 = net.StartNode("validator2", "validator", validatorConfig);
        await v2.WaitForLineAsync(l => l.StartsWith("ready validator ", StringComparison.Ordinal), Ready, "ready line after SIGKILL");
        var loaded = await v2.WaitForLineAsync(l => l.Contains("persisted scores", StringComparison.Ordinal), TimeSpan.FromSeconds(5), "scores loaded");
        Assert.DoesNotContain("loaded 0 ", loaded, StringComparison.Ordinal);
        await v2.WaitForLineAsync(l => l.Contains("weights revealed", StringComparison.Ordinal), TimeSpan.FromSeconds(90), "the reveal of the commit made before the kill");
        var restartedAt = await net.Eth.BlockNumberAsync();

        // From the chain: commits of the validator at least an interval apart, and each one revealed before the next.
        await Waits.UntilAsync(async () => (await net.Eth.BlockNumberAsync()) > restartedAt + interval + 4, TimeSpan.FromSeconds(30), () => "blocks");
        var logs = await net.Eth.GetLogsAsync(new LogFilter { FromBlock = 0, ToBlock = await net.Eth.BlockNumberAsync(), Addresses = [net.Deployment.Network] });
        var vuid = graph.Neurons.Single(n => n.Hotkey == validator).Uid;
        var committed = logs.Where(NetworkContract.WeightsCommittedEvent.Matches).Select(l => (Event: NetworkContract.WeightsCommittedEvent.Decode(l), l.BlockNumber)).Where(e => e.Event.Uid == vuid).Select(e => e.BlockNumber).ToList();
        var revealed = logs.Where(NetworkContract.WeightsSetEvent.Matches).Select(l => (Event: NetworkContract.WeightsSetEvent.Decode(l), l.BlockNumber)).Where(e => e.Event.Uid == vuid).Select(e => e.BlockNumber).ToList();
        output.WriteLine($"commits at {string.Join(",", committed)}; reveals at {string.Join(",", revealed)}");
        // On a failure, what both validator processes said about weights, so a CI log shows why.
        string History() => $"commits at {string.Join(",", committed)}; reveals at {string.Join(",", revealed)}\n" + string.Join("\n", v.Lines.Select(l => "v: " + l).Concat(v2.Lines.Select(l => "v2: " + l))
            .Where(l => l.Contains("weights", StringComparison.Ordinal) || l.Contains("commit", StringComparison.Ordinal) || l.Contains("reveal", StringComparison.Ordinal)
                || l.Contains("node", StringComparison.Ordinal) || l.Contains("failed", StringComparison.Ordinal)));
        Assert.True(committed.Count >= 2, "commits: " + string.Join(",", committed));
        for (var i = 1; i < committed.Count; i++)
        {
            Assert.True(committed[i] - committed[i - 1] >= interval, $"commits {committed[i - 1]} and {committed[i]} are closer than the interval {interval}\n{History()}");
            Assert.True(revealed.Any(r => r > committed[i - 1] && r <= committed[i]), $"the commit of block {committed[i - 1]} was not revealed before the next one\n{History()}");
        }
        output.WriteLine($"total {clock.Elapsed.TotalSeconds:0.0} s");
        foreach (var f in fakes.Where(f => f.Key != Fault.Vanishing).Select(f => f.Value))
        {
            await f.DisposeAsync();
        }
        keys.ForEach(k => k.Dispose());
    }
}
