using System.CommandLine;
using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using Intelligence.Chain;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Rpc;
using Intelligence.Cli.Cli;
using Intelligence.Cli.Formatting;
using Spectre.Console;
using Net = Intelligence.Chain.Contracts.NetworkContract;
using EpochParity = Intelligence.Node.EpochParity;
using ParityReport = Intelligence.Node.ParityReport;

namespace Intelligence.Cli.Commands;

/// <summary>Operator commands on chain: subnets, registration, axons, stake, delegation, metagraph, weights.</summary>
internal static class ChainCommands
{
    // ------------------------------------------------------------------ subnet list/show/create/hparams/burn-cost

    public static void AddSubnetCommands(Command subnet)
    {
        subnet.Subcommands.Add(SubnetList());
        subnet.Subcommands.Add(SubnetShow());
        subnet.Subcommands.Add(SubnetCreate());
        subnet.Subcommands.Add(Hparams());
        subnet.Subcommands.Add(BurnCost());
        // `subnet register` is the spelling the miner binary's start-up message uses; same command as `intelligence register`.
        subnet.Subcommands.Add(Register());
    }

    private static Command SubnetList()
    {
        var command = new Command("list", "Subnets on chain: owner, neurons, tempo, epochs run, registration burn");
        command.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            await ctx.ChainIdAsync(ct).ConfigureAwait(false);
            var subnets = await ctx.Views.GetSubnetsAsync(ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["subnets"] = new JsonArray([.. subnets.Select(s => (JsonNode)SubnetJson(s))]) });
                return ExitCodes.Ok;
            }
            var table = PlainConsole.Table(["netuid", "owner", "neurons", "tempo", "epochs", "last epoch", "burn (INTL)", "stake (INTL)"]);
            foreach (var s in subnets)
            {
                table.AddRow(I(s.Netuid), Units.Short(s.Owner.ToString()), I(s.N), I(s.Hyperparameters.Tempo), I(s.Epochs), I(s.LastEpoch), Units.Tokens(s.Burn), Units.Tokens(s.StakeSnapshot));
            }
            ctx.Console2.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static JsonObject SubnetJson(SubnetView s) => new()
    {
        ["netuid"] = s.Netuid,
        ["owner"] = s.Owner.ToString(),
        ["neurons"] = s.N,
        ["created_at"] = s.CreatedAt,
        ["last_epoch"] = s.LastEpoch,
        ["epochs"] = s.Epochs,
        ["burn"] = Units.Exact(s.Burn),
        ["stake_snapshot"] = Units.Exact(s.StakeSnapshot),
        ["hyperparameters"] = HparamsJson(s.Hyperparameters),
    };

    private static Command SubnetShow()
    {
        var netuid = OperatorHelpers.NetuidArgument();
        var command = new Command("show", "One subnet: owner, neurons, epochs, burn, next epoch block and its hyperparameters") { netuid };
        command.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var id = OperatorHelpers.Netuid(ctx.Parse, netuid);
            var s = await ctx.RequireSubnetAsync(id, ct).ConfigureAwait(false);
            var next = await ctx.Network().NextEpochBlockAsync(id, ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                var j = SubnetJson(s);
                j["next_epoch_block"] = next;
                ctx.WriteJson(j);
                return ExitCodes.Ok;
            }
            ctx.Say($"subnet {s.Netuid}: owner {s.Owner}, {s.N} neurons, {s.Epochs} epochs (last at block {s.LastEpoch}, next at {next})");
            ctx.Say($"  registration burn {Units.Intl(s.Burn)}, stake {Units.Intl(s.StakeSnapshot)}");
            WriteHparams(ctx, s.Hyperparameters);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command SubnetCreate()
    {
        var command = new Command("create", "Create a subnet owned by the wallet's coldkey: shows the creation cost (burned) and asks to confirm");
        command.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var wallet = ctx.OpenWallet();
            await ctx.ChainIdAsync(ct).ConfigureAwait(false);
            var cost = await ctx.Network().SubnetCostAsync(ct).ConfigureAwait(false);
            await OperatorHelpers.RequireBalanceAsync(ctx, wallet.ColdkeyAddress, cost, "the subnet creation cost", ct).ConfigureAwait(false);
            using var key = ctx.UnlockColdkey(wallet);
            var sender = await ctx.SenderAsync(key, ct).ConfigureAwait(false);
            await OperatorHelpers.ApproveAsync(ctx, sender, cost, ct).ConfigureAwait(false);
            var receipt = await ctx.SendAsync(sender, ctx.Addresses.Network, new Net.CreateSubnetFunction { MaxCost = cost },
                $"create a subnet (burns the creation cost {Units.Intl(cost)})", cost, Net.Errors, ct).ConfigureAwait(false);
            var created = Net.SubnetCreatedEvent.Decode(receipt.Logs.Single(Net.SubnetCreatedEvent.Matches));
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["netuid"] = created.Netuid, ["owner"] = created.Owner.ToString(), ["burned"] = Units.Exact(created.Burned), ["block"] = receipt.BlockNumber });
            }
            else
            {
                ctx.Say($"created subnet {created.Netuid} (burned {Units.Intl(created.Burned)}); next: intelligence subnet hparams set {created.Netuid} --set tempo=360");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command BurnCost()
    {
        var netuid = OperatorHelpers.NetuidArgument();
        var command = new Command("burn-cost", "What registering a neuron on the subnet burns now, and what creating a subnet costs") { netuid };
        command.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var id = OperatorHelpers.Netuid(ctx.Parse, netuid);
            await ctx.RequireSubnetAsync(id, ct).ConfigureAwait(false);
            var burn = await ctx.Network().BurnCostAsync(id, ct).ConfigureAwait(false);
            var create = await ctx.Network().SubnetCostAsync(ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["netuid"] = id, ["registration_burn"] = Units.Exact(burn), ["subnet_creation_cost"] = Units.Exact(create) });
            }
            else
            {
                ctx.Say($"subnet {id}: registration burns {Units.Intl(burn)}; creating a subnet costs {Units.Intl(create)}");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static readonly string[] HparamNames =
    [
        "tempo", "kappa", "bonds_moving_average", "bonds_penalty", "max_uids", "max_validators", "immunity_period", "activity_cutoff",
        "min_allowed_weights", "weights_rate_limit", "commit_reveal", "reveal_period", "min_burn", "max_burn", "stake_threshold", "yuma3",
    ];

    private static JsonObject HparamsJson(Hyperparameters h) => new()
    {
        ["tempo"] = h.Tempo, ["kappa"] = h.Kappa, ["bonds_moving_average"] = h.BondsMovingAverage, ["bonds_penalty"] = h.BondsPenalty,
        ["max_uids"] = h.MaxUids, ["max_validators"] = h.MaxValidators, ["immunity_period"] = h.ImmunityPeriod, ["activity_cutoff"] = h.ActivityCutoff,
        ["min_allowed_weights"] = h.MinAllowedWeights, ["weights_rate_limit"] = h.WeightsRateLimit, ["commit_reveal"] = h.CommitReveal,
        ["reveal_period"] = h.RevealPeriod, ["min_burn"] = Units.Exact(h.MinBurn), ["max_burn"] = Units.Exact(h.MaxBurn), ["stake_threshold"] = Units.Exact(h.StakeThreshold),
        ["yuma3"] = h.Yuma3,
    };

    private static void WriteHparams(CommandContext ctx, Hyperparameters h)
    {
        var table = PlainConsole.Table(["hyperparameter", "value"]);
        foreach (var (k, v) in HparamsJson(h))
        {
            var text = v!.ToJsonString().Trim('"');
            if (k is "min_burn" or "max_burn" or "stake_threshold")
            {
                text = Units.Intl(BigInteger.Parse(text, CultureInfo.InvariantCulture));
            }
            table.AddRow(k, text);
        }
        ctx.Console2.Write(table);
    }

    private static Command Hparams()
    {
        var hparams = new Command("hparams", "A subnet's hyperparameters: get, or set as its owner (checked against the contract's bounds before sending)");
        var netuid = OperatorHelpers.NetuidArgument();
        var get = new Command("get", "Print a subnet's hyperparameters") { netuid };
        get.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var s = await ctx.RequireSubnetAsync(OperatorHelpers.Netuid(ctx.Parse, netuid), ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(HparamsJson(s.Hyperparameters));
            }
            else
            {
                WriteHparams(ctx, s.Hyperparameters);
            }
            return ExitCodes.Ok;
        }));
        hparams.Subcommands.Add(get);

        var netuid2 = OperatorHelpers.NetuidArgument();
        var set = new Option<string[]>("--set") { Description = "name=value (repeat); names: " + string.Join(", ", HparamNames) + "; burns and thresholds in INTL", AllowMultipleArgumentsPerToken = true, Required = true };
        var setCommand = new Command("set", "Change hyperparameters (owner only); a value outside the contract's bounds is refused before anything is sent") { netuid2, set };
        setCommand.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var id = OperatorHelpers.Netuid(ctx.Parse, netuid2);
            var s = await ctx.RequireSubnetAsync(id, ct).ConfigureAwait(false);
            var h = s.Hyperparameters;
            foreach (var pair in ctx.Parse.GetValue(set) ?? [])
            {
                h = Apply(h, pair);
            }
            var maxUids = await ctx.Network().MaxUidsAsync(ct).ConfigureAwait(false);
            var maxValidators = await ctx.Network().MaxValidatorsAsync(ct).ConfigureAwait(false);
            if (h.MaxUids > maxUids || h.MaxUids == 0)
            {
                throw new UserErrorException($"max_uids must be in 1..{maxUids} (the contract's MAX_UIDS), got {h.MaxUids}; nothing was sent");
            }
            if (h.MaxValidators > maxValidators || h.MaxValidators == 0)
            {
                throw new UserErrorException($"max_validators must be in 1..{maxValidators} (the contract's MAX_VALIDATORS), got {h.MaxValidators}; nothing was sent");
            }
            var wallet = ctx.OpenWallet();
            if (wallet.ColdkeyAddress != s.Owner)
            {
                throw new UserErrorException($"only the subnet's owner can set its hyperparameters: subnet {id} is owned by {s.Owner}, your coldkey is {wallet.ColdkeyAddress}; nothing was sent");
            }
            using var key = ctx.UnlockColdkey(wallet);
            var sender = await ctx.SenderAsync(key, ct).ConfigureAwait(false);
            await ctx.SendAsync(sender, ctx.Addresses.Network, new Net.SetHyperparametersFunction { Netuid = id, H = h.ToDto() },
                $"set hyperparameters of subnet {id}: {string.Join(", ", ctx.Parse.GetValue(set) ?? [])}", null, Net.Errors, ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(HparamsJson(h));
            }
            return ExitCodes.Ok;
        }));
        hparams.Subcommands.Add(setCommand);
        return hparams;
    }

    private static Hyperparameters Apply(Hyperparameters h, string pair)
    {
        var eq = pair.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new UserErrorException($"--set takes name=value, got '{pair}'");
        }
        var name = pair[..eq].Trim().Replace('-', '_').ToLowerInvariant();
        var value = pair[(eq + 1)..].Trim();
        uint U32() => uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new UserErrorException($"{name} must be a whole number in 0..{uint.MaxValue}, got '{value}'");
        ushort U16() => ushort.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new UserErrorException($"{name} must be a whole number in 0..65535, got '{value}'");
        BigInteger Tok() => Units.TryParseTokens(value, out var v) ? v : throw new UserErrorException($"{name} must be an INTL amount, got '{value}'");
        bool B() => value switch { "true" or "on" or "1" => true, "false" or "off" or "0" => false, _ => throw new UserErrorException($"{name} must be true or false, got '{value}'") };
        return name switch
        {
            "tempo" => h with { Tempo = U32() },
            "kappa" => h with { Kappa = U32() },
            "bonds_moving_average" => h with { BondsMovingAverage = U32() },
            "bonds_penalty" => h with { BondsPenalty = U32() },
            "max_uids" => h with { MaxUids = U16() },
            "max_validators" => h with { MaxValidators = U16() },
            "immunity_period" => h with { ImmunityPeriod = U32() },
            "activity_cutoff" => h with { ActivityCutoff = U32() },
            "min_allowed_weights" => h with { MinAllowedWeights = U16() },
            "weights_rate_limit" => h with { WeightsRateLimit = U32() },
            "commit_reveal" => h with { CommitReveal = B() },
            "reveal_period" => h with { RevealPeriod = U32() },
            "min_burn" => h with { MinBurn = Tok() },
            "max_burn" => h with { MaxBurn = Tok() },
            "stake_threshold" => h with { StakeThreshold = Tok() },
            "yuma3" => h with { Yuma3 = B() },
            _ => throw new UserErrorException($"unknown hyperparameter '{name}' (known: {string.Join(", ", HparamNames)})"),
        };
    }

    // ------------------------------------------------------------------ register / serve

    public static Command Register()
    {
        var netuid = OperatorHelpers.NetuidArgument();
        var command = new Command("register", "Register the wallet's hotkey on a subnet: the coldkey pays the burn, the hotkey signs its consent") { netuid };
        command.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var id = OperatorHelpers.Netuid(ctx.Parse, netuid);
            await ctx.RequireSubnetAsync(id, ct).ConfigureAwait(false);
            var wallet = ctx.OpenWallet();
            CommandContext.RequireHotkey(wallet, ctx.HotkeyName);
            var hotkeyAddress = wallet.HotkeyAddress(ctx.HotkeyName);
            if (await ctx.Views.IsRegisteredAsync(id, hotkeyAddress, ct).ConfigureAwait(false))
            {
                throw new UserErrorException($"hotkey {hotkeyAddress} is already registered on subnet {id} as uid {await ctx.Views.UidOfAsync(id, hotkeyAddress, ct).ConfigureAwait(false)}");
            }
            var burn = await ctx.Network().BurnCostAsync(id, ct).ConfigureAwait(false);
            await OperatorHelpers.RequireBalanceAsync(ctx, wallet.ColdkeyAddress, burn, "the registration burn", ct).ConfigureAwait(false);
            using var coldkey = ctx.UnlockColdkey(wallet);
            using var hotkey = ctx.UnlockHotkey(wallet, ctx.HotkeyName);
            var sender = await ctx.SenderAsync(coldkey, ct).ConfigureAwait(false);
            var digest = await ctx.Network().RegistrationDigestAsync(id, hotkeyAddress, coldkey.Address, ct).ConfigureAwait(false);
            await OperatorHelpers.ApproveAsync(ctx, sender, burn, ct).ConfigureAwait(false);
            var receipt = await ctx.SendAsync(sender, ctx.Addresses.Network,
                new Net.RegisterFunction { Netuid = id, Hotkey = hotkeyAddress.ToLowerHex(), MaxBurn = burn, Signature = PersonalSign.Sign(hotkey, digest).ToBytes() },
                $"register hotkey '{ctx.HotkeyName}' ({hotkeyAddress}) on subnet {id}", burn, Net.Errors, ct).ConfigureAwait(false);
            var ev = Net.NeuronRegisteredEvent.Decode(receipt.Logs.Single(Net.NeuronRegisteredEvent.Matches));
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["netuid"] = id, ["uid"] = ev.Uid, ["hotkey"] = ev.Hotkey.ToString(), ["burned"] = Units.Exact(ev.Burned), ["block"] = receipt.BlockNumber });
            }
            else
            {
                ctx.Say($"registered as uid {ev.Uid} on subnet {id} (burned {Units.Intl(ev.Burned)})");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Serve()
    {
        var netuid = OperatorHelpers.NetuidArgument();
        var ip = new Option<string?>("--ip") { Description = "IPv4 address miners are reached at" };
        var port = new Option<int>("--port") { Description = "Port (1..65535)" };
        var reset = new Option<bool>("--reset") { Description = "Withdraw the axon (publish port 0)" };
        var command = new Command("serve", "Publish (or with --reset withdraw) the hotkey's axon endpoint on a subnet; the miner binary does this itself at start") { netuid, ip, port, reset };
        command.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var id = OperatorHelpers.Netuid(ctx.Parse, netuid);
            BigInteger ipValue = 0;
            ushort portValue = 0;
            if (!ctx.Parse.GetValue(reset))
            {
                if (!System.Net.IPAddress.TryParse(ctx.Parse.GetValue(ip) ?? "", out var address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
                {
                    throw new UserErrorException($"--ip must be an IPv4 address, got '{ctx.Parse.GetValue(ip)}'");
                }
                if (ctx.Parse.GetValue(port) is < 1 or > 65535)
                {
                    throw new UserErrorException($"--port must be in 1..65535, got {ctx.Parse.GetValue(port)}");
                }
                var b = address.GetAddressBytes();
                ipValue = new BigInteger(((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3]);
                portValue = (ushort)ctx.Parse.GetValue(port);
            }
            await ctx.RequireSubnetAsync(id, ct).ConfigureAwait(false);
            var wallet = ctx.OpenWallet();
            using var hotkey = ctx.UnlockHotkey(wallet, ctx.HotkeyName);
            var sender = await ctx.SenderAsync(hotkey, ct).ConfigureAwait(false);
            await ctx.SendAsync(sender, ctx.Addresses.Network, new Net.ServeAxonFunction { Netuid = id, Ip = ipValue, IpType = 4, Port = portValue, ProtocolVersion = 1 },
                ctx.Parse.GetValue(reset) ? $"withdraw the axon of {hotkey.Address} on subnet {id}" : $"serve {ctx.Parse.GetValue(ip)}:{portValue} for {hotkey.Address} on subnet {id}", null, Net.Errors, ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["netuid"] = id, ["hotkey"] = hotkey.Address.ToString(), ["axon"] = portValue == 0 ? null : $"{ctx.Parse.GetValue(ip)}:{portValue}" });
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    // ------------------------------------------------------------------ stake / delegate

    public static Command Stake()
    {
        var stake = new Command("stake", "Stake INTL from the coldkey on a hotkey of a subnet (validators need stake for a permit)");
        foreach (var remove in new[] { false, true })
        {
            var netuid = OperatorHelpers.NetuidArgument();
            var amount = new Argument<string>("amount") { Description = "INTL" };
            var hotkey = new Option<string?>("--to") { Description = "Hotkey address to stake on (default: the wallet's --hotkey; any open delegate)" };
            var c = new Command(remove ? "remove" : "add", remove ? "Unstake INTL back to the coldkey" : "Stake INTL on a hotkey") { netuid, amount, hotkey };
            c.SetAction(CommandContext.Run(async (ctx, ct) =>
            {
                var id = OperatorHelpers.Netuid(ctx.Parse, netuid);
                var value = OperatorHelpers.Amount(ctx.Parse.GetValue(amount)!, "amount");
                var target = ctx.Parse.GetValue(hotkey) is { } h ? CommandContext.ParseAddress(h, "--to") : (Address?)null;
                await ctx.RequireSubnetAsync(id, ct).ConfigureAwait(false);
                var wallet = ctx.OpenWallet();
                var to = target ?? wallet.HotkeyAddress(RequireHot(wallet, ctx.HotkeyName));
                if (!await ctx.Views.IsRegisteredAsync(id, to, ct).ConfigureAwait(false))
                {
                    throw new UserErrorException($"hotkey {to} is not registered on subnet {id}; nothing was sent");
                }
                if (remove)
                {
                    var have = await ctx.Views.StakeOfAsync(id, to, wallet.ColdkeyAddress, ct).ConfigureAwait(false);
                    if (have < value)
                    {
                        throw new UserErrorException($"insufficient stake: your coldkey has {Units.Intl(have)} on {to}, asked to remove {Units.Intl(value)}; nothing was sent");
                    }
                }
                else
                {
                    await OperatorHelpers.RequireBalanceAsync(ctx, wallet.ColdkeyAddress, value, "the stake", ct).ConfigureAwait(false);
                }
                using var key = ctx.UnlockColdkey(wallet);
                var sender = await ctx.SenderAsync(key, ct).ConfigureAwait(false);
                if (!remove)
                {
                    await OperatorHelpers.ApproveAsync(ctx, sender, value, ct).ConfigureAwait(false);
                }
                var description = $"{(remove ? "unstake" : "stake")} {Units.Intl(value)} {(remove ? "from" : "on")} {to} (subnet {id})";
                var receipt = remove
                    ? await ctx.SendAsync(sender, ctx.Addresses.Network, new Net.RemoveStakeFunction { Netuid = id, Hotkey = to.ToLowerHex(), Amount = value }, description, null, Net.Errors, ct).ConfigureAwait(false)
                    : await ctx.SendAsync(sender, ctx.Addresses.Network, new Net.AddStakeFunction { Netuid = id, Hotkey = to.ToLowerHex(), Amount = value }, description, null, Net.Errors, ct).ConfigureAwait(false);
                var now = await ctx.Views.StakeOfAsync(id, to, wallet.ColdkeyAddress, ct).ConfigureAwait(false);
                if (ctx.Json)
                {
                    ctx.WriteJson(new JsonObject { ["netuid"] = id, ["hotkey"] = to.ToString(), ["amount"] = Units.Exact(value), ["your_stake"] = Units.Exact(now), ["block"] = receipt.BlockNumber });
                }
                else
                {
                    ctx.Say($"your stake on {to} (subnet {id}) is now {Units.Intl(now)}");
                }
                return ExitCodes.Ok;
            }));
            stake.Subcommands.Add(c);
        }
        var list = new Command("list", "The coldkey's stake on every registered hotkey of every subnet");
        list.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var wallet = ctx.OpenWallet();
            await ctx.ChainIdAsync(ct).ConfigureAwait(false);
            var rows = new List<(ushort Netuid, NeuronView N, BigInteger Mine)>();
            foreach (var s in await ctx.Views.GetSubnetsAsync(ct).ConfigureAwait(false))
            {
                foreach (var n in await ctx.Views.GetMetagraphAsync(s.Netuid, ct).ConfigureAwait(false))
                {
                    var mine = await ctx.Views.StakeOfAsync(s.Netuid, n.Hotkey, wallet.ColdkeyAddress, ct).ConfigureAwait(false);
                    if (mine > 0)
                    {
                        rows.Add((s.Netuid, n, mine));
                    }
                }
            }
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject
                {
                    ["coldkey"] = wallet.ColdkeyAddress.ToString(),
                    ["stakes"] = new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject { ["netuid"] = r.Netuid, ["uid"] = r.N.Uid, ["hotkey"] = r.N.Hotkey.ToString(), ["stake"] = Units.Exact(r.Mine), ["hotkey_total"] = Units.Exact(r.N.Stake) })]),
                });
                return ExitCodes.Ok;
            }
            if (rows.Count == 0)
            {
                ctx.Say($"coldkey {wallet.ColdkeyAddress} has no stake");
                return ExitCodes.Ok;
            }
            var table = PlainConsole.Table(["netuid", "uid", "hotkey", "your stake (INTL)", "hotkey total (INTL)"]);
            foreach (var r in rows)
            {
                table.AddRow(I(r.Netuid), I(r.N.Uid), r.N.Hotkey.ToString(), Units.Tokens(r.Mine), Units.Tokens(r.N.Stake));
            }
            ctx.Console2.Write(table);
            return ExitCodes.Ok;
        }));
        stake.Subcommands.Add(list);
        return stake;
    }

    private static string RequireHot(Intelligence.Chain.Keys.Wallet wallet, string name)
    {
        CommandContext.RequireHotkey(wallet, name);
        return name;
    }

    public static Command Delegate()
    {
        var delegateCommand = new Command("delegate", "Let other coldkeys stake on your hotkey for a take of their rewards, or list delegates");
        var take = new Option<int>("--take") { Description = "Take in basis points (100 = 1%)", Required = true };
        var close = new Option<bool>("--close") { Description = "Stop accepting new nominators" };
        var set = new Command("set", "Open (or --close) the wallet's hotkey as a delegate with a take") { take, close };
        set.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            await ctx.ChainIdAsync(ct).ConfigureAwait(false);
            var max = await ctx.Network().MaxTakeBpsAsync(ct).ConfigureAwait(false);
            var bps = ctx.Parse.GetValue(take);
            if (bps < 0 || bps > max)
            {
                throw new UserErrorException($"--take must be in 0..{max} basis points (the contract's MAX_TAKE_BPS), got {bps}; nothing was sent");
            }
            var wallet = ctx.OpenWallet();
            using var hotkey = ctx.UnlockHotkey(wallet, ctx.HotkeyName);
            var sender = await ctx.SenderAsync(hotkey, ct).ConfigureAwait(false);
            await ctx.SendAsync(sender, ctx.Addresses.Network, new Net.SetDelegateFunction { Open = !ctx.Parse.GetValue(close), TakeBps = (ushort)bps },
                $"{(ctx.Parse.GetValue(close) ? "close" : "open")} {hotkey.Address} as a delegate with take {bps / 100.0:0.##}%", null, Net.Errors, ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["hotkey"] = hotkey.Address.ToString(), ["open"] = !ctx.Parse.GetValue(close), ["take_bps"] = bps });
            }
            return ExitCodes.Ok;
        }));
        var list = new Command("list", "Delegates announced on chain (DelegateSet events), newest setting per hotkey");
        list.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            await ctx.ChainIdAsync(ct).ConfigureAwait(false);
            var head = await ctx.Eth.BlockNumberAsync(ct).ConfigureAwait(false);
            var logs = await ctx.Eth.GetLogsPagedAsync(new LogFilter { FromBlock = ctx.Addresses.StartBlock, ToBlock = head, Addresses = [ctx.Addresses.Network], Topics = [[Net.DelegateSetEvent.Topic]] }, ct: ct).ConfigureAwait(false);
            var latest = new Dictionary<Address, Net.DelegateSetEvent>();
            foreach (var l in logs)
            {
                var e = Net.DelegateSetEvent.Decode(l);
                latest[e.Hotkey] = e;
            }
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["delegates"] = new JsonArray([.. latest.Values.Select(d => (JsonNode)new JsonObject { ["hotkey"] = d.Hotkey.ToString(), ["open"] = d.Open, ["take_bps"] = d.TakeBps })]) });
                return ExitCodes.Ok;
            }
            var table = PlainConsole.Table(["hotkey", "open", "take"]);
            foreach (var d in latest.Values)
            {
                table.AddRow(d.Hotkey.ToString(), d.Open ? "yes" : "no", (d.TakeBps / 100.0).ToString("0.##", CultureInfo.InvariantCulture) + "%");
            }
            ctx.Console2.Write(table);
            return ExitCodes.Ok;
        }));
        delegateCommand.Subcommands.Add(set);
        delegateCommand.Subcommands.Add(list);
        return delegateCommand;
    }

    // ------------------------------------------------------------------ metagraph / weights

    public static Command Metagraph()
    {
        var netuid = OperatorHelpers.NetuidArgument();
        var sort = new Option<string?>("--sort") { Description = "Sort by: uid, stake, trust, consensus, incentive, dividends, emission, updated (largest first)" };
        var asc = new Option<bool>("--ascending") { Description = "Smallest first" };
        var width = new Option<int?>("--width") { Description = "Table width in columns (default: the terminal's); narrower drops the least useful columns" };
        var show = new Command("show", "The subnet's neurons as one table. Columns: " + string.Join("; ", MetagraphView.Columns.Where(c => c.Name != "role").Select(c => $"{c.Name} = {c.Meaning}"))) { netuid, sort, asc, width };
        show.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var id = OperatorHelpers.Netuid(ctx.Parse, netuid);
            await ctx.RequireSubnetAsync(id, ct).ConfigureAwait(false);
            var mg = await new Metagraph(ctx.Eth, ctx.Addresses.Network).SyncAsync(id, ct).ConfigureAwait(false);
            var sorted = MetagraphView.Sort(mg.Neurons, ctx.Parse.GetValue(sort), !ctx.Parse.GetValue(asc)).ToList();
            if (ctx.Json)
            {
                ctx.WriteJson(MetagraphView.Json(mg, sorted));
                return ExitCodes.Ok;
            }
            var w = ctx.Parse.GetValue(width) ?? (ctx.Interactive ? AnsiConsole.Profile.Width : 160);
            ctx.Console2.Write(MetagraphView.Table(mg, null, w, $"subnet {id} at block {mg.Block}: {mg.Count} neurons, {Units.Intl(mg.TotalStake)} staked", ctx.Parse.GetValue(sort), !ctx.Parse.GetValue(asc)));
            ctx.Output.WriteLine(MetagraphView.Legend(w, roles: false));
            return ExitCodes.Ok;
        }));
        return new Command("metagraph", "The neurons of a subnet as the chain sees them") { show };
    }

    public static Command Weights()
    {
        var netuid = OperatorHelpers.NetuidArgument();
        var validator = new Option<int?>("--validator") { Description = "Only this validator's uid" };
        var show = new Command("show", "The weights validators revealed (u16; each row sums to 65535 after normalisation on chain)") { netuid, validator };
        show.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var id = OperatorHelpers.Netuid(ctx.Parse, netuid);
            var s = await ctx.RequireSubnetAsync(id, ct).ConfigureAwait(false);
            var only = ctx.Parse.GetValue(validator);
            if (only is { } v && (v < 0 || v >= s.N))
            {
                throw new UserErrorException($"--validator {v}: subnet {id} has uids 0..{s.N - 1}");
            }
            var rows = new List<(int Uid, IReadOnlyList<ushort> W)>();
            for (var u = 0; u < s.N; u++)
            {
                if (only is null || only == u)
                {
                    var w = await ctx.Views.GetWeightsAsync(id, (ushort)u, ct).ConfigureAwait(false);
                    if (only is not null || w.Any(x => x != 0))
                    {
                        rows.Add((u, w));
                    }
                }
            }
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject
                {
                    ["netuid"] = id,
                    ["rows"] = new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject
                    {
                        ["validator"] = r.Uid,
                        ["weights"] = new JsonObject([.. r.W.Select((x, j) => (x, j)).Where(t => t.x != 0).Select(t => KeyValuePair.Create(I(t.j), (JsonNode?)JsonValue.Create(Units.U16Exact(t.x))))]),
                    })]),
                });
                return ExitCodes.Ok;
            }
            if (rows.Count == 0)
            {
                ctx.Say($"no weights on subnet {id} yet");
                return ExitCodes.Ok;
            }
            var cols = Enumerable.Range(0, s.N).Where(j => rows.Any(r => j < r.W.Count && r.W[j] != 0)).ToList();
            var table = PlainConsole.Table(["validator \\ uid", .. cols.Select(I)]);
            foreach (var r in rows)
            {
                table.AddRow([I(r.Uid), .. cols.Select(j => j < r.W.Count ? Units.U16(r.W[j]) : "")]);
            }
            ctx.Console2.Write(table);
            return ExitCodes.Ok;
        }));
        return new Command("weights", "Weights validators set on a subnet") { show };
    }

    // ------------------------------------------------------------------ epoch predict / verify

    public static void AddEpochCommands(Command epoch)
    {
        var netuid = OperatorHelpers.NetuidArgument();
        var predict = new Command("predict", "The C# twin on live chain state: next epoch's emission per UID if nothing changes before it") { netuid };
        predict.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var id = OperatorHelpers.Netuid(ctx.Parse, netuid);
            await ctx.RequireSubnetAsync(id, ct).ConfigureAwait(false);
            var net = ctx.Network();
            var head = await ctx.Eth.BlockNumberAsync(ct).ConfigureAwait(false);
            var next = await net.NextEpochBlockAsync(id, ct).ConfigureAwait(false);
            var pending = await net.PendingEmissionAsync(id, ct).ConfigureAwait(false);
            var divisor = await net.KeeperFeeDivisorAsync(ct).ConfigureAwait(false);
            var parity = new EpochParity(ctx.Eth, ctx.Addresses.Network, await net.OwnerCutPpmAsync(ct).ConfigureAwait(false));
            var (result, n) = await parity.PredictAsync(id, head, pending - pending / divisor, Math.Max(next, head + 1), ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject
                {
                    ["netuid"] = id, ["block"] = head, ["epoch_block"] = Math.Max(next, head + 1), ["emission_so_far"] = Units.Exact(pending),
                    ["owner_emission"] = result.OwnerEmission.ToString(CultureInfo.InvariantCulture),
                    ["uids"] = new JsonArray([.. Enumerable.Range(0, n).Select(u => (JsonNode)new JsonObject
                    {
                        ["uid"] = u, ["emission"] = result.Emission[u].ToString(CultureInfo.InvariantCulture),
                        ["incentive"] = Units.Q32Exact(result.Incentive[u]), ["dividends"] = Units.Q32Exact(result.Dividends[u]),
                        ["consensus"] = Units.Q32Exact(result.Consensus[u]), ["validator_permit"] = result.ValidatorPermit[u],
                    })]),
                });
                return ExitCodes.Ok;
            }
            ctx.Say($"subnet {id}: next epoch at block {next} (now {head}); emission accrued so far {Units.Intl(pending)}");
            var table = PlainConsole.Table(["uid", "permit", "consensus", "incentive", "dividends", "emission (INTL)"]);
            for (var u = 0; u < n; u++)
            {
                table.AddRow(I(u), result.ValidatorPermit[u] ? "yes" : "no", Units.Q32(result.Consensus[u]), Units.Q32(result.Incentive[u]), Units.Q32(result.Dividends[u]), Units.Tokens((BigInteger)result.Emission[u]));
            }
            ctx.Console2.Write(table);
            ctx.Say($"owner: {Units.Intl((BigInteger)result.OwnerEmission)} (emission keeps accruing until the epoch runs)");
            return ExitCodes.Ok;
        }));
        epoch.Subcommands.Add(predict);

        var netuid3 = OperatorHelpers.NetuidArgument();
        var run = new Command("run", "Run the subnet's epoch now if it is due (anyone may; the caller earns the keeper fee), and check it against the C# engine") { netuid3 };
        run.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var id = OperatorHelpers.Netuid(ctx.Parse, netuid3);
            await ctx.RequireSubnetAsync(id, ct).ConfigureAwait(false);
            var net = ctx.Network();
            var due = await net.NextEpochBlockAsync(id, ct).ConfigureAwait(false);
            var head = await ctx.Eth.BlockNumberAsync(ct).ConfigureAwait(false);
            if (due > head + 1)
            {
                throw new UserErrorException($"the epoch of subnet {id} is due at block {due}; the chain is at {head} ({due - head} blocks to go); nothing was sent");
            }
            var wallet = ctx.OpenWallet();
            using var key = ctx.UnlockColdkey(wallet);
            var sender = await ctx.SenderAsync(key, ct).ConfigureAwait(false);
            var receipt = await ctx.SendAsync(sender, ctx.Addresses.Network, new Net.RunEpochFunction { Netuid = id }, $"run the epoch of subnet {id}", null, Net.Errors, ct).ConfigureAwait(false);
            var ev = Net.EpochRunEvent.Decode(receipt.Logs.Single(Net.EpochRunEvent.Matches));
            var parity = new EpochParity(ctx.Eth, ctx.Addresses.Network, await net.OwnerCutPpmAsync(ct).ConfigureAwait(false));
            var report = await parity.CheckAsync(ev, ct).ConfigureAwait(false);
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject
                {
                    ["netuid"] = id, ["epoch"] = ev.Epoch, ["block"] = ev.BlockNumber, ["emission"] = Units.Exact(ev.Emission), ["keeper_fee"] = Units.Exact(ev.KeeperFee),
                    ["owner_emission"] = Units.Exact(ev.OwnerEmission), ["match"] = report.Ok,
                });
            }
            else
            {
                ctx.Say($"epoch {ev.Epoch} of subnet {id} at block {ev.BlockNumber}: {Units.Intl(ev.Emission)} (owner {Units.Intl(ev.OwnerEmission)}, keeper fee {Units.Intl(ev.KeeperFee)}); C# replay {(report.Ok ? "identical" : "DIFFERS")}");
            }
            foreach (var d in report.Differences.Take(10))
            {
                ctx.Error.WriteLine("parity: " + d);
            }
            return report.Ok ? ExitCodes.Ok : ExitCodes.ParityFailure;
        }));
        epoch.Subcommands.Add(run);

        var netuid2 = OperatorHelpers.NetuidArgument();
        var from = new Option<ulong?>("--from") { Description = "First block (default: the deployment's start block)" };
        var to = new Option<ulong?>("--to") { Description = "Last block (default: the head)" };
        var verify = new Command("verify", "Replay past epochs from chain state with the C# engine and compare with what the contract credited (exit 3 on a mismatch)") { netuid2, from, to };
        verify.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var id = OperatorHelpers.Netuid(ctx.Parse, netuid2);
            await ctx.RequireSubnetAsync(id, ct).ConfigureAwait(false);
            var net = ctx.Network();
            var head = await ctx.Eth.BlockNumberAsync(ct).ConfigureAwait(false);
            var lo = ctx.Parse.GetValue(from) ?? ctx.Addresses.StartBlock;
            var hi = Math.Min(ctx.Parse.GetValue(to) ?? head, head);
            if (lo > hi)
            {
                throw new UserErrorException($"--from {lo} is after --to {hi}");
            }
            var logs = await ctx.Eth.GetLogsPagedAsync(new LogFilter
            {
                FromBlock = lo, ToBlock = hi, Addresses = [ctx.Addresses.Network],
                Topics = [[Net.EpochRunEvent.Topic], [ContractAbi.Encode(("uint16", id))]],
            }, ct: ct).ConfigureAwait(false);
            var parity = new EpochParity(ctx.Eth, ctx.Addresses.Network, await net.OwnerCutPpmAsync(ct).ConfigureAwait(false));
            var reports = new List<(Net.EpochRunEvent Run, ParityReport Report)>();
            foreach (var log in logs)
            {
                var run = Net.EpochRunEvent.Decode(log);
                reports.Add((run, await parity.CheckAsync(run, ct).ConfigureAwait(false)));
            }
            var bad = reports.Count(r => !r.Report.Ok);
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject
                {
                    ["netuid"] = id, ["from"] = lo, ["to"] = hi, ["epochs"] = reports.Count, ["mismatches"] = bad,
                    ["results"] = new JsonArray([.. reports.Select(r => (JsonNode)new JsonObject
                    {
                        ["epoch"] = r.Run.Epoch, ["block"] = r.Run.BlockNumber, ["emission"] = Units.Exact(r.Run.Emission), ["match"] = r.Report.Ok,
                        ["differences"] = new JsonArray([.. r.Report.Differences.Select(d => (JsonNode)JsonValue.Create(d)!)]),
                    })]),
                });
            }
            else
            {
                var table = PlainConsole.Table(["epoch", "block", "uids", "emission (INTL)", "C# replay"]);
                foreach (var (run, report) in reports)
                {
                    table.AddRow(I(run.Epoch), I(run.BlockNumber), I(report.Uids), Units.Tokens(run.Emission), report.Ok ? "match" : $"MISMATCH ({report.Differences.Count} fields)");
                }
                ctx.Console2.Write(table);
                ctx.Say($"{reports.Count - bad} of {reports.Count} epochs of subnet {id} in blocks {lo}..{hi} match the C# engine");
            }
            foreach (var (run, report) in reports.Where(r => !r.Report.Ok))
            {
                ctx.Error.WriteLine($"epoch {run.Epoch} at block {run.BlockNumber}: {string.Join("; ", report.Differences.Take(10))}");
            }
            return bad > 0 ? ExitCodes.ParityFailure : ExitCodes.Ok;
        }));
        epoch.Subcommands.Add(verify);
    }


    private static string I<T>(T v) where T : IFormattable => v.ToString(null, CultureInfo.InvariantCulture);
}
