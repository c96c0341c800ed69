using System.CommandLine;
using System.Text.Json.Nodes;
using Intelligence.Cli.Cli;
using Intelligence.Cli.Devnet;

namespace Intelligence.Cli.Commands;

/// <summary><c>intelligence network deploy</c>: the contracts on any EVM chain, with the forge script the devnet uses.</summary>
internal static class NetworkCommands
{
    public static Command Create()
    {
        var output = new Option<string?>("--out") { Description = "Where to write the addresses file (default: ~/.intelligence/addresses.json, which other commands read)" };
        var minCost = new Option<string>("--min-subnet-cost") { Description = "Floor of the subnet creation cost, INTL", DefaultValueFactory = _ => "0" };
        var deploy = new Command("deploy",
            "Deploy the contracts (contracts/script/Deploy.s.sol through the bootstrapped forge) from the wallet's coldkey to the chain at --rpc, and write the addresses file")
        { output, minCost };
        deploy.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            if (ctx.Parse.GetValue(GlobalOptions.Rpc) is null)
            {
                throw new UserErrorException("pass --rpc URL: the chain to deploy to");
            }
            var tools = Toolchain.Locate();
            if (!tools.Complete)
            {
                throw new UserErrorException($"forge is not installed in {tools.ToolsDir}: run tools/bootstrap.sh");
            }
            var cost = Formatting.Units.TryParseTokens(ctx.Parse.GetValue(minCost), out var c) ? c : throw new UserErrorException("--min-subnet-cost must be an INTL amount");
            var chainId = await ctx.Eth.ChainIdAsync(ct).ConfigureAwait(false);
            var wallet = ctx.OpenWallet();
            var balance = await ctx.Eth.GetBalanceAsync(wallet.ColdkeyAddress, ct).ConfigureAwait(false);
            ctx.Say($"deploy the contracts to chain {chainId} at {ctx.RpcUrl} from {wallet.ColdkeyAddress} (balance {Formatting.Units.Eth(balance)}; deployment uses about 15M gas)");
            if (!ctx.Yes)
            {
                throw new UserErrorException("deploying spends gas: pass --yes to confirm (nothing was sent)");
            }
            using var key = ctx.UnlockColdkey(wallet);
            var dest = ctx.Parse.GetValue(output) ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".intelligence", "addresses.json");
            var name = $"deploy-{Guid.NewGuid():N}.json";
            var written = Path.Combine(tools.Root, "contracts", "deployments", name);
            var log = Path.Combine(Path.GetTempPath(), $"intelligence-deploy-{Environment.ProcessId}.log");
            using var supervisor = new ProcessSupervisor();
            var forge = await supervisor.StartAsync("forge", tools.Forge,
                ["script", "script/Deploy.s.sol", "--rpc-url", ctx.RpcUrl.ToString(), "--broadcast", "--silent"], log,
                new Dictionary<string, string>
                {
                    ["PRIVATE_KEY"] = "0x" + Convert.ToHexStringLower(key.ExportBytes()),
                    ["ADDRESSES_OUT"] = "deployments/" + name,
                    ["MIN_SUBNET_COST"] = Formatting.Units.Exact(cost),
                },
                workingDirectory: Path.Combine(tools.Root, "contracts")).ConfigureAwait(false);
            try
            {
                await forge.Process.WaitForExitAsync(ct).ConfigureAwait(false);
                if (forge.Process.ExitCode != 0 || !File.Exists(written))
                {
                    throw new ChainFailureException($"the forge deploy script failed (exit {forge.Process.ExitCode}):{Environment.NewLine}{forge.Tail()}");
                }
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(dest))!);
                File.Move(written, dest, overwrite: true);
            }
            finally
            {
                File.Delete(written);
                File.Delete(log);
            }
            var addresses = DevnetAddresses.Load(dest);
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["addresses_file"] = Path.GetFullPath(dest), ["chain_id"] = addresses.ChainId, ["network"] = addresses.Network.ToString(), ["token"] = addresses.Token.ToString(), ["views"] = addresses.Views.ToString() });
            }
            else
            {
                ctx.Say($"deployed: network {addresses.Network}, token {addresses.Token}, views {addresses.Views}; addresses in {Path.GetFullPath(dest)}");
            }
            return ExitCodes.Ok;
        }));
        return new Command("network", "The contracts on a chain") { deploy };
    }
}
