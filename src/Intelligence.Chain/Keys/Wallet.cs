namespace Intelligence.Chain.Keys;

/// <summary>
/// A wallet directory: one coldkey (holds and stakes funds) and any number of named hotkeys (identify
/// neurons, sign requests), each a standard v3 keystore file. Layout: &lt;root&gt;/&lt;wallet&gt;/coldkey and
/// &lt;root&gt;/&lt;wallet&gt;/hotkeys/&lt;hotkey&gt;. Directories are created owner-only (0700), files 0600.
/// </summary>
public sealed class Wallet
{
    private const string ColdkeyFile = "coldkey";
    private const string HotkeyFolder = "hotkeys";

    private Wallet(string root, string name)
    {
        Name = name;
        Path = System.IO.Path.Combine(root, name);
    }

    /// <summary>The wallet's name (its folder name).</summary>
    public string Name { get; }

    /// <summary>The wallet folder.</summary>
    public string Path { get; }

    /// <summary>The default wallets root: $INTELLIGENCE_WALLETS, else ~/.intelligence/wallets.</summary>
    public static string DefaultRoot =>
        Environment.GetEnvironmentVariable("INTELLIGENCE_WALLETS") is { Length: > 0 } env
            ? env
            : System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".intelligence", "wallets");

    /// <summary>Creates a wallet with a freshly generated coldkey.</summary>
    public static Wallet Create(string root, string name, string password, ScryptParameters? kdf = null)
    {
        using var key = PrivateKey.Generate();
        return Import(root, name, key, password, kdf);
    }

    /// <summary>Creates a wallet around an existing coldkey.</summary>
    public static Wallet Import(string root, string name, PrivateKey coldkey, string password, ScryptParameters? kdf = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        CheckName(name, "wallet");
        var wallet = new Wallet(root, name);
        if (File.Exists(wallet.ColdkeyPath))
        {
            throw new KeystoreException($"Wallet '{name}' already exists in {root}.");
        }
        CreatePrivateDirectory(root);
        CreatePrivateDirectory(wallet.Path);
        Keystore.Save(wallet.ColdkeyPath, Keystore.Encrypt(coldkey, password, kdf));
        return wallet;
    }

    /// <summary>Opens an existing wallet (no password needed until a key is unlocked).</summary>
    public static Wallet Open(string root, string name)
    {
        CheckName(name, "wallet");
        var wallet = new Wallet(root, name);
        if (!File.Exists(wallet.ColdkeyPath))
        {
            throw new KeystoreException($"No wallet '{name}' in {root}.");
        }
        return wallet;
    }

    /// <summary>Names of the wallets under a root.</summary>
    public static IReadOnlyList<string> List(string root) =>
        Directory.Exists(root)
            ? Directory.GetDirectories(root).Where(d => File.Exists(System.IO.Path.Combine(d, ColdkeyFile))).Select(System.IO.Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList()
            : [];

    private string ColdkeyPath => System.IO.Path.Combine(Path, ColdkeyFile);

    private string HotkeyPath(string name) => System.IO.Path.Combine(Path, HotkeyFolder, name);

    /// <summary>The coldkey's address, read from the keystore without the password.</summary>
    public Address ColdkeyAddress => AddressOf(ColdkeyPath);

    /// <summary>Decrypts the coldkey.</summary>
    public PrivateKey UnlockColdkey(string password) => Keystore.Decrypt(Keystore.Load(ColdkeyPath), password);

    /// <summary>Generates and stores a new hotkey; returns its address.</summary>
    public Address CreateHotkey(string name, string password, ScryptParameters? kdf = null)
    {
        using var key = PrivateKey.Generate();
        return ImportHotkey(name, key, password, kdf);
    }

    /// <summary>Stores an existing key as a named hotkey; returns its address.</summary>
    public Address ImportHotkey(string name, PrivateKey key, string password, ScryptParameters? kdf = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        CheckName(name, "hotkey");
        CreatePrivateDirectory(System.IO.Path.Combine(Path, HotkeyFolder));
        Keystore.Save(HotkeyPath(name), Keystore.Encrypt(key, password, kdf));
        return key.Address;
    }

    /// <summary>Names of this wallet's hotkeys.</summary>
    public IReadOnlyList<string> HotkeyNames
    {
        get
        {
            var folder = System.IO.Path.Combine(Path, HotkeyFolder);
            return Directory.Exists(folder)
                ? Directory.GetFiles(folder).Select(System.IO.Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToList()
                : [];
        }
    }

    /// <summary>A hotkey's address, read without the password.</summary>
    public Address HotkeyAddress(string name)
    {
        CheckName(name, "hotkey");
        return AddressOf(HotkeyPath(name));
    }

    /// <summary>Decrypts a hotkey.</summary>
    public PrivateKey UnlockHotkey(string name, string password)
    {
        CheckName(name, "hotkey");
        if (!File.Exists(HotkeyPath(name)))
        {
            throw new KeystoreException($"Wallet '{Name}' has no hotkey '{name}'.");
        }
        return Keystore.Decrypt(Keystore.Load(HotkeyPath(name)), password);
    }

    private static Address AddressOf(string path) =>
        Keystore.ReadAddress(Keystore.Load(path)) ?? throw new KeystoreException($"Keystore {path} does not declare its address; unlock it instead.");

    private static void CheckName(string name, string what)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64 || name.StartsWith('.') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw new KeystoreException($"A {what} name is 1-64 letters, digits, '-', '_' or '.', not starting with '.'; got '{name}'.");
        }
    }

    private static void CreatePrivateDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            return;
        }
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
