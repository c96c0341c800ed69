using Intelligence.Node;
using Intelligence.State.Stores;
using Intelligence.Validator;
using Microsoft.Extensions.Logging.Abstractions;
using NodeStateOptions = Intelligence.Node.StateOptions;

namespace Intelligence.Network.Tests;

/// <summary>
/// The split of a validator's queries over its workers and the duties lease between them, on the real lease stores
/// (two workers as two <see cref="WorkerGroup"/>s over one store; the process test is <see cref="WorkersTests"/>).
/// </summary>
public sealed class WorkerGroupTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void Share_AllLive_IsUidModCount_EveryUidOnce(int workers)
    {
        var all = Enumerable.Range(0, workers).ToArray();
        foreach (var uid in Enumerable.Range(0, 256))
        {
            Assert.Equal(uid % workers, WorkerShare.Owner(uid, workers, all));
            Assert.Equal(uid % workers, WorkerShare.Owner(uid, workers, []));
        }
    }

    [Fact]
    public void Share_DeadWorkers_TheirUidsSpreadEvenlyOverTheLive_NoOtherUidMoves()
    {
        const int workers = 4;
        foreach (var live in new[] { new[] { 0, 1, 3 }, [1, 2], [2], [0, 3] })
        {
            var owners = Enumerable.Range(0, 256).ToDictionary(u => u, u => WorkerShare.Owner(u, workers, live));
            Assert.All(owners.Values, o => Assert.Contains(o, live));
            // A live worker keeps every uid it is home to.
            Assert.All(owners.Where(p => live.Contains(p.Key % workers)), p => Assert.Equal(p.Key % workers, p.Value));
            // Each dead worker's uids are dealt round-robin: the live ones get as many, give or take one.
            foreach (var dead in Enumerable.Range(0, workers).Except(live))
            {
                var counts = live.Select(w => owners.Count(p => p.Key % workers == dead && p.Value == w)).ToList();
                Assert.True(counts.Max() - counts.Min() <= 1, $"live {string.Join(",", live)}, dead {dead}: {string.Join(",", counts)}");
            }
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkerShare.Owner(-1, 2, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => WorkerShare.Owner(1, 0, []));
    }

    [Theory]
    [InlineData("memory")]
    [InlineData("sqlite")]
    public async Task TwoWorkers_OneHoldsTheDuties_SharesDisjoint_KilledHolderReplaced_CleanStopHandsOver(string backend)
    {
        await using var leases = new Leases(backend);
        var a = Worker(leases.Store, 0);
        var b = Worker(leases.Store, 1);
        await a.Group.JoinAsync(CancellationToken.None).WaitAsync(Limit);
        await b.Group.JoinAsync(CancellationToken.None).WaitAsync(Limit);
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runA = a.Group.RunAsync(stopA.Token);
        var runB = b.Group.RunAsync(stopB.Token);

        // a joined first: it holds the duties, b does not; b learns a is live, and their shares split the uids.
        Assert.True(a.Group.HoldsDuties);
        Assert.False(b.Group.HoldsDuties);
        await UntilAsync(() => a.Group.Live.SequenceEqual([0, 1]) && b.Group.Live.SequenceEqual([0, 1]), "both see both live");
        Assert.All(Enumerable.Range(0, 64), u => Assert.True(a.Group.Queries(u) ^ b.Group.Queries(u)));
        Assert.Equal("this worker (" + a.Group.Holder + ")", a.Status.Info["duties"]);
        Assert.Equal(a.Group.Holder, b.Status.Info["duties"]);
        Assert.True(await a.Group.TryWriteDutyRecordAsync("pending-commit", "{\"salt\":1}", CancellationToken.None).AsTask().WaitAsync(Limit));
        Assert.False(await b.Group.TryWriteDutyRecordAsync("pending-commit", "{}", CancellationToken.None).AsTask().WaitAsync(Limit));

        // a dies without a word (no release): b takes the duties and all of a's uids once a's leases run out.
        var termBefore = b.Group.DutiesTerm;
        await stopA.CancelAsync();
        await runA.WaitAsync(Limit);
        await UntilAsync(() => b.Group.HoldsDuties && b.Group.Live.SequenceEqual([1]), "b takes over");
        Assert.Equal(termBefore + 1, b.Group.DutiesTerm);
        Assert.All(Enumerable.Range(0, 64), u => Assert.True(b.Group.Queries(u)));
        Assert.Equal("{\"salt\":1}", await b.Group.ReadDutyRecordAsync("pending-commit", CancellationToken.None).AsTask().WaitAsync(Limit));
        Assert.True(await b.Group.TryWriteDutyRecordAsync("pending-commit", null, CancellationToken.None).AsTask().WaitAsync(Limit));

        // a comes back (a new process, a new holder id): it gets its share back, the duties stay with b.
        var a2 = Worker(leases.Store, 0);
        await a2.Group.JoinAsync(CancellationToken.None).WaitAsync(Limit);
        using var stopA2 = new CancellationTokenSource();
        var runA2 = a2.Group.RunAsync(stopA2.Token);
        await UntilAsync(() => b.Group.Live.SequenceEqual([0, 1]), "b sees a again");
        Assert.False(a2.Group.HoldsDuties);
        Assert.True(b.Group.HoldsDuties);
        Assert.False(b.Group.Queries(0));

        // A clean stop hands over at once: b releases, a2 takes the duties on its next renewal.
        await stopB.CancelAsync();
        await runB.WaitAsync(Limit);
        await b.Group.LeaveAsync().WaitAsync(Limit);
        Assert.False(b.Group.HoldsDuties);
        await UntilAsync(() => a2.Group.HoldsDuties, "a2 takes the released duties");
        await stopA2.CancelAsync();
        await runA2.WaitAsync(Limit);
        await a2.Group.LeaveAsync().WaitAsync(Limit);
    }

    [Fact]
    public async Task SecondProcessWithOneIndex_RefusedAtStart_NamingTheSetting()
    {
        await using var leases = new Leases("memory");
        var first = Worker(leases.Store, 1);
        await first.Group.JoinAsync(CancellationToken.None).WaitAsync(Limit);
        using var stop = new CancellationTokenSource();
        var run = first.Group.RunAsync(stop.Token);
        var second = Worker(leases.Store, 1);
        var error = await Assert.ThrowsAsync<NodeStartupException>(() => second.Group.JoinAsync(CancellationToken.None).WaitAsync(Limit));
        Assert.StartsWith("Validator:WorkerIndex: worker 1 of this validator is already running (", error.Message, StringComparison.Ordinal);
        Assert.Contains(first.Group.Holder, error.Message, StringComparison.Ordinal);
        Assert.False(second.Group.HoldsDuties);
        await stop.CancelAsync();
        await run.WaitAsync(Limit);
    }

    [Fact]
    public void Options_WorkersAndIndex_Checked_AndSeveralNeedRedis()
    {
        Assert.Empty(new ValidatorOptions().Problems());
        Assert.Empty(new ValidatorOptions().Problems(new NodeStateOptions()));
        Assert.Contains("Validator:Workers: must be 1 to 64 (got 0)", new ValidatorOptions { Workers = 0 }.Problems());
        Assert.Contains("Validator:WorkerIndex: must be 0 to 1 with 2 workers (got 2)", new ValidatorOptions { Workers = 2, WorkerIndex = 2 }.Problems());
        Assert.Contains("Validator:WorkerIndex: must be 0 to 0 with 1 worker (got -1)", new ValidatorOptions { WorkerIndex = -1 }.Problems());
        Assert.Contains("Validator:LeaseTime: must be at least 00:00:01 (got 00:00:00.5000000)", new ValidatorOptions { LeaseTime = TimeSpan.FromMilliseconds(500) }.Problems());
        Assert.Single(new ValidatorOptions { Workers = 2, WorkerIndex = 1 }.Problems(new NodeStateOptions()), p => p.StartsWith("Validator:Workers: 2 workers need State:Redis", StringComparison.Ordinal));
        Assert.Empty(new ValidatorOptions { Workers = 2, WorkerIndex = 1 }.Problems(new NodeStateOptions { Redis = "127.0.0.1:6379" }));
    }

    private static (WorkerGroup Group, NodeStatus Status) Worker(ILeaseStore store, int index)
    {
        var status = new NodeStatus();
        var options = new ValidatorOptions { Workers = 2, WorkerIndex = index, LeaseTime = TimeSpan.FromSeconds(1) };
        return (new WorkerGroup(store, shared: true, "0xabc", 3, options, status, NullLogger<WorkerGroup>.Instance), status);
    }

    private static async Task UntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Limit;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}: not within {Limit}");
            await Task.Delay(20);
        }
    }

    /// <summary>A lease store of one backend for one test (the SQLite file in its own folder).</summary>
    private sealed class Leases : IAsyncDisposable
    {
        private readonly string? _dir;

        public Leases(string backend)
        {
            if (backend == "sqlite")
            {
                _dir = Directory.CreateTempSubdirectory("intelligence-workers-").FullName;
                Store = SqliteLeaseStore.Open(Path.Combine(_dir, SqliteLeaseStore.DefaultFileName));
            }
            else
            {
                Store = new InMemoryLeaseStore();
            }
        }

        public ILeaseStore Store { get; }

        public async ValueTask DisposeAsync()
        {
            if (Store is SqliteLeaseStore file)
            {
                await file.DisposeAsync();
                Directory.Delete(_dir!, recursive: true);
            }
        }
    }
}
