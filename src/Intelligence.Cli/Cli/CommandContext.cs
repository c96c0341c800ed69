using System.CommandLine;
using System.Globalization;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Intelligence.Chain;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Keys;
using Intelligence.Chain.Rpc;
using Intelligence.Cli.Devnet;
using Intelligence.Cli.Formatting;
using Spectre.Console;

namespace Intelligence.Cli.Cli;

/// <summary>
/// What a command's action needs: output streams, <c>--json</c>/<c>--yes</c>, the chain (lazily), wallets and
/// passwords, confirmation and the transaction display. <see cref="Run"/> maps exceptions to the exit codes.
/// </summary>
internal sealed class CommandContext : IDisposable
{
    private readonly ParseResult _parse;
    private EthClient? _eth;
    private DevnetAddresses? _addresses;
    private ulong? _chainId;
    private NonceManager? _nonces;

    private CommandContext(ParseResult parse)
    {
        _parse = parse;
        Output = parse.InvocationConfiguration.Output;
        Error = parse.InvocationConfiguration.Error;
        Json = parse.GetValue(GlobalOptions.Json);
        Yes = parse.GetValue(GlobalOptions.Yes);
    }

    public TextWriter Output { get; }
    public TextWriter Error { get; }
    public bool Json { get; }
    public bool Yes { get; }
    public ParseResult Parse => _parse;

    /// <summary>True when stdin and stdout are a terminal (prompts and live displays allowed).</summary>
    public bool Interactive => ReferenceEquals(Output, Console.Out) && !Console.IsOutputRedirected && !Console.IsInputRedirected;

    /// <summary>A Spectre console on the command's output: ANSI on a terminal, plain text otherwise.</summary>
    public IAnsiConsole Console2 => _console ??= Interactive
        ? AnsiConsole.Console
        : Commands.PlainConsole.Create(Output);
    private IAnsiConsole? _console;

    /// <summary>Runs a command body and turns failures into an exit code and a message (JSON with --json).</summary>
    public static Func<ParseResult, CancellationToken, Task<int>> Run(Func<CommandContext, CancellationToken, Task<int>> body) =>
        async (parse, ct) =>
        {
            using var context = new CommandContext(parse);
            try
            {
                return await body(context, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (Classify(e) is { } failure)
            {
                context.Fail(failure.Code, failure.Kind, failure.Message, failure.Detail);
                return failure.Code;
            }
        };

    private sealed record Failure(int Code, string Kind, string Message, JsonObject? Detail);

    private static Failure? Classify(Exception e) => e switch
    {
        UserErrorException => new(ExitCodes.UserError, "usage", e.Message, null),
        WouldRevertException w => new(ExitCodes.UserError, "would_revert", e.Message, RevertJson(w.Revert)),
        WrongPasswordException => new(ExitCodes.UserError, "wrong_password", "wrong password for the key (nothing was sent)", null),
        KeystoreException => new(ExitCodes.UserError, "keystore", e.Message, null),
        ChainFormatException => new(ExitCodes.UserError, "format", e.Message, null),
        FormatException => new(ExitCodes.UserError, "format", e.Message, null),
        FileNotFoundException f => new(ExitCodes.UserError, "not_found", $"file not found: {f.FileName ?? f.Message}", null),
        DirectoryNotFoundException => new(ExitCodes.UserError, "not_found", e.Message, null),
        UnauthorizedAccessException => new(ExitCodes.UserError, "permission", e.Message, null),
        JsonException => new(ExitCodes.UserError, "format", $"not valid JSON: {e.Message}", null),
        NetworkCheckException n => new(n.ExitCode, n.ExitCode == ExitCodes.ParityFailure ? "parity" : "network", e.Message, null),
        ContractRevertException r => new(ExitCodes.ChainFailure, "revert", $"the contract refused: {r.Message}", RevertJson(r)),
        TransactionFailedException t => new(ExitCodes.ChainFailure, "revert",
            t.Revert is { } r ? $"the transaction reverted: {r.Message}" : $"the transaction reverted (block {t.Receipt.BlockNumber})",
            t.Revert is { } rr ? RevertJson(rr) : null),
        RpcTransportException => new(ExitCodes.ChainFailure, "unreachable", $"cannot reach the node: {e.Message}", null),
        ReceiptTimeoutException => new(ExitCodes.ChainFailure, "timeout", e.Message, null),
        ChainFailureException => new(ExitCodes.ChainFailure, "chain", e.Message, null),
        ChainException => new(ExitCodes.ChainFailure, "chain", e.Message, null),
        HttpRequestException => new(ExitCodes.ChainFailure, "unreachable", $"cannot reach the node: {e.Message}", null),
        IOException => new(ExitCodes.UserError, "io", e.Message, null),
        OperationCanceledException => new(ExitCodes.ChainFailure, "cancelled", "cancelled", null),
        _ => null,
    };

    private static JsonObject RevertJson(ContractRevertException r)
    {
        var args = new JsonArray();
        foreach (var a in r.Arguments)
        {
            args.Add(JsonValue.Create(FormatArg(a)));
        }
        return new JsonObject { ["error"] = r.ErrorName, ["arguments"] = args };
    }

    private static string FormatArg(object? a) => a switch
    {
        null => "null",
        byte[] b => "0x" + Convert.ToHexStringLower(b),
        BigInteger i => i.ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => a.ToString() ?? "",
    };

    /// <summary>Reports an error: one line on stderr, and with --json also a JSON error object on stdout.</summary>
    public void Fail(int code, string kind, string message, JsonObject? detail = null)
    {
        Error.WriteLine("error: " + message);
        if (Json)
        {
            var obj = new JsonObject { ["error"] = new JsonObject { ["kind"] = kind, ["message"] = message, ["exit_code"] = code } };
            if (detail is not null)
            {
                obj["error"]!["detail"] = detail;
            }
            Output.WriteLine(obj.ToJsonString(JsonOut));
        }
    }

    public static readonly JsonSerializerOptions JsonOut = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes a JSON document to stdout.</summary>
    public void WriteJson(JsonNode node) => Output.WriteLine(node.ToJsonString(JsonOut));

    /// <summary>Writes a line of human text (nothing with --json).</summary>
    public void Say(string text)
    {
        if (!Json)
        {
            Output.WriteLine(text);
        }
    }

    // ----------------------------------------------------------------- chain

    public Uri RpcUrl
    {
        get
        {
            var text = _parse.GetValue(GlobalOptions.Rpc)
                       ?? Environment.GetEnvironmentVariable("INTELLIGENCE_RPC")
                       ?? DevnetState.TryLoadForCurrentFolder()?.Rpc
                       ?? "http://127.0.0.1:8545";
            return Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
                ? uri
                : throw new UserErrorException($"--rpc must be an http(s) URL, got '{text}'");
        }
    }

    public string AddressesPath =>
        _parse.GetValue(GlobalOptions.Addresses)
        ?? Environment.GetEnvironmentVariable("INTELLIGENCE_ADDRESSES")
        ?? DevnetState.TryLoadForCurrentFolder()?.AddressesFile
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".intelligence", "addresses.json");

    public EthClient Eth => _eth ??= new EthClient(new JsonRpcClient(RpcUrl, new JsonRpcOptions { RequestTimeout = TimeSpan.FromSeconds(15), MaxRetries = 1 }), KnownErrors);

    /// <summary>Every custom error of the deployed contracts, so a revert anywhere decodes to its name and arguments.</summary>
    public static RevertDecoder KnownErrors => new([.. NetworkContract.Errors, .. IntelligenceTokenContract.Errors, .. NetworkViewsContract.Errors]);

    public DevnetAddresses Addresses
    {
        get
        {
            if (_addresses is null)
            {
                var path = AddressesPath;
                if (!File.Exists(path))
                {
                    throw new UserErrorException($"no addresses file at {path}: start a devnet (intelligence devnet up), deploy (intelligence network deploy), or pass --addresses");
                }
                _addresses = DevnetAddresses.Load(path);
            }
            return _addresses;
        }
    }

    public async Task<ulong> ChainIdAsync(CancellationToken ct)
    {
        if (_chainId is null)
        {
            var id = await Eth.ChainIdAsync(ct).ConfigureAwait(false);
            if (id != Addresses.ChainId)
            {
                throw new UserErrorException($"the node at {RpcUrl} is chain {id} but {AddressesPath} is for chain {Addresses.ChainId}");
            }
            _chainId = id;
        }
        return _chainId.Value;
    }

    public NetworkContract Network(TransactionSender? sender = null) => new(Eth, Addresses.Network, sender);
    /// <summary>The read-only views: their functions are served by the Network contract itself (it forwards them to the views code).</summary>
    public NetworkViewsContract Views => new(Eth, Addresses.Network);
    public IntelligenceTokenContract Token(TransactionSender? sender = null) => new(Eth, Addresses.Token, sender);

    public async Task<TransactionSender> SenderAsync(PrivateKey key, CancellationToken ct)
    {
        var chainId = await ChainIdAsync(ct).ConfigureAwait(false);
        _nonces ??= new NonceManager(Eth);
        return new TransactionSender(Eth, key, chainId, _nonces);
    }

    /// <summary>The subnet must exist: an unknown netuid is a user error, said before anything is sent.</summary>
    public async Task<SubnetView> RequireSubnetAsync(ushort netuid, CancellationToken ct)
    {
        await ChainIdAsync(ct).ConfigureAwait(false);
        var count = await Network().SubnetCountAsync(ct).ConfigureAwait(false);
        if (netuid >= count)
        {
            throw new UserErrorException($"subnet {netuid} does not exist (this chain has {count} subnet{(count == 1 ? "" : "s")}: 0..{Math.Max(0, count - 1)})");
        }
        return await Views.GetSubnetAsync(netuid, ct).ConfigureAwait(false);
    }

    // ----------------------------------------------------------------- wallets

    public string WalletsRoot => GlobalOptions.WalletsRoot(_parse);
    public string WalletName => _parse.GetValue(GlobalOptions.Wallet)!;
    public string HotkeyName => _parse.GetValue(GlobalOptions.Hotkey)!;

    public Wallet OpenWallet(string? name = null)
    {
        var n = name ?? WalletName;
        if (!Directory.Exists(Path.Combine(WalletsRoot, n)))
        {
            var known = Directory.Exists(WalletsRoot) ? Wallet.List(WalletsRoot) : [];
            throw new UserErrorException($"no wallet '{n}' in {WalletsRoot}" + (known.Count > 0 ? $" (wallets: {string.Join(", ", known)})" : " (create one: intelligence wallet create)"));
        }
        return Wallet.Open(WalletsRoot, n);
    }

    /// <summary>The password: --password-file, else $INTELLIGENCE_WALLET_PASSWORD, else a prompt on a terminal, else a user error.</summary>
    public string Password(string what, bool confirm = false)
    {
        if (_parse.GetValue(GlobalOptions.PasswordFile) is { Length: > 0 } file)
        {
            if (!File.Exists(file))
            {
                throw new UserErrorException($"password file {file} does not exist");
            }
            return File.ReadLines(file).FirstOrDefault() ?? "";
        }
        if (Environment.GetEnvironmentVariable("INTELLIGENCE_WALLET_PASSWORD") is { } env)
        {
            return env;
        }
        if (!Interactive)
        {
            throw new UserErrorException($"a password is needed for {what}: pass --password-file or set INTELLIGENCE_WALLET_PASSWORD");
        }
        var first = AnsiConsole.Prompt(new TextPrompt<string>($"password for {Markup.Escape(what)}:").Secret());
        if (confirm && AnsiConsole.Prompt(new TextPrompt<string>("again:").Secret()) != first)
        {
            throw new UserErrorException("the two passwords differ");
        }
        return first;
    }

    public PrivateKey UnlockColdkey(Wallet wallet) => wallet.UnlockColdkey(Password($"coldkey of wallet '{wallet.Name}'"));

    public PrivateKey UnlockHotkey(Wallet wallet, string hotkey)
    {
        RequireHotkey(wallet, hotkey);
        return wallet.UnlockHotkey(hotkey, Password($"hotkey '{hotkey}' of wallet '{wallet.Name}'"));
    }

    public static void RequireHotkey(Wallet wallet, string hotkey)
    {
        if (!wallet.HotkeyNames.Contains(hotkey, StringComparer.Ordinal))
        {
            throw new UserErrorException($"wallet '{wallet.Name}' has no hotkey '{hotkey}'" +
                (wallet.HotkeyNames.Count > 0 ? $" (hotkeys: {string.Join(", ", wallet.HotkeyNames)})" : " (create one: intelligence wallet new-hotkey)"));
        }
    }

    /// <summary>Parses a 0x address typed by a person.</summary>
    public static Address ParseAddress(string text, string what) =>
        Address.TryParse(text, out var a) ? a : throw new UserErrorException($"{what} '{text}' is not an address (0x followed by 40 hex digits)");

    // ----------------------------------------------------------------- transactions

    /// <summary>
    /// Shows what a transaction will do and cost (burn, gas estimate), asks to confirm unless --yes, sends it and
    /// waits for the receipt with a spinner. The gas estimate runs the call first, so a revert is reported with the
    /// contract's error name before anything is sent.
    /// </summary>
    public async Task<Receipt> SendAsync<TFunction>(TransactionSender sender, Address to, TFunction function, string description,
        BigInteger? burn, IReadOnlyList<ContractError> errors, CancellationToken ct, BigInteger? value = null)
        where TFunction : Nethereum.Contracts.FunctionMessage
    {
        var request = new TransactionRequest { To = to, Data = ContractAbi.Encode(function), Value = value ?? BigInteger.Zero };
        ulong gas;
        try
        {
            gas = await sender.EstimateGasAsync(request, ct).ConfigureAwait(false);
        }
        catch (ContractRevertException e)
        {
            throw new WouldRevertException(e.Error is null ? new RevertDecoder(errors).Decode(e.Data) : e);
        }
        var fees = await sender.SuggestFeesAsync(ct).ConfigureAwait(false);
        var maxFee = fees.MaxFeePerGas * gas;
        var gasMoney = await Eth.GetBalanceAsync(sender.Address, ct).ConfigureAwait(false);
        if (gasMoney < maxFee + request.Value)
        {
            throw new UserErrorException($"{sender.Address} has {Units.Eth(gasMoney)} for gas but this needs up to {Units.Eth(maxFee + request.Value)}: " +
                                         $"send it some (intelligence wallet transfer {sender.Address} 0.01 --eth); nothing was sent");
        }
        if (!Json)
        {
            Output.WriteLine($"{description}");
            Output.WriteLine($"  from {sender.Address}" + (burn is { } b && b > 0 ? $", burns {Units.Intl(b)}" : "") +
                             $", gas ~{gas.ToString("N0", CultureInfo.InvariantCulture)} (at most {Units.Eth(maxFee)})");
        }
        if (!Yes)
        {
            if (!Interactive)
            {
                throw new UserErrorException("confirmation needed: pass --yes to send without asking (nothing was sent)");
            }
            if (!AnsiConsole.Confirm("send?", defaultValue: false))
            {
                throw new UserErrorException("not confirmed: nothing was sent");
            }
        }
        var signed = await sender.SendAsync(request with { GasLimit = gas }, ct).ConfigureAwait(false);
        Receipt receipt;
        if (Interactive && !Json)
        {
            receipt = await AnsiConsole.Status().Spinner(Spinner.Known.Dots)
                .StartAsync("waiting for the receipt...", _ => sender.WaitForSuccessAsync(signed, TimeSpan.FromMinutes(2), ct)).ConfigureAwait(false);
        }
        else
        {
            receipt = await sender.WaitForSuccessAsync(signed, TimeSpan.FromMinutes(2), ct).ConfigureAwait(false);
        }
        Say($"  included in block {receipt.BlockNumber}, gas used {receipt.GasUsed.ToString("N0", CultureInfo.InvariantCulture)}, tx 0x{Convert.ToHexStringLower(receipt.TransactionHash)}");
        return receipt;
    }

    public void Dispose() => _eth?.Rpc.Dispose();
}
