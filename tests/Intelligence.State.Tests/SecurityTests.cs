using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Intelligence.State.Tests;

public class AuthTests
{
    private const string Password = "s3cret-pw";
    private const string AlicePassword = "alice-pw-42";

    private static Task<RedisServer> StartSecuredAsync() => RedisServer.StartAsync(
        "--requirepass", Password,
        "--user", "alice", "on", ">" + AlicePassword, "~app:*", "+@all");

    [Theory]
    [InlineData(RedisProtocol.Resp3)]
    [InlineData(RedisProtocol.Resp2)]
    public async Task Password_Correct_Works_Wrong_ThrowsTypedWithoutLeakingIt(RedisProtocol protocol)
    {
        await using var server = await StartSecuredAsync();
        var options = server.Options(protocol);
        options.Password = Password;
        await using (var client = await Wait.T(RedisClient.ConnectAsync(options)))
        {
            Assert.Equal("PONG", await Wait.T(client.PingAsync()));
        }

        options.Password = "not-the-password";
        var error = await Assert.ThrowsAsync<RedisAuthenticationException>(() => Wait.T(RedisClient.ConnectAsync(options)));
        Assert.DoesNotContain("not-the-password", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", options.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoPassword_OnSecuredServer_ThrowsAuthenticationError()
    {
        await using var server = await StartSecuredAsync();
        await Assert.ThrowsAsync<RedisAuthenticationException>(() => Wait.T(RedisClient.ConnectAsync(server.Options())));
    }

    [Theory]
    [InlineData(RedisProtocol.Resp3)]
    [InlineData(RedisProtocol.Resp2)]
    public async Task AclUser_AllowedKeysWork_OthersRefusedWithNoPerm(RedisProtocol protocol)
    {
        await using var server = await StartSecuredAsync();
        var options = server.Options(protocol);
        options.User = "alice";
        options.Password = AlicePassword;
        options.ClientName = "alice-client";
        await using var client = await Wait.T(RedisClient.ConnectAsync(options));
        Assert.Equal("alice", (await Wait.T(client.ExecuteAsync("ACL", "WHOAMI"))).AsString());
        Assert.Equal("alice-client", (await Wait.T(client.ExecuteAsync("CLIENT", "GETNAME"))).AsString());
        Assert.True(await Wait.T(client.SetAsync("app:x", "1")));
        await Assert.ThrowsAsync<RedisAuthenticationException>(() => Wait.T(client.SetAsync("other:x", "1")));
    }

    [Fact]
    public async Task Select_Database_IsolatesKeys()
    {
        await using var server = await RedisServer.StartAsync();
        var db3 = server.Options();
        db3.Database = 3;
        await using var three = await Wait.T(RedisClient.ConnectAsync(db3));
        await using var zero = await Wait.T(RedisClient.ConnectAsync(server.Options()));
        await Wait.T(three.SetAsync("only-in-3", "x"));
        Assert.Equal("x", await Wait.T(three.GetStringAsync("only-in-3")));
        Assert.Null(await Wait.T(zero.GetStringAsync("only-in-3")));
    }

    [Fact]
    public void Options_Parse_ReadsEverySetting()
    {
        var o = RedisOptions.Parse("cache.local:6380,password=p,user=u,db=2,tls=true,name=n,timeout=1500,connecttimeout=700,resp=2");
        Assert.Equal(("cache.local", 6380, "p", "u", 2, true, "n"), (o.Host, o.Port, o.Password, o.User, o.Database, o.UseTls, o.ClientName));
        Assert.Equal((TimeSpan.FromMilliseconds(1500), TimeSpan.FromMilliseconds(700), RedisProtocol.Resp2), (o.CommandTimeout, o.ConnectTimeout, o.Protocol));
        Assert.DoesNotContain("p,", o.ToString(), StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => RedisOptions.Parse("h:1,bogus=1"));
        Assert.Throws<FormatException>(() => RedisOptions.Parse("h:1,db=-1"));
    }
}

public class TlsTests
{
    [Fact]
    public async Task Tls_ConnectsWithPinnedCertificate_AndRefusesUntrusted()
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
            using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            var certPath = Path.Combine(dir, "redis.crt");
            var keyPath = Path.Combine(dir, "redis.key");
            await File.WriteAllTextAsync(certPath, cert.ExportCertificatePem());
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());

            await using var server = await RedisServer.StartAsync((certPath, keyPath));
            var options = server.Options();
            options.UseTls = true;
            options.TlsHostName = "localhost";
            options.CertificateValidation = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == cert.GetCertHashString();
            await using (var client = await Wait.T(RedisClient.ConnectAsync(options)))
            {
                Assert.Equal(3, client.ProtocolVersion);
                Assert.True(await Wait.T(client.SetAsync("tls-key", "over tls")));
                Assert.Equal("over tls", await Wait.T(client.GetStringAsync("tls-key")));
            }

            // The system store does not trust a self-signed certificate: typed connect failure.
            options.CertificateValidation = null;
            var error = await Assert.ThrowsAsync<RedisConnectionException>(() => Wait.T(RedisClient.ConnectAsync(options)));
            Assert.Equal(RedisConnectionFailure.ConnectFailed, error.Failure);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
