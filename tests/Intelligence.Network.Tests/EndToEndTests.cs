using System.Diagnostics;
using System.Text.Json;
using Google.Protobuf;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Rpc;
using Intelligence.Node;
using Intelligence.Protocol.V1;
using Intelligence.Subnets;
using Intelligence.Subnets.Digits;
using Xunit.Abstractions;

namespace Intelligence.Network.Tests;

/// <summary>The processes of the network against a real anvil, run one test at a time (each has its own devnet).</summary>
[CollectionDefinition("network", DisableParallelization = true)]
public sealed class NetworkCollection;

/// <summary>
/// One validator and three digits miners (good, weak, random), real processes started from their built binaries with
/// config files: the chain ends up paying good > weak > random, the validator earns dividends, every epoch the
/// validator runs is credited exactly as Intelligence.Consensus predicts, and a grpc-js client with its own signing
/// code calls the good miner.
/// </summary>
[Collection("network")]
public sealed class EndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Network_GoodWeakRandomMiners_IncentiveFollowsQuality_AndCreditsMatchThePrediction()
    {
        var clock = Stopwatch.StartNew();
        await using var net = await Devnet.StartAsync();
        output.WriteLine($"deployed in {clock.Elapsed.TotalSeconds:0.0} s");
        const uint tempo = 24;
        var netuid = await net.CreateSubnetAsync(tempo, maxValidators: 1);
        var validator = await net.AddNeuronAsync(netuid, "validator");
        var miners = new[] { "good", "weak", "random" };
        foreach (var m in miners)
        {
            // "weak" registers itself at start (--register: the coldkey pays the burn); the others are registered here.
            await net.AddNeuronAsync(netuid, m, register: m != "weak");
        }
        await net.AddNeuronAsync(netuid, "stranger", register: false);
        await net.StakeAsync(netuid, validator, await net.OwnerBalanceAsync() / 2);
        // The first epoch snapshots the stake, the next hands out the permit.
        await net.EpochAsync(netuid);
        await net.EpochAsync(netuid);
        output.WriteLine($"subnet {netuid} ready in {clock.Elapsed.TotalSeconds:0.0} s");

        var models = new Dictionary<string, byte[]> { ["good"] = Models.Good(), ["weak"] = Models.Weak(), ["random"] = Models.Random() };
        var processes = new Dictionary<string, NodeProcess>();
        foreach (var m in miners)
        {
            var model = Path.Combine(net.Dir, m + ".onnx");
            await File.WriteAllBytesAsync(model, models[m]);
            var config = net.WriteConfig(m, m, netuid, new() { ["Miner"] = new Dictionary<string, object> { ["Model"] = model, ["Provider"] = "cpu" } });
            processes[m] = m == "weak" ? net.StartNode(m, "miner", config, "--register") : net.StartNode(m, "miner", config);
        }
        // A hotkey that is not registered, without --register: exit 1 with the burn and the commands to register.
        var strangerConfig = net.WriteConfig("stranger", "stranger", netuid, new() { ["Miner"] = new Dictionary<string, object> { ["Model"] = Path.Combine(net.Dir, "good.onnx"), ["Provider"] = "cpu" } });
        var stranger = net.StartNode("stranger", "miner", strangerConfig);
        var readyLines = new Dictionary<string, string>();
        foreach (var m in miners)
        {
            readyLines[m] = await processes[m].WaitForLineAsync(l => l.StartsWith("ready miner ", StringComparison.Ordinal), Ready, "ready line");
        }
        Assert.Equal(1, await stranger.WaitForExitAsync(Ready));
        Assert.Contains(stranger.Lines, l => l.StartsWith("error: hotkey ", StringComparison.Ordinal) && l.Contains($"is not registered on subnet {netuid}; registering costs ", StringComparison.Ordinal) && l.Contains(" tokens now", StringComparison.Ordinal));
        Assert.Contains(stranger.Lines, l => l.Contains("--register", StringComparison.Ordinal));
        Assert.Contains(processes["weak"].Lines, l => l.Contains("registered hotkey", StringComparison.Ordinal));
        var validatorConfig = net.WriteConfig("validator", "validator", netuid, new()
        {
            ["Validator"] = new Dictionary<string, object>
            {
                ["StepInterval"] = "00:00:01", ["QueryTimeout"] = "00:00:05", ["Alpha"] = 0.5, ["WeightsIntervalBlocks"] = 8,
            },
        });
        var v = net.StartNode("validator", "validator", validatorConfig);
        var validatorReady = await v.WaitForLineAsync(l => l.StartsWith("ready validator ", StringComparison.Ordinal), Ready, "ready line");
        output.WriteLine($"processes ready in {clock.Elapsed.TotalSeconds:0.0} s: {validatorReady}");

        // Wait (on the chain's own state) until the epochs credit the scores: good > weak > random, dividends > 0,
        // after at least two epochs the validator ran with its revealed weights in them.
        var uids = new Dictionary<string, int>();
        MetagraphSnapshot? graph = null;
        long[] inc = [];
        var epochsAfterReveal = 0;
        await Waits.UntilAsync(async () =>
        {
            graph = await net.MetagraphAsync(netuid);
            foreach (var m in miners.Append("validator"))
            {
                uids[m] = graph.Neurons.Single(n => n.Hotkey == net.Wallet.HotkeyAddress(m)).Uid;
            }
            inc = [.. miners.Select(m => (long)graph.Neurons[uids[m]].Incentive)];
            epochsAfterReveal = v.Lines.SkipWhile(l => !l.Contains("weights revealed", StringComparison.Ordinal)).Count(l => l.Contains("credited equals the C# prediction", StringComparison.Ordinal));
            return inc[0] > inc[1] && inc[1] > inc[2] && graph.Neurons[uids["validator"]].Dividends > 0 && epochsAfterReveal >= 2;
        }, TimeSpan.FromSeconds(150), () => $"incentives {string.Join(",", inc)}, dividends {graph?.Neurons[uids["validator"]].Dividends}, epochs after reveal {epochsAfterReveal}\n{net.Logs()}");
        Assert.NotNull(graph);
        output.WriteLine($"incentive good/weak/random {graph.Neurons[uids["good"]].Incentive}/{graph.Neurons[uids["weak"]].Incentive}/{graph.Neurons[uids["random"]].Incentive}, validator dividends {graph.Neurons[uids["validator"]].Dividends}, after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.DoesNotContain(v.Lines, l => l.Contains("credited something else", StringComparison.Ordinal));
        Assert.Contains(v.Lines, l => l.Contains("weights committed", StringComparison.Ordinal));

        // The test's own replay of the latest epoch, independent of the validator's.
        var logs = await net.Eth.GetLogsAsync(new LogFilter { FromBlock = 0, ToBlock = await net.Eth.BlockNumberAsync(), Addresses = [net.Deployment.Network] });
        var last = logs.Where(NetworkContract.EpochRunEvent.Matches).Select(NetworkContract.EpochRunEvent.Decode).Last(e => e.Netuid == netuid);
        var parity = await new EpochParity(net.Eth, net.Deployment.Network, await net.Net.OwnerCutPpmAsync()).CheckAsync(last, CancellationToken.None);
        Assert.True(parity.Ok, string.Join("\n", parity.Differences));
        output.WriteLine($"epoch {last.Epoch}: emission {last.Emission}, uid emissions {string.Join(",", parity.Result.Emission)}");

        // A third-party client: grpc-js with its own keccak/secp256k1 signs a request as the validator and calls the good miner.
        var good = readyLines["good"];
        var grpc = good.Split(' ').Single(p => p.StartsWith("grpc=", StringComparison.Ordinal))[5..];
        var query = (ClassificationQuery)new DigitsSubnet().CreateQueryBatch(new Random(11));
        var request = new ForwardRequest { Netuid = netuid, Task = "digits" };
        request.Inputs.Add(TensorMapping.ToWire(query.Inputs[0]));
        using var vkey = net.UnlockHotkey("validator");
        var spec = JsonSerializer.Serialize(new
        {
            address = grpc,
            key = "0x" + Convert.ToHexStringLower(vkey.ExportBytes()),
            miner = net.Wallet.HotkeyAddress("good").ToLowerHex(),
            chainId = net.Anvil.ChainId,
            netuid = (int)netuid,
            body = Convert.ToBase64String(request.ToByteArray()),
        });
        var (code, stdout, stderr) = await RunNodeAsync(Path.Combine(RepoPaths.Root(), "tests", "Intelligence.Network.Tests", "signed-forward.mjs"), spec, TimeSpan.FromSeconds(60));
        Assert.True(code == 0, stdout + stderr);
        using var result = JsonDocument.Parse(stdout.Split('\n').Single(l => l.StartsWith("result ", StringComparison.Ordinal))[7..]);
        Assert.Equal(0, result.RootElement.GetProperty("code").GetInt32());
        Assert.Equal(vkey.Address.ToLowerHex(), result.RootElement.GetProperty("caller").GetString());
        Assert.Equal(net.Wallet.HotkeyAddress("good").ToLowerHex(), result.RootElement.GetProperty("recovered").GetString());
        var response = ForwardResponse.Parser.ParseFrom(Convert.FromBase64String(result.RootElement.GetProperty("response").GetString()!));
        Assert.Equal([query.BatchSize, DigitsSubnet.Classes], response.Outputs[0].Shape);

        // SIGTERM: the validator finishes its step, persists and exits 0.
        Assert.Equal(0, await v.TerminateAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(v.Lines, l => l.Contains("scores persisted", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(net.Dir, "validator-data", "scores.db")));
        output.WriteLine($"total {clock.Elapsed.TotalSeconds:0.0} s");
    }

    internal static async Task<(int Code, string Stdout, string Stderr)> RunNodeAsync(string script, string arg, TimeSpan timeout)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(arg);
        start.Environment["NODE_PATH"] = Path.Combine(RepoPaths.ToolsDir(), "npm", "node_modules");
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish in {timeout}");
        }
        return (p.ExitCode, await stdout, await stderr);
    }
}
