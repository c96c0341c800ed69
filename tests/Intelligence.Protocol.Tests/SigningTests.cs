using System.Diagnostics;
using System.Globalization;
using System.Text;
using Intelligence.Chain;
using Intelligence.Protocol.Signing;

namespace Intelligence.Protocol.Tests;

/// <summary>The signing byte layout checked against Foundry's cast (abi-encode, keccak, wallet verify).</summary>
public sealed class SigningTests
{
    private const string AnvilKey0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private const string AnvilKey1 = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

    [Fact]
    public async Task RequestDigest_EqualsCastAbiEncodeKeccak()
    {
        using var caller = PrivateKey.FromHex(AnvilKey0);
        using var miner = PrivateKey.FromHex(AnvilKey1);
        var domain = new SigningDomain(31337, 42);
        const ulong nonce = 1_763_700_000_123_456_789UL;
        const string method = "/intelligence.v1.Miner/Forward";
        byte[] body = [0x0a, 0x03, 0x01, 0x02, 0x03, 0xff];

        var ours = SigningDigests.Request(domain, caller.Address, miner.Address, nonce, method, body);

        var methodHash = await CastAsync("keccak", Hex.Encode(Encoding.UTF8.GetBytes(method)));
        var bodyHash = await CastAsync("keccak", Hex.Encode(body));
        var tag = await CastAsync("keccak", "intelligence.v1/request");
        var encoded = await CastAsync("abi-encode", "f(bytes32,uint256,uint256,address,address,uint256,bytes32,bytes32)",
            tag, "31337", "42", caller.Address.ToChecksumString(), miner.Address.ToChecksumString(), nonce.ToString(CultureInfo.InvariantCulture), methodHash, bodyHash);
        var expected = await CastAsync("keccak", encoded);
        Assert.Equal(expected, Hex.Encode(ours));
        // The same digest from a body hash computed beforehand (a validator hashes a round's body once).
        Assert.Equal(expected, Hex.Encode(SigningDigests.RequestFromBodyHash(domain, caller.Address, miner.Address, nonce, method, Keccak256.Hash(body))));
        Assert.Throws<ArgumentException>(() => SigningDigests.RequestFromBodyHash(domain, caller.Address, miner.Address, nonce, method, body));
    }

    [Fact]
    public async Task ResponseDigest_EqualsCastAbiEncodeKeccak()
    {
        var requestDigest = Keccak256.Hash("request"u8);
        var bodyHash = ResponseBodyHasher.Of("response"u8);
        var ours = SigningDigests.Response(requestDigest, bodyHash);
        var tag = await CastAsync("keccak", "intelligence.v1/response");
        var encoded = await CastAsync("abi-encode", "f(bytes32,bytes32,bytes32)", tag, Hex.Encode(requestDigest), Hex.Encode(bodyHash));
        Assert.Equal(await CastAsync("keccak", encoded), Hex.Encode(ours));
    }

    [Fact]
    public async Task RequestSignature_VerifiesWithCast()
    {
        using var caller = PrivateKey.FromHex(AnvilKey0);
        using var miner = PrivateKey.FromHex(AnvilKey1);
        var signed = new RequestSigner(caller, new SigningDomain(31337, 1)).Sign(miner.Address, "/m", "body"u8, 12345);
        // cast treats a 0x-prefixed message as raw bytes and applies the EIP-191 prefix, as we do.
        var output = await CastAsync("wallet", "verify", "--address", caller.Address.ToChecksumString(), Hex.Encode(signed.Digest), signed.Signature.ToHex());
        Assert.Contains("Validation succeeded", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ResponseBodyHash_IsHashOfMessageHashes()
    {
        var h1 = Keccak256.Hash("a"u8);
        var h2 = Keccak256.Hash("b"u8);
        var hasher = new ResponseBodyHasher();
        hasher.Add("a"u8);
        hasher.Add("b"u8);
        Assert.Equal(Keccak256.Hash([.. h1, .. h2]), hasher.Finish());
        Assert.Equal(Keccak256.Hash(h1), ResponseBodyHasher.Of("a"u8));
    }

    [Fact]
    public void ResponseBodyHash_IntoSpan_SameAsArray()
    {
        for (var n = 0; n <= 3; n++)
        {
            var hasher = new ResponseBodyHasher();
            for (var i = 0; i < n; i++)
            {
                hasher.Add(BitConverter.GetBytes(i));
            }

            var hash = new byte[40].AsSpan();
            hash.Fill(0xee);
            hasher.Finish(hash);
            Assert.Equal(hasher.Finish(), hash[..32].ToArray());
            Assert.True(hash[32..].ToArray().All(b => b == 0xee));
            var digest = new byte[32].AsSpan();
            SigningDigests.Response(hash[..32], hasher.Finish(), digest);
            Assert.Equal(SigningDigests.Response(hash[..32], hasher.Finish()), digest.ToArray());
        }

        Assert.Equal(Keccak256.Hash([]), new ResponseBodyHasher().Finish());
    }

    [Fact]
    public void NonceClock_StrictlyIncreasing()
    {
        var clock = new NonceClock();
        var nonces = Enumerable.Range(0, 10_000).Select(_ => clock.Next()).ToArray();
        Assert.True(nonces.Zip(nonces.Skip(1)).All(p => p.Second > p.First));
    }

    [Fact]
    public async Task NonceClock_Lanes_WorkersOfOneHotkeyNeverCollide_AndStayOnTheClock()
    {
        // Three workers of one validator issuing at once (their clocks read the same instants): every nonce is
        // distinct, each worker's are increasing and in its lane, none is behind the wall clock nor ahead of it by more
        // than the lane steps taken, and a miner's replay store accepts every one of them.
        const int count = 20_000;
        var clocks = Enumerable.Range(0, 3).Select(i => new NonceClock(i, 3)).ToArray();
        var before = NonceClock.NowNanoseconds();
        var issued = await Task.WhenAll(clocks.Select(c => Task.Run(() => Enumerable.Range(0, count).Select(_ => c.Next()).ToArray()))).WaitAsync(TimeSpan.FromSeconds(30));
        var after = NonceClock.NowNanoseconds();
        for (var lane = 0; lane < 3; lane++)
        {
            Assert.All(issued[lane], n => Assert.Equal((ulong)lane, n % 3));
            Assert.True(issued[lane].Zip(issued[lane].Skip(1)).All(p => p.Second > p.First));
        }
        var all = issued.SelectMany(n => n).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.InRange(all.Min(), before, after + 3);
        Assert.InRange(all.Max(), before, after + (3UL * count));
        var store = new Intelligence.Protocol.Pipeline.InMemoryNonceStore();
        using var hotkey = PrivateKey.Generate();
        foreach (var n in all)
        {
            Assert.True(await store.TryUseAsync(hotkey.Address, n, TimeSpan.FromMinutes(1), CancellationToken.None));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new NonceClock(3, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NonceClock(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NonceClock(-1, 2));
    }

    private static async Task<string> CastAsync(params string[] args)
    {
        var cast = Path.Combine(Repo.ToolsDir, "bin", "cast");
        var info = new ProcessStartInfo(File.Exists(cast) ? cast : "cast") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(process.ExitCode == 0, $"cast {string.Join(' ', args)} failed: {await stderr}");
        return (await stdout).Trim();
    }
}
