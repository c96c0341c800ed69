using Intelligence.Chain;
using Intelligence.Protocol.Pipeline;

namespace Intelligence.Protocol.Tests;

public sealed class NonceAndRateTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task NonceStore_SecondUseRefused_PerCaller()
    {
        var store = new InMemoryNonceStore();
        using var a = PrivateKey.Generate();
        using var b = PrivateKey.Generate();
        Assert.True(await store.TryUseAsync(a.Address, 42, TimeSpan.FromMinutes(1), CancellationToken.None).AsTask().WaitAsync(Wait));
        Assert.False(await store.TryUseAsync(a.Address, 42, TimeSpan.FromMinutes(1), CancellationToken.None).AsTask().WaitAsync(Wait));
        Assert.True(await store.TryUseAsync(b.Address, 42, TimeSpan.FromMinutes(1), CancellationToken.None).AsTask().WaitAsync(Wait));
    }

    [Fact]
    public async Task NonceStore_ForgetsAfterRetention_MemoryBounded()
    {
        var store = new InMemoryNonceStore();
        using var a = PrivateKey.Generate();
        for (ulong n = 0; n < 1000; n++)
        {
            Assert.True(await store.TryUseAsync(a.Address, n, TimeSpan.Zero, CancellationToken.None).AsTask().WaitAsync(Wait));
        }

        // Zero retention: each earlier entry is expired by the next call.
        Assert.True(store.Count(a.Address) <= 1);
    }

    [Fact]
    public void RateLimiter_BurstThenRefuse_PerCaller()
    {
        var limiter = new TokenBucketRateLimiter(ratePerSecond: 0.001, burst: 2);
        using var a = PrivateKey.Generate();
        using var b = PrivateKey.Generate();
        Assert.True(limiter.TryAcquire(a.Address));
        Assert.True(limiter.TryAcquire(a.Address));
        Assert.False(limiter.TryAcquire(a.Address));
        Assert.True(limiter.TryAcquire(b.Address));
    }
}
