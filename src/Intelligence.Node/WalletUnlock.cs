using System.Text;
using Intelligence.Chain;
using Intelligence.Chain.Keys;

namespace Intelligence.Node;

/// <summary>
/// Opens the node's wallet: the password from <c>Wallet:PasswordFile</c> (first line), else
/// <c>INTELLIGENCE_WALLET_PASSWORD</c>, else a prompt when stdin is a terminal. The password is never logged and
/// is dropped as soon as the keys are decrypted.
/// </summary>
public static class WalletUnlock
{
    /// <summary>The wallets root in use.</summary>
    public static string Root(WalletOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return string.IsNullOrWhiteSpace(options.Root) ? Wallet.DefaultRoot : options.Root;
    }

    /// <summary>Opens the wallet, or explains what is missing.</summary>
    public static Wallet Open(WalletOptions options)
    {
        var root = Root(options);
        try
        {
            return Wallet.Open(root, options.Name);
        }
        catch (ChainException e)
        {
            throw new NodeStartupException($"Wallet:Name: {e.Message}")
            {
                Hints = [$"create one with: intelligence wallet create --name {options.Name}  (wallets root {root})"],
            };
        }
    }

    /// <summary>Unlocks the hotkey (and the coldkey when <paramref name="coldkey"/>), with one password read.</summary>
    public static (PrivateKey Hotkey, PrivateKey? Coldkey) Unlock(WalletOptions options, bool coldkey)
    {
        var wallet = Open(options);
        if (!wallet.HotkeyNames.Contains(options.Hotkey, StringComparer.Ordinal))
        {
            throw new NodeStartupException($"Wallet:Hotkey: wallet '{options.Name}' has no hotkey '{options.Hotkey}'")
            {
                Hints = [$"create one with: intelligence wallet new-hotkey --name {options.Name} --hotkey {options.Hotkey}"],
            };
        }
        var password = ReadPassword(options);
        try
        {
            var hot = wallet.UnlockHotkey(options.Hotkey, password);
            var cold = coldkey ? wallet.UnlockColdkey(password) : null;
            return (hot, cold);
        }
        catch (ChainException e)
        {
            throw new NodeStartupException($"Wallet: cannot unlock wallet '{options.Name}': {e.Message}");
        }
    }

    /// <summary>Reads the password from the configured source.</summary>
    public static string ReadPassword(WalletOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrEmpty(options.PasswordFile))
        {
            try
            {
                using var reader = new StreamReader(options.PasswordFile, Encoding.UTF8);
                return reader.ReadLine() ?? "";
            }
            catch (IOException e)
            {
                throw new NodeStartupException($"Wallet:PasswordFile: cannot read '{options.PasswordFile}': {e.Message}");
            }
            catch (UnauthorizedAccessException e)
            {
                throw new NodeStartupException($"Wallet:PasswordFile: cannot read '{options.PasswordFile}': {e.Message}");
            }
        }
        if (Environment.GetEnvironmentVariable(WalletOptions.PasswordVariable) is { } env)
        {
            return env;
        }
        if (!Console.IsInputRedirected)
        {
            Console.Error.Write($"password for wallet '{options.Name}': ");
            var text = new StringBuilder();
            while (true)
            {
                var key = Console.ReadKey(intercept: true);
                if (key.Key == ConsoleKey.Enter)
                {
                    break;
                }
                if (key.Key == ConsoleKey.Backspace)
                {
                    if (text.Length > 0)
                    {
                        text.Length--;
                    }
                    continue;
                }
                text.Append(key.KeyChar);
            }
            Console.Error.WriteLine();
            return text.ToString();
        }
        throw new NodeStartupException($"Wallet: no password: set Wallet:PasswordFile or {WalletOptions.PasswordVariable}, or run on a terminal to be asked");
    }
}
