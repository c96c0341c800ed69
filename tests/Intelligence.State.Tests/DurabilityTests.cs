using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Intelligence.State.Stores;

namespace Intelligence.State.Tests;

/// <summary>A validator process (tests/Intelligence.State.EmaWorker) killed with SIGKILL loses no acknowledged score.</summary>
public class DurabilityTests
{
    private const int Uids = 6;
    private const int Netuid = 3;

    [Fact]
    public async Task Redis_ValidatorKilledMidUpdates_EveryAcknowledgedUpdateIsStored()
    {
        await using var server = await RedisServer.StartAsync();
        var prefix = "kill:" + Guid.NewGuid().ToString("N")[..8] + ":";

        // Patient timeouts: on a loaded machine an fsync'd update may take seconds, and a timeout would end the
        // worker early (the test would report it, but it would not be the failure the test is about).
        var acks = await RunAndKillAsync(["redis", server.ConnectionString(Wait.PatientCommand), prefix, Text(Netuid), Text(Uids)], 600);
        await using var stores = await server.OpenStoresAsync(prefix: prefix);
        await CheckAsync(stores.Scores, acks);
    }

    [Fact]
    public async Task File_ValidatorKilledTwiceAndRestarted_EveryAcknowledgedUpdateIsStored()
    {
        var dir = Directory.CreateTempSubdirectory("intelligence-kill-").FullName;
        try
        {
            string[] args = ["file", dir, Text(Netuid), Text(Uids)];
            var first = await RunAndKillAsync(args, 300);
            await using (var store = SqliteScoreStore.Open(Path.Combine(dir, SqliteScoreStore.DefaultFileName)))
            {
                await CheckAsync(store, first);
            }

            // The restarted worker resumes from what the file holds and is killed again mid-stream.
            var second = await RunAndKillAsync(args, 300);
            Assert.True(second.Min(a => a.Count) > 1, "the restarted worker began from the stored counts");
            await using (var store = SqliteScoreStore.Open(Path.Combine(dir, SqliteScoreStore.DefaultFileName)))
            {
                await CheckAsync(store, [.. first, .. second]);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task RedisRestart_ScoresSurviveAndScriptsReload()
    {
        await using var server = await RedisServer.StartAsync();
        var prefix = "restart:" + Guid.NewGuid().ToString("N")[..8] + ":";
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        ScoreRecord before;
        await using (var stores = await server.OpenStoresAsync(prefix: prefix))
        {
            await Wait.T(stores.Scores.UpdateAsync(1, 1, "hk", 0.7, 0.2, at));
            before = await Wait.T(stores.Scores.UpdateAsync(1, 1, "hk", 0.9, 0.2, at.AddSeconds(1)));
        }

        // SIGKILL: only what the append-only file holds survives (the fixture runs appendfsync always).
        await server.KillAsync();
        await server.RestartAsync();

        await using (var stores = await server.OpenStoresAsync(prefix: prefix))
        {
            Assert.Equal(before, await Wait.T(stores.Scores.GetAsync(1, 1)));

            // The script cache died with the server: the client meets NOSCRIPT and sends the script again.
            var after = await Wait.T(stores.Scores.UpdateAsync(1, 1, "hk", 0.1, 0.2, at.AddSeconds(2)));
            Assert.Equal(3, after.SampleCount);
            Assert.Equal(ScoreRecord.Ema(before.Score, 0.1, 0.2), after.Score);
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    // Starts the worker, waits for `acks` acknowledgements, kills it with SIGKILL and returns what it acknowledged.
    private static async Task<(int Uid, long Count, double Score)[]> RunAndKillAsync(string[] args, int acks)
    {
        var worker = Path.Combine(AppContext.BaseDirectory, "Intelligence.State.EmaWorker");
        var info = new ProcessStartInfo(worker) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        var seen = new ConcurrentQueue<(int Uid, long Count, double Score)>();
        var stderr = new ConcurrentQueue<string>();
        using var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) =>
        {
            // A line cut short by the kill is not an acknowledgement and is ignored.
            if (e.Data?.Split(' ') is ["ACK", var u, var c, var s]
                && int.TryParse(u, CultureInfo.InvariantCulture, out var uid)
                && long.TryParse(c, CultureInfo.InvariantCulture, out var count)
                && double.TryParse(s, CultureInfo.InvariantCulture, out var score))
            {
                seen.Enqueue((uid, count, score));
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                stderr.Enqueue(line);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await Wait.UntilAsync(() => Task.FromResult(seen.Count >= acks || process.HasExited), Wait.Long, $"{acks} acknowledged updates");
            Assert.False(process.HasExited, "worker exited early: " + string.Join('\n', stderr));
        }
        finally
        {
            process.Kill(); // SIGKILL: no shutdown code runs in the worker
        }

        await process.WaitForExitAsync().WaitAsync(Wait.Timeout);
        Assert.Equal(137, process.ExitCode);
        var all = seen.ToArray();
        Assert.True(all.Length >= acks);
        return all;
    }

    private static async Task CheckAsync(IScoreStore store, (int Uid, long Count, double Score)[] acked)
    {
        foreach (var uid in Enumerable.Range(0, Uids))
        {
            var mine = acked.Where(a => a.Uid == uid).ToList();
            var stored = await Wait.T(store.GetAsync(Netuid, uid));
            Assert.NotNull(stored);

            // Every acknowledged update is stored: the count is at least the highest acknowledged (an update may have
            // been committed but not yet printed when the process died; a group commit may hold a few of them).
            var highest = mine.Count == 0 ? 0 : mine.Max(a => a.Count);
            Assert.True(stored.SampleCount >= highest, $"uid {uid}: stored {stored.SampleCount} < acknowledged {highest}");

            // The stored EMA is exactly the fold of samples 1..count, and each acknowledged score was on that path.
            var ema = 0.0;
            var path = new Dictionary<long, double>();
            for (var n = 1L; n <= stored.SampleCount; n++)
            {
                ema = ScoreRecord.Ema(ema, EmaSamples.Sample(uid, n), EmaSamples.Alpha);
                path[n] = ema;
            }

            Assert.Equal(ema, stored.Score);
            Assert.All(mine, a => Assert.Equal(path[a.Count], a.Score));
            Assert.Equal(mine.Count, mine.Select(a => a.Count).Distinct().Count());
        }
    }
}
