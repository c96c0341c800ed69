using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Nethereum.KeyStore;
using Nethereum.KeyStore.Crypto;
using Nethereum.KeyStore.Model;

namespace Intelligence.Chain.Keys;

/// <summary>A keystore that cannot be read or written (bad JSON, unsupported cipher or KDF, file problems).</summary>
public class KeystoreException(string message) : ChainException(message);

/// <summary>The password does not open the keystore (its MAC does not match).</summary>
public sealed class WrongPasswordException(string message) : KeystoreException(message);

/// <summary>scrypt cost parameters. Memory use is 128 * N * r bytes.</summary>
/// <param name="N">CPU/memory cost, a power of two.</param>
/// <param name="R">Block size.</param>
/// <param name="P">Parallelism.</param>
public sealed record ScryptParameters(int N, int R, int P)
{
    /// <summary>geth's "standard" cost: N = 2^18, r = 8, p = 1 (256 MiB, about a second on a desktop core).</summary>
    public static ScryptParameters Standard { get; } = new(1 << 18, 8, 1);

    /// <summary>geth's "light" cost: N = 2^12, r = 8, p = 6. For tests and devnets only.</summary>
    public static ScryptParameters Light { get; } = new(1 << 12, 8, 6);
}

/// <summary>
/// Web3 Secret Storage v3 keystores through Nethereum.KeyStore: scrypt (or pbkdf2 when reading) derives a 32-byte
/// key; its first half keys AES-128-CTR over the private key; keccak256(second half || ciphertext) is the MAC. Files
/// other tools (geth, cast) write open here, and the files written here open there. This type adds what the package
/// leaves to its caller: bounds on the KDF's cost before any work, typed errors, and files written 0600.
/// </summary>
public static class Keystore
{
    /// <summary>Refuse keystores whose scrypt parameters would need more memory than this.</summary>
    private const long MaxScryptMemory = 1L << 30;

    /// <summary>Encrypts a key into keystore JSON (Nethereum.KeyStore's scrypt service, aes-128-ctr).</summary>
    public static string Encrypt(PrivateKey key, string password, ScryptParameters? kdf = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(password);
        kdf ??= ScryptParameters.Standard;
        CheckScrypt(kdf.N, kdf.R, kdf.P, 32);
        var secret = key.ExportBytes();
        try
        {
            var parameters = new ScryptParams { Dklen = 32, N = kdf.N, R = kdf.R, P = kdf.P };
            return new KeyStoreScryptService().EncryptAndGenerateKeyStoreAsJson(password, secret, key.Address.ToLowerHex()[2..], parameters);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>
    /// Decrypts keystore JSON. A wrong password is a <see cref="WrongPasswordException"/>; anything malformed
    /// or unsupported a <see cref="KeystoreException"/>.
    /// </summary>
    public static PrivateKey Decrypt(string json, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        // Checked here before Nethereum sees the file: the cipher, the field shapes and the KDF's cost, so a hostile
        // keystore cannot ask for gigabytes of scrypt memory or fail deep inside the package with an untyped error.
        var crypto = ParseCrypto(json);
        var cipher = Text(crypto, "cipher");
        if (cipher != "aes-128-ctr")
        {
            throw new KeystoreException($"Unsupported keystore cipher '{cipher}' (only aes-128-ctr).");
        }
        var iv = HexField(crypto["cipherparams"] as JsonObject ?? throw new KeystoreException("Keystore lacks cipherparams."), "iv");
        if (iv.Length != 16)
        {
            throw new KeystoreException("Keystore iv must be 16 bytes.");
        }
        HexField(crypto, "ciphertext");
        HexField(crypto, "mac");
        CheckKdf(crypto);

        byte[] secret;
        try
        {
            secret = new KeyStoreService().DecryptKeyStoreFromJson(password, json);
        }
        catch (DecryptionException)
        {
            throw new WrongPasswordException("Wrong password for this keystore (MAC mismatch).");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new KeystoreException("Keystore could not be decrypted: " + e.Message);
        }
        try
        {
            return PrivateKey.FromBytes(secret);
        }
        catch (ChainFormatException e)
        {
            throw new KeystoreException("The keystore decrypts to an invalid private key: " + e.Message);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    /// <summary>The address a keystore declares (no password needed); null when it has none, as cast's files.</summary>
    public static Address? ReadAddress(string json)
    {
        var root = ParseRoot(json);
        var text = root["address"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (text is null)
        {
            return null;
        }
        return Address.TryParse(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text : "0x" + text, out var address)
            ? address
            : throw new KeystoreException("Keystore address field is not an address.");
    }

    /// <summary>Writes keystore JSON to a new file readable and writable by the owner only (mode 0600); never overwrites.</summary>
    public static void Save(string path, string json)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (File.Exists(path))
        {
            throw new KeystoreException($"Refusing to overwrite existing keystore {path}.");
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var temp = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        try
        {
            using (var stream = new FileStream(temp, options))
            {
                stream.Write(Encoding.UTF8.GetBytes(json));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException e)
        {
            File.Delete(temp);
            throw new KeystoreException($"Could not write keystore {path}: {e.Message}");
        }
    }

    /// <summary>Reads a keystore file's JSON.</summary>
    public static string Load(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeystoreException($"Could not read keystore {path}: {e.Message}");
        }
    }

    private static JsonObject ParseRoot(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonNode.Parse(json) as JsonObject ?? throw new KeystoreException("Keystore is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new KeystoreException("Keystore is not valid JSON: " + e.Message);
        }
    }

    private static JsonObject ParseCrypto(string json)
    {
        var root = ParseRoot(json);
        if (root["version"] is not JsonValue version || !version.TryGetValue<int>(out var v) || v != 3)
        {
            throw new KeystoreException("Only version 3 keystores are supported.");
        }
        return (root["crypto"] ?? root["Crypto"]) as JsonObject ?? throw new KeystoreException("Keystore lacks the crypto section.");
    }

    private static string Text(JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new KeystoreException($"Keystore lacks '{name}'.");

    private static int Int(JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.TryGetValue<int>(out var i) ? i : throw new KeystoreException($"Keystore lacks integer '{name}'.");

    private static byte[] HexField(JsonObject obj, string name)
    {
        try
        {
            return Hex.Decode(Text(obj, name));
        }
        catch (ChainFormatException)
        {
            throw new KeystoreException($"Keystore field '{name}' is not hex.");
        }
    }

    private static void CheckKdf(JsonObject crypto)
    {
        var kdf = Text(crypto, "kdf");
        var p = crypto["kdfparams"] as JsonObject ?? throw new KeystoreException("Keystore lacks kdfparams.");
        var dklen = Int(p, "dklen");
        HexField(p, "salt");
        switch (kdf)
        {
            case "scrypt":
                CheckScrypt(Int(p, "n"), Int(p, "r"), Int(p, "p"), dklen);
                break;
            case "pbkdf2":
            {
                if (Text(p, "prf") != "hmac-sha256")
                {
                    throw new KeystoreException("Only pbkdf2 with hmac-sha256 is supported.");
                }
                var c = Int(p, "c");
                if (c <= 0 || c > 100_000_000 || dklen < 32 || dklen > 64)
                {
                    throw new KeystoreException("pbkdf2 parameters out of range.");
                }
                break;
            }
            default:
                throw new KeystoreException($"Unsupported keystore kdf '{kdf}' (scrypt or pbkdf2).");
        }
    }

    private static void CheckScrypt(int n, int r, int p, int dklen)
    {
        if (n < 2 || (n & (n - 1)) != 0 || r < 1 || p < 1 || (long)r * p >= 1 << 30 || dklen < 32 || dklen > 64)
        {
            throw new KeystoreException("scrypt parameters out of range (N must be a power of two above 1).");
        }
        if (128L * n * r > MaxScryptMemory)
        {
            throw new KeystoreException($"scrypt parameters need {128L * n * r >> 20} MiB, above the {MaxScryptMemory >> 20} MiB this client allows.");
        }
    }
}
