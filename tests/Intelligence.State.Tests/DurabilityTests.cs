using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Intelligence.State.Stores;

namespace Intelligence.State.Tests;

public class DurabilityTests
{
    [Fact]
    public async Task ValidatorKilledMidUpdates_EveryAcknowledgedUpdateIsInRedis()
    {
        await using var server = await RedisServer.StartAsync();
        const int uids = 6;
        const int netuid = 3;
        var prefix = "kill:" + Guid.NewGuid().ToString("N")[..8] + ":";
        var worker = Path.Combine(AppContext.BaseDirectory, "Intelligence.State.EmaWorker");
        var info = new ProcessStartInfo(worker) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { server.Port.ToString(CultureInfo.InvariantCulture), prefix, netuid.ToString(CultureInfo.InvariantCulture), uids.ToString(CultureInfo.InvariantCulture) })
        {
            info.ArgumentList.Add(arg);
        }

        var acks = new ConcurrentQueue<(int Uid, long Count, double Score)>();
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
                acks.Enqueue((uid, count, score));
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
            await Wait.UntilAsync(() => Task.FromResult(acks.Count >= 600 || process.HasExited), Wait.Long, "600 acknowledged updates");
            Assert.False(process.HasExited, "worker exited early: " + string.Join('\n', stderr));
        }
        finally
        {
            process.Kill(); // SIGKILL: no shutdown code runs in the worker
        }

        await process.WaitForExitAsync().WaitAsync(Wait.Timeout);
        Assert.Equal(137, process.ExitCode);

        await using var client = await Wait.T(RedisClient.ConnectAsync(server.Options()));
        var store = new RedisScoreStore(client, prefix);
        var acked = acks.ToArray();
        Assert.True(acked.Length >= 600);
        foreach (var uid in Enumerable.Range(0, uids))
        {
            var mine = acked.Where(a => a.Uid == uid).ToList();
            var stored = (await Wait.T(store.GetAsync(netuid, uid)))!;
            Assert.NotNull(stored);

            // Every acknowledged update is in Redis: the stored count is at least the highest acknowledged
            // (an update may have been applied but not yet printed when the process died).
            var highest = mine.Count == 0 ? 0 : mine.Max(a => a.Count);
            Assert.True(stored.SampleCount >= highest, $"uid {uid}: stored {stored.SampleCount} < acknowledged {highest}");
            Assert.True(stored.SampleCount <= highest + 1, $"uid {uid}: stored {stored.SampleCount} beyond one unacknowledged update");

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

    [Fact]
    public async Task RedisRestart_ScoresSurviveAndScriptsReload()
    {
        await using var server = await RedisServer.StartAsync();
        var prefix = "restart:" + Guid.NewGuid().ToString("N")[..8] + ":";
        var at = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        ScoreRecord before;
        await using (var client = await Wait.T(RedisClient.ConnectAsync(server.Options())))
        {
            var store = new RedisScoreStore(client, prefix);
            await Wait.T(store.UpdateAsync(1, 1, "hk", 0.7, 0.2, at));
            before = await Wait.T(store.UpdateAsync(1, 1, "hk", 0.9, 0.2, at.AddSeconds(1)));
        }

        // SIGKILL: only what the append-only file holds survives (the fixture runs appendfsync always).
        await server.KillAsync();
        await server.RestartAsync();

        await using (var client = await Wait.T(RedisClient.ConnectAsync(server.Options())))
        {
            var store = new RedisScoreStore(client, prefix);
            Assert.Equal(before, await Wait.T(store.GetAsync(1, 1)));
            // The script cache died with the server: EVALSHA gets NOSCRIPT and the store reloads the script.
            var after = await Wait.T(store.UpdateAsync(1, 1, "hk", 0.1, 0.2, at.AddSeconds(2)));
            Assert.Equal(3, after.SampleCount);
            Assert.Equal(ScoreRecord.Ema(before.Score, 0.1, 0.2), after.Score);
        }
    }
}
