using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Intelligence.Chain;
using Intelligence.Cli.Cli;
using Intelligence.Cli.Devnet;
using ParityReport = Intelligence.Node.ParityReport;

namespace Intelligence.Cli.Commands;

/// <summary><c>intelligence devnet ...</c>: drive a local chain (anvil) with the deployed contracts.</summary>
internal static class DevnetCommands
{
    /// <summary>anvil's second default account (mnemonic "test test ... junk"): a public test key, never for real funds.</summary>
    internal const string DevColdkey = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    public static Command Create()
    {
        var devnet = new Command("devnet", "Local development network: anvil, the contracts, miners and validators as separate processes");
        devnet.Subcommands.Add(DevnetUpCommand.Up());
        devnet.Subcommands.Add(DevnetUpCommand.Down());
        devnet.Subcommands.Add(DevnetUpCommand.Status());
        devnet.Subcommands.Add(DevnetUpCommand.SuperviseTest());
        devnet.Subcommands.Add(Demo());
        return devnet;
    }

    private static Command Demo()
    {
        var rpc = new Option<string>("--rpc") { Description = "JSON-RPC endpoint of a dev node (anvil: the demo mines blocks with anvil_mine)", Required = true };
        var addresses = new Option<FileInfo>("--addresses") { Description = "Addresses JSON written by contracts/script/Deploy.s.sol", Required = true };
        var validators = new Option<int>("--validators") { Description = "Validators to register (1..16)", DefaultValueFactory = _ => 2 };
        var miners = new Option<int>("--miners") { Description = "Miners to register (1..64)", DefaultValueFactory = _ => 3 };
        var rounds = new Option<int>("--rounds") { Description = "Weight rounds, each followed by an epoch (1..20)", DefaultValueFactory = _ => 2 };
        var tempo = new Option<int>("--tempo") { Description = "Blocks between epochs (1..1000)", DefaultValueFactory = _ => 10 };
        var seed = new Option<int>("--seed") { Description = "Seed of the validators' weights and salts", DefaultValueFactory = _ => 1 };
        var timeout = new Option<int>("--timeout") { Description = "Give up after this many seconds", DefaultValueFactory = _ => 300 };
        rpc.Validators.Add(r =>
        {
            if (ParseRpc(r.GetValueOrDefault<string>()) is null)
            {
                r.AddError($"--rpc must be an absolute http(s) URL, got '{r.GetValueOrDefault<string>()}'");
            }
        });
        validators.InRange(1, 16);
        miners.InRange(1, 64);
        rounds.InRange(1, 20);
        tempo.InRange(1, 1000);
        timeout.InRange(1, 86_400);
        var command = new Command("demo",
            "Create a subnet, register validators and miners, stake, serve axons, commit and reveal weights, run epochs, " +
            "print the metagraph and check every epoch against the C# Yuma engine (exit 3 on a difference)")
        {
            rpc, addresses, validators, miners, rounds, tempo, seed, timeout,
        };
        command.SetAction(async (parseResult, ct) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            using var coldkey = PrivateKey.FromHex(DevColdkey);
            var options = new DemoOptions(
                ParseRpc(parseResult.GetRequiredValue(rpc))!, parseResult.GetRequiredValue(addresses).FullName, coldkey,
                parseResult.GetValue(validators), parseResult.GetValue(miners), parseResult.GetValue(rounds),
                (uint)parseResult.GetValue(tempo), parseResult.GetValue(seed));
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            cts.CancelAfter(TimeSpan.FromSeconds(parseResult.GetValue(timeout)));
            using var demo = new DevnetDemo(options, output);
            try
            {
                output.WriteLine($"devnet demo against {options.Rpc}");
                var (metagraph, roles) = await demo.RunAsync(cts.Token).ConfigureAwait(false);
                MetagraphTable.Write(metagraph, roles, output);
            }
            catch (Exception e) when (e is ChainException or FormatException or JsonException or IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                error.WriteLine($"error: {e.Message}");
                return 2;
            }
            catch (OperationCanceledException) when (cts.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                error.WriteLine($"error: the demo did not finish within {parseResult.GetValue(timeout)} s");
                return 2;
            }
            return ReportParity(demo.Reports, output, error);
        });
        return command;
    }

    /// <summary>Exit status when an epoch stored something other than the C# engine computes (1 is a usage error, 2 any other failure).</summary>
    internal const int ParityFailed = 3;

    private static int ReportParity(IReadOnlyList<ParityReport> reports, TextWriter output, TextWriter error)
    {
        var failed = reports.Where(r => !r.Ok).ToList();
        if (failed.Count == 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"parity: ok ({reports.Count} epochs replayed by Intelligence.Consensus: emission, incentive, dividends, consensus, trust, permits, bonds, owner emission identical)"));
            return 0;
        }
        foreach (var report in failed)
        {
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"parity: epoch at block {report.Block} differs in {report.Differences.Count} fields:"));
            foreach (var difference in report.Differences.Take(20))
            {
                error.WriteLine("  " + difference);
            }
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"parity: FAILED ({failed.Count} of {reports.Count} epochs differ)"));
        return ParityFailed;
    }

    private static Uri? ParseRpc(string? text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri : null;
}
