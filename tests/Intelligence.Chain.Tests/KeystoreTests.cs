using Intelligence.Chain.Keys;

namespace Intelligence.Chain.Tests;

public class KeystoreTests
{
    private static readonly ScryptParameters Fast = new(1 << 10, 8, 1);

    [Fact]
    public void EncryptDecrypt_RoundTrip_RestoresKeyAndDeclaresAddress()
    {
        using var key = PrivateKey.Generate();
        var json = Keystore.Encrypt(key, "correct horse", Fast);
        using var back = Keystore.Decrypt(json, "correct horse");
        Assert.Equal(key.Address, back.Address);
        Assert.Equal(key.Address, Keystore.ReadAddress(json));
        Assert.DoesNotContain(Convert.ToHexStringLower(key.ExportBytes()), json);
    }

    [Fact]
    public void Decrypt_WrongPassword_ThrowsWrongPasswordException()
    {
        using var key = PrivateKey.Generate();
        var json = Keystore.Encrypt(key, "right", Fast);
        var ex = Assert.Throws<WrongPasswordException>(() => Keystore.Decrypt(json, "wrong"));
        Assert.Contains("Wrong password", ex.Message);
    }

    [Fact]
    public void OurKeystore_OpensWithCastDecryptKeystore()
    {
        using var dir = new TempDirectory();
        using var key = PrivateKey.Generate();
        Keystore.Save(Path.Combine(dir.Path, "ours"), Keystore.Encrypt(key, "pässwörd 1", Fast));
        var output = Tools.RunCast("wallet", "decrypt-keystore", "-k", dir.Path, "ours", "--unsafe-password", "pässwörd 1");
        Assert.EndsWith(Hex.Encode(key.ExportBytes()), output);
    }

    [Fact]
    public void CastKeystores_NewAndImport_OpenHere()
    {
        using var dir = new TempDirectory();
        using var key = PrivateKey.Generate();
        Tools.RunCast("wallet", "import", "imported", "--private-key", Hex.Encode(key.ExportBytes()), "-k", dir.Path, "--unsafe-password", "pw");
        using var imported = Keystore.Decrypt(Keystore.Load(Path.Combine(dir.Path, "imported")), "pw");
        Assert.Equal(key.Address, imported.Address);
        Assert.Throws<WrongPasswordException>(() => Keystore.Decrypt(Keystore.Load(Path.Combine(dir.Path, "imported")), "pW"));

        var created = Tools.RunCast("wallet", "new", dir.Path, "--unsafe-password", "pw2");
        var address = Address.Parse(created.Split("Address:")[1].Trim().Split('\n')[0].Trim());
        var file = Directory.GetFiles(dir.Path).Single(f => Path.GetFileName(f) != "imported");
        using var fresh = Keystore.Decrypt(Keystore.Load(file), "pw2");
        Assert.Equal(address, fresh.Address);
        Assert.Null(Keystore.ReadAddress(Keystore.Load(file)));
    }

    [Fact]
    public void DefaultParameters_AreStandardScryptAndOpenWithCast()
    {
        using var dir = new TempDirectory();
        using var key = PrivateKey.Generate();
        var json = Keystore.Encrypt(key, "default cost");
        Assert.Contains("\"n\":262144", json);
        Keystore.Save(Path.Combine(dir.Path, "std"), json);
        var output = Tools.RunCast("wallet", "decrypt-keystore", "-k", dir.Path, "std", "--unsafe-password", "default cost");
        Assert.EndsWith(Hex.Encode(key.ExportBytes()), output);
    }

    [Fact]
    public void Save_WritesOwnerOnlyAndRefusesToOverwrite()
    {
        using var dir = new TempDirectory();
        using var key = PrivateKey.Generate();
        var path = Path.Combine(dir.Path, "k");
        var json = Keystore.Encrypt(key, "pw", Fast);
        Keystore.Save(path, json);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        Assert.Throws<KeystoreException>(() => Keystore.Save(path, json));
        Assert.Single(Directory.GetFiles(dir.Path));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("{\"version\":2}")]
    [InlineData("{\"version\":3}")]
    [InlineData("{\"version\":3,\"crypto\":{\"cipher\":\"aes-256-gcm\"}}")]
    [InlineData("{\"version\":3,\"crypto\":{\"cipher\":\"aes-128-ctr\",\"cipherparams\":{\"iv\":\"00000000000000000000000000000000\"},\"ciphertext\":\"00\",\"mac\":\"00\",\"kdf\":\"scrypt\",\"kdfparams\":{\"dklen\":32,\"n\":1073741824,\"r\":8,\"p\":1,\"salt\":\"00\"}}}")]
    [InlineData("{\"version\":3,\"crypto\":{\"cipher\":\"aes-128-ctr\",\"cipherparams\":{\"iv\":\"00000000000000000000000000000000\"},\"ciphertext\":\"00\",\"mac\":\"00\",\"kdf\":\"scrypt\",\"kdfparams\":{\"dklen\":32,\"n\":1000,\"r\":8,\"p\":1,\"salt\":\"00\"}}}")]
    [InlineData("{\"version\":3,\"crypto\":{\"cipher\":\"aes-128-ctr\",\"cipherparams\":{\"iv\":\"zz\"},\"ciphertext\":\"00\",\"mac\":\"00\",\"kdf\":\"scrypt\",\"kdfparams\":{}}}")]
    [InlineData("{\"version\":3,\"crypto\":{\"cipher\":\"aes-128-ctr\",\"cipherparams\":{\"iv\":\"00000000000000000000000000000000\"},\"ciphertext\":\"00\",\"mac\":\"00\",\"kdf\":\"argon2\",\"kdfparams\":{\"dklen\":32,\"salt\":\"00\"}}}")]
    public void Decrypt_MalformedKeystores_ThrowKeystoreException(string json)
    {
        var ex = Assert.ThrowsAny<KeystoreException>(() => Keystore.Decrypt(json, "pw"));
        Assert.IsNotType<WrongPasswordException>(ex);
    }

    [Fact]
    public void Wallet_ColdkeyAndHotkeys_StoreListAndUnlock()
    {
        using var dir = new TempDirectory();
        var wallet = Wallet.Create(dir.Path, "alice", "cold-pw", Fast);
        var hot1 = wallet.CreateHotkey("miner1", "hot-pw", Fast);
        using var imported = PrivateKey.Generate();
        var hot2 = wallet.ImportHotkey("validator", imported, "hot-pw2", Fast);

        var reopened = Wallet.Open(dir.Path, "alice");
        Assert.Equal(new[] { "alice" }, Wallet.List(dir.Path));
        Assert.Equal(new[] { "miner1", "validator" }, reopened.HotkeyNames);
        Assert.Equal(hot1, reopened.HotkeyAddress("miner1"));
        Assert.Equal(imported.Address, hot2);
        using (var cold = reopened.UnlockColdkey("cold-pw"))
        {
            Assert.Equal(reopened.ColdkeyAddress, cold.Address);
        }
        using (var hot = reopened.UnlockHotkey("miner1", "hot-pw"))
        {
            Assert.Equal(hot1, hot.Address);
        }
        Assert.Throws<WrongPasswordException>(() => reopened.UnlockHotkey("miner1", "cold-pw"));
        Assert.Throws<KeystoreException>(() => reopened.UnlockHotkey("nope", "x"));
        Assert.Throws<KeystoreException>(() => reopened.CreateHotkey("miner1", "again", Fast));
        Assert.Throws<KeystoreException>(() => Wallet.Create(dir.Path, "alice", "x", Fast));
        Assert.Throws<KeystoreException>(() => Wallet.Open(dir.Path, "bob"));
        Assert.Throws<KeystoreException>(() => Wallet.Create(dir.Path, "../escape", "x", Fast));
        Assert.Throws<KeystoreException>(() => reopened.CreateHotkey("a/b", "x", Fast));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(reopened.Path));
        }
    }
}
