using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Intelligence.Chain;
using Intelligence.Chain.Keys;
using Intelligence.Chain.Rpc;
using Intelligence.Cli.Cli;
using Intelligence.Cli.Formatting;
using Spectre.Console;

namespace Intelligence.Cli.Commands;

/// <summary><c>intelligence wallet ...</c>: coldkeys and hotkeys as v3 keystores under the wallets root.</summary>
internal static class WalletCommands
{
    public static Command Create()
    {
        var wallet = new Command("wallet", "Wallets: a coldkey (holds and stakes INTL) and named hotkeys (identify neurons), as Web3 v3 keystores");
        wallet.Subcommands.Add(New());
        wallet.Subcommands.Add(NewHotkey());
        wallet.Subcommands.Add(List());
        wallet.Subcommands.Add(Show());
        wallet.Subcommands.Add(Import());
        wallet.Subcommands.Add(Export());
        wallet.Subcommands.Add(Transfer());
        return wallet;
    }

    private static Command New()
    {
        var command = new Command("create", "Create a wallet: a new coldkey and a first hotkey (--wallet, --hotkey), encrypted with one password");
        command.SetAction(CommandContext.Run((ctx, _) =>
        {
            var password = ctx.Password($"the new wallet '{ctx.WalletName}'", confirm: true);
            var wallet = Wallet.Create(ctx.WalletsRoot, ctx.WalletName, password);
            var hotkey = wallet.CreateHotkey(ctx.HotkeyName, password);
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["wallet"] = wallet.Name, ["path"] = wallet.Path, ["coldkey"] = wallet.ColdkeyAddress.ToString(), ["hotkey"] = ctx.HotkeyName, ["hotkey_address"] = hotkey.ToString() });
            }
            else
            {
                ctx.Say($"created wallet '{wallet.Name}' in {wallet.Path}");
                ctx.Say($"  coldkey         {wallet.ColdkeyAddress}");
                ctx.Say($"  hotkey {ctx.HotkeyName,-8} {hotkey}");
                ctx.Say("next: get INTL on the coldkey, then `intelligence register <netuid>`");
            }
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    private static Command NewHotkey()
    {
        var name = new Argument<string>("name") { Description = "Name of the new hotkey" };
        var command = new Command("new-hotkey", "Add a hotkey to a wallet (one per neuron you run)") { name };
        command.SetAction(CommandContext.Run((ctx, _) =>
        {
            var wallet = ctx.OpenWallet();
            var password = ctx.Password($"the new hotkey '{ctx.Parse.GetValue(name)}'", confirm: true);
            var address = wallet.CreateHotkey(ctx.Parse.GetValue(name)!, password);
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["wallet"] = wallet.Name, ["hotkey"] = ctx.Parse.GetValue(name), ["address"] = address.ToString() });
            }
            else
            {
                ctx.Say($"hotkey '{ctx.Parse.GetValue(name)}' of wallet '{wallet.Name}': {address}");
            }
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    private static Command List()
    {
        var command = new Command("list", "Wallets under the wallets root with their coldkey and hotkey addresses (no password needed)");
        command.SetAction(CommandContext.Run((ctx, _) =>
        {
            var names = Directory.Exists(ctx.WalletsRoot) ? Wallet.List(ctx.WalletsRoot) : [];
            var wallets = names.Select(n => Wallet.Open(ctx.WalletsRoot, n)).ToList();
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject
                {
                    ["root"] = ctx.WalletsRoot,
                    ["wallets"] = new JsonArray([.. wallets.Select(w => (JsonNode)new JsonObject
                    {
                        ["name"] = w.Name,
                        ["coldkey"] = w.ColdkeyAddress.ToString(),
                        ["hotkeys"] = new JsonObject([.. w.HotkeyNames.Select(h => KeyValuePair.Create(h, (JsonNode?)JsonValue.Create(w.HotkeyAddress(h).ToString())))]),
                    })]),
                });
                return Task.FromResult(ExitCodes.Ok);
            }
            if (wallets.Count == 0)
            {
                ctx.Say($"no wallets in {ctx.WalletsRoot} (create one: intelligence wallet create)");
                return Task.FromResult(ExitCodes.Ok);
            }
            var table = PlainConsole.Table(["wallet", "key", "address"]);
            foreach (var w in wallets)
            {
                table.AddRow(w.Name, "coldkey", w.ColdkeyAddress.ToString());
                foreach (var h in w.HotkeyNames)
                {
                    table.AddRow("", "hotkey " + Markup.Escape(h), w.HotkeyAddress(h).ToString());
                }
            }
            ctx.Console2.Write(table);
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    private static Command Show()
    {
        var command = new Command("show", "A wallet on chain: coldkey balances (INTL, ETH for gas), and per hotkey its UID, stake and emission on every subnet");
        command.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var wallet = ctx.OpenWallet();
            await ctx.ChainIdAsync(ct).ConfigureAwait(false);
            var token = ctx.Token();
            var intl = await token.BalanceOfAsync(wallet.ColdkeyAddress, ct).ConfigureAwait(false);
            var eth = await ctx.Eth.GetBalanceAsync(wallet.ColdkeyAddress, ct).ConfigureAwait(false);
            var subnets = await ctx.Views.GetSubnetsAsync(ct).ConfigureAwait(false);
            var rows = new List<(string Hotkey, Address Address, ushort Netuid, ushort Uid, System.Numerics.BigInteger Stake, System.Numerics.BigInteger Emission)>();
            foreach (var h in wallet.HotkeyNames)
            {
                var address = wallet.HotkeyAddress(h);
                foreach (var s in subnets)
                {
                    if (await ctx.Views.IsRegisteredAsync(s.Netuid, address, ct).ConfigureAwait(false))
                    {
                        var uid = await ctx.Views.UidOfAsync(s.Netuid, address, ct).ConfigureAwait(false);
                        var n = await ctx.Views.GetNeuronAsync(s.Netuid, uid, ct).ConfigureAwait(false);
                        var mine = await ctx.Views.StakeOfAsync(s.Netuid, address, wallet.ColdkeyAddress, ct).ConfigureAwait(false);
                        rows.Add((h, address, s.Netuid, uid, mine, n.Emission));
                    }
                }
            }
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject
                {
                    ["wallet"] = wallet.Name,
                    ["coldkey"] = wallet.ColdkeyAddress.ToString(),
                    ["balance"] = Units.Exact(intl),
                    ["eth"] = Units.Exact(eth),
                    ["hotkeys"] = new JsonObject([.. wallet.HotkeyNames.Select(h => KeyValuePair.Create(h, (JsonNode?)JsonValue.Create(wallet.HotkeyAddress(h).ToString())))]),
                    ["neurons"] = new JsonArray([.. rows.Select(r => (JsonNode)new JsonObject
                    {
                        ["hotkey"] = r.Hotkey, ["address"] = r.Address.ToString(), ["netuid"] = r.Netuid, ["uid"] = r.Uid,
                        ["stake"] = Units.Exact(r.Stake), ["emission"] = Units.Exact(r.Emission),
                    })]),
                });
                return ExitCodes.Ok;
            }
            ctx.Say($"wallet '{wallet.Name}': coldkey {wallet.ColdkeyAddress}");
            ctx.Say($"  balance {Units.Intl(intl)}, gas {Units.Eth(eth)}");
            foreach (var h in wallet.HotkeyNames)
            {
                ctx.Say($"  hotkey {h}: {wallet.HotkeyAddress(h)}");
            }
            if (rows.Count == 0)
            {
                ctx.Say("  registered on no subnet (intelligence register <netuid>)");
                return ExitCodes.Ok;
            }
            var table = PlainConsole.Table(["hotkey", "netuid", "uid", "your stake (INTL)", "last emission (INTL)"]);
            foreach (var r in rows)
            {
                table.AddRow(Markup.Escape(r.Hotkey), r.Netuid.ToString(CultureInfo.InvariantCulture), r.Uid.ToString(CultureInfo.InvariantCulture), Units.Tokens(r.Stake), Units.Tokens(r.Emission));
            }
            ctx.Console2.Write(table);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Import()
    {
        var keystore = new Option<string?>("--keystore") { Description = "A v3 keystore file (from this CLI, cast, geth...) to import as the coldkey, or as --as-hotkey" };
        var raw = new Option<string?>("--private-key-file") { Description = "A file holding a raw hex private key (unsafe: prefer keystores); it is encrypted with your password" };
        var asHotkey = new Option<bool>("--as-hotkey") { Description = "Import into an existing wallet as the hotkey named by --hotkey" };
        var command = new Command("import", "Import a key into a wallet (keystore file or raw private key)") { keystore, raw, asHotkey };
        command.SetAction(CommandContext.Run((ctx, _) =>
        {
            var ks = ctx.Parse.GetValue(keystore);
            var rawFile = ctx.Parse.GetValue(raw);
            if ((ks is null) == (rawFile is null))
            {
                throw new UserErrorException("pass exactly one of --keystore FILE or --private-key-file FILE");
            }
            PrivateKey key;
            string password;
            if (ks is not null)
            {
                if (!File.Exists(ks))
                {
                    throw new UserErrorException($"keystore {ks} does not exist");
                }
                password = ctx.Password($"keystore {Path.GetFileName(ks)}");
                key = Keystore.Decrypt(File.ReadAllText(ks), password);
            }
            else
            {
                if (!File.Exists(rawFile))
                {
                    throw new UserErrorException($"key file {rawFile} does not exist");
                }
                ctx.Error.WriteLine("warning: a raw private key file gives anyone who reads it your funds; delete it once imported");
                key = PrivateKey.FromHex(File.ReadAllText(rawFile!).Trim());
                password = ctx.Password($"the imported key", confirm: true);
            }
            using (key)
            {
                Address address;
                if (ctx.Parse.GetValue(asHotkey))
                {
                    address = ctx.OpenWallet().ImportHotkey(ctx.HotkeyName, key, password);
                }
                else
                {
                    address = Wallet.Import(ctx.WalletsRoot, ctx.WalletName, key, password).ColdkeyAddress;
                }
                if (ctx.Json)
                {
                    ctx.WriteJson(new JsonObject { ["wallet"] = ctx.WalletName, ["address"] = address.ToString(), ["as"] = ctx.Parse.GetValue(asHotkey) ? "hotkey" : "coldkey" });
                }
                else
                {
                    ctx.Say($"imported {address} as the {(ctx.Parse.GetValue(asHotkey) ? $"hotkey '{ctx.HotkeyName}'" : "coldkey")} of wallet '{ctx.WalletName}'");
                }
            }
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    private static Command Export()
    {
        var output = new Option<string?>("--out") { Description = "Write the keystore file here (it stays encrypted with the wallet's password)" };
        var raw = new Option<bool>("--raw") { Description = "Print the raw private key (unsafe; needs the password)" };
        var hotkey = new Option<bool>("--hotkey-key") { Description = "Export the hotkey named by --hotkey instead of the coldkey" };
        var command = new Command("export", "Export a wallet key: the keystore file (--out), or the raw private key (--raw, with a warning)") { output, raw, hotkey };
        command.SetAction(CommandContext.Run((ctx, _) =>
        {
            var wallet = ctx.OpenWallet();
            var isHot = ctx.Parse.GetValue(hotkey);
            if (isHot)
            {
                CommandContext.RequireHotkey(wallet, ctx.HotkeyName);
            }
            var source = isHot ? Path.Combine(wallet.Path, "hotkeys", ctx.HotkeyName) : Path.Combine(wallet.Path, "coldkey");
            if (ctx.Parse.GetValue(raw))
            {
                using var key = isHot ? ctx.UnlockHotkey(wallet, ctx.HotkeyName) : ctx.UnlockColdkey(wallet);
                ctx.Error.WriteLine("warning: this is the raw private key; anyone who sees it controls the account");
                var hex = "0x" + Convert.ToHexStringLower(key.ExportBytes());
                if (ctx.Json)
                {
                    ctx.WriteJson(new JsonObject { ["address"] = key.Address.ToString(), ["private_key"] = hex });
                }
                else
                {
                    ctx.Output.WriteLine(hex);
                }
                return Task.FromResult(ExitCodes.Ok);
            }
            var dest = ctx.Parse.GetValue(output) ?? throw new UserErrorException("pass --out FILE (keystore) or --raw");
            File.Copy(source, dest, overwrite: false);
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["keystore"] = Path.GetFullPath(dest) });
            }
            else
            {
                ctx.Say($"wrote the {(isHot ? "hotkey" : "coldkey")} keystore to {Path.GetFullPath(dest)} (encrypted with the wallet's password)");
            }
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    private static Command Transfer()
    {
        var to = new Argument<string>("to") { Description = "Recipient address (0x...)" };
        var amount = new Argument<string>("amount") { Description = "Amount of INTL (e.g. 10 or 0.5)" };
        var ethOption = new Option<bool>("--eth") { Description = "Send ETH (gas money) instead of INTL" };
        var command = new Command("transfer", "Send INTL (or ETH with --eth) from the wallet's coldkey") { to, amount, ethOption };
        command.SetAction(CommandContext.Run(async (ctx, ct) =>
        {
            var recipient = CommandContext.ParseAddress(ctx.Parse.GetValue(to)!, "recipient");
            var value = OperatorHelpers.Amount(ctx.Parse.GetValue(amount)!, "amount");
            var wallet = ctx.OpenWallet();
            await ctx.ChainIdAsync(ct).ConfigureAwait(false);
            using var key = ctx.UnlockColdkey(wallet);
            var sender = await ctx.SenderAsync(key, ct).ConfigureAwait(false);
            Receipt receipt;
            if (ctx.Parse.GetValue(ethOption))
            {
                var have = await ctx.Eth.GetBalanceAsync(key.Address, ct).ConfigureAwait(false);
                if (have < value)
                {
                    throw new UserErrorException($"insufficient balance: {key.Address} holds {Units.Eth(have)}, needs {Units.Eth(value)} (nothing was sent)");
                }
                if (!ctx.Yes && !ctx.Interactive)
                {
                    throw new UserErrorException("confirmation needed: pass --yes to send without asking (nothing was sent)");
                }
                ctx.Say($"send {Units.Eth(value)} to {recipient}");
                receipt = await sender.SendAndWaitAsync(new TransactionRequest { To = recipient, Value = value, GasLimit = 21_000 }, TimeSpan.FromMinutes(2), ct).ConfigureAwait(false);
                ctx.Say($"  included in block {receipt.BlockNumber}, tx 0x{Convert.ToHexStringLower(receipt.TransactionHash)}");
            }
            else
            {
                await OperatorHelpers.RequireBalanceAsync(ctx, key.Address, value, "the transfer", ct).ConfigureAwait(false);
                receipt = await ctx.SendAsync(sender, ctx.Addresses.Token, new Chain.Contracts.IntelligenceTokenContract.TransferFunction { To = recipient.ToLowerHex(), Value = value },
                    $"transfer {Units.Intl(value)} to {recipient}", null, Chain.Contracts.IntelligenceTokenContract.Errors, ct).ConfigureAwait(false);
            }
            if (ctx.Json)
            {
                ctx.WriteJson(new JsonObject { ["to"] = recipient.ToString(), ["amount"] = Units.Exact(value), ["tx"] = "0x" + Convert.ToHexStringLower(receipt.TransactionHash), ["block"] = receipt.BlockNumber });
            }
            return ExitCodes.Ok;
        }));
        return command;
    }
}
