using Intelligence.Protocol.Pipeline;

namespace Intelligence.Protocol.Tests;

public sealed class PriorityGateTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Waiters_AdmittedByStakeThenArrival()
    {
        var gate = new PriorityGate(maxConcurrency: 1, queueCapacity: 10);
        Assert.Equal(GateRejection.None, await gate.EnterAsync(0, CancellationToken.None).AsTask().WaitAsync(Wait));
        var admitted = new List<string>();
        Task Enter(string name, int stake) => gate.EnterAsync(stake, CancellationToken.None).AsTask().ContinueWith(t =>
        {
            lock (admitted)
            {
                admitted.Add(name);
            }
        }, TaskScheduler.Default);
        var tasks = new[] { Enter("low", 1), Enter("high", 100), Enter("mid-a", 50), Enter("mid-b", 50) };
        Assert.Equal(4, gate.Queued);
        for (var i = 0; i < 4; i++)
        {
            gate.Release();
            await WaitCountAsync(admitted, i + 1);
        }

        await Task.WhenAll(tasks).WaitAsync(Wait);
        Assert.Equal(["high", "mid-a", "mid-b", "low"], admitted);
    }

    [Fact]
    public async Task FullQueue_RefusesLowerStake_EvictsLowestForHigher()
    {
        var gate = new PriorityGate(maxConcurrency: 1, queueCapacity: 1);
        await gate.EnterAsync(0, CancellationToken.None).AsTask().WaitAsync(Wait);
        var queued = gate.EnterAsync(10, CancellationToken.None).AsTask();
        Assert.Equal(GateRejection.QueueFull, await gate.EnterAsync(10, CancellationToken.None).AsTask().WaitAsync(Wait));
        var richer = gate.EnterAsync(20, CancellationToken.None).AsTask();
        Assert.Equal(GateRejection.Evicted, await queued.WaitAsync(Wait));
        gate.Release();
        Assert.Equal(GateRejection.None, await richer.WaitAsync(Wait));
        gate.Release();
        Assert.Equal(0, gate.Running);
    }

    [Fact]
    public async Task CancelledWaiter_LeavesQueue_SlotNotLost()
    {
        var gate = new PriorityGate(maxConcurrency: 1, queueCapacity: 4);
        await gate.EnterAsync(0, CancellationToken.None).AsTask().WaitAsync(Wait);
        using var cts = new CancellationTokenSource();
        var waiting = gate.EnterAsync(5, cts.Token).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Wait));
        Assert.Equal(0, gate.Queued);
        gate.Release();
        Assert.Equal(0, gate.Running);
        Assert.Equal(GateRejection.None, await gate.EnterAsync(1, CancellationToken.None).AsTask().WaitAsync(Wait));
    }

    private static async Task WaitCountAsync(List<string> list, int count)
    {
        using var cts = new CancellationTokenSource(Wait);
        while (true)
        {
            lock (list)
            {
                if (list.Count >= count)
                {
                    return;
                }
            }

            await Task.Delay(5, cts.Token);
        }
    }
}
