using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Intelligence.State.Stores;

namespace Intelligence.State.Tests;

public class AuthTests
{
    private const string Password = "s3cret-pw";
    private const string AlicePassword = "alice-pw-42";

    private static Task<RedisServer> StartSecuredAsync() => RedisServer.StartAsync(
        "--requirepass", Password,
        "--user", "alice", "on", ">" + AlicePassword, "~app:*", "+@all");

    [Fact]
    public async Task Password_Correct_Works_Wrong_ThrowsTypedWithoutLeakingIt()
    {
        await using var server = await StartSecuredAsync();
        await using (var stores = await server.OpenStoresAsync(extra: "password=" + Password))
        {
            Assert.True(await Wait.T(stores.Replay.TryUseOnceAsync("x", 1, TimeSpan.FromMinutes(1))));
        }

        var wrong = await Assert.ThrowsAsync<StateUnavailableException>(() => server.OpenStoresAsync(extra: "password=wrong-pw-123,abortConnect=true"));
        Assert.DoesNotContain("wrong-pw-123", wrong.ToString(), StringComparison.Ordinal);
        var none = await Assert.ThrowsAsync<StateUnavailableException>(() => server.OpenStoresAsync(extra: "abortConnect=true"));
        Assert.DoesNotContain(Password, none.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AclUser_KeysUnderItsPattern_Work_OthersRefusedTyped()
    {
        await using var server = await StartSecuredAsync();
        var alice = "user=alice,password=" + AlicePassword;
        await using (var stores = await server.OpenStoresAsync(extra: alice, prefix: "app:"))
        {
            var record = await Wait.T(stores.Scores.UpdateAsync(1, 1, "hk", 0.5, 0.5, DateTimeOffset.UnixEpoch));
            Assert.Equal(0.25, record.Score);
            Assert.True(await Wait.T(stores.Replay.TryUseOnceAsync("x", 1, TimeSpan.FromMinutes(1))));
        }

        await using (var stores = await server.OpenStoresAsync(extra: alice, prefix: "other:"))
        {
            var refused = await Assert.ThrowsAsync<StateException>(() => Wait.T(stores.Scores.UpdateAsync(1, 1, "hk", 0.5, 0.5, DateTimeOffset.UnixEpoch)));
            Assert.Contains("NOPERM", refused.Message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(AlicePassword, refused.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Database_FromConnectionString_IsolatesKeys()
    {
        await using var server = await RedisServer.StartAsync();
        const string Prefix = "dbtest:";
        await using (var three = await server.OpenStoresAsync(extra: "defaultDatabase=3", prefix: Prefix))
        {
            await Wait.T(three.Scores.UpdateAsync(1, 1, "hk", 1, 1, DateTimeOffset.UnixEpoch));
        }

        await using (var zero = await server.OpenStoresAsync(prefix: Prefix))
        {
            Assert.Null(await Wait.T(zero.Scores.GetAsync(1, 1)));
        }
    }

    [Fact]
    public async Task Tls_TrustsConfiguredCa_AndRefusesUntrusted()
    {
        var dir = Directory.CreateTempSubdirectory("intelligence-tls-").FullName;
        try
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("localhost");
            san.AddIpAddress(System.Net.IPAddress.Loopback);
            request.CertificateExtensions.Add(san.Build());
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            var certPath = Path.Combine(dir, "redis.crt");
            var keyPath = Path.Combine(dir, "redis.key");
            await File.WriteAllTextAsync(certPath, cert.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());

            await using var server = await RedisServer.StartAsync((certPath, keyPath));
            var connection = server.ConnectionString(extra: "ssl=true,sslHost=localhost,abortConnect=true");
            await using (var stores = await Wait.T(StateStores.OpenAsync(new StateOptions { Redis = connection, RedisCaCertificatePath = certPath, KeyPrefix = "tls:" }), Wait.Long))
            {
                Assert.True(await Wait.T(stores.Replay.TryUseOnceAsync("over-tls", 1, TimeSpan.FromMinutes(1))));
                Assert.False(await Wait.T(stores.Replay.TryUseOnceAsync("over-tls", 1, TimeSpan.FromMinutes(1))));
            }

            // The system store does not trust a self-signed certificate: typed failure.
            await Assert.ThrowsAsync<StateUnavailableException>(() => Wait.T(StateStores.OpenAsync(new StateOptions { Redis = connection }), Wait.Long));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
