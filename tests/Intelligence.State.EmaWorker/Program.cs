// A stand-in validator process for the kill -9 test: folds a deterministic sample sequence into
// the Redis score store for several UIDs at once and prints "ACK uid n score" after Redis has
// acknowledged update n. The test kills it with SIGKILL mid-stream and checks every ACK against Redis.
using System.Globalization;
using Intelligence.State;
using Intelligence.State.Stores;

if (args.Length != 4)
{
    Console.Error.WriteLine("usage: EmaWorker <port> <key-prefix> <netuid> <uids>");
    return 2;
}

var port = int.Parse(args[0], CultureInfo.InvariantCulture);
var prefix = args[1];
var netuid = int.Parse(args[2], CultureInfo.InvariantCulture);
var uids = int.Parse(args[3], CultureInfo.InvariantCulture);

// Patient timeouts: on a loaded machine an fsync'd update may take seconds, and a timeout would end the
// worker early (the test would report it, but it would not be the failure the test is about).
await using var client = await RedisClient.ConnectAsync(new RedisOptions
{
    Port = port,
    CommandTimeout = TimeSpan.FromSeconds(30),
    ConnectTimeout = TimeSpan.FromSeconds(30),
});
var store = new RedisScoreStore(client, prefix);
var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
var gate = new object();

var workers = Enumerable.Range(0, uids).Select(uid => Task.Run(async () =>
{
    for (var n = 1L; ; n++)
    {
        var record = await store.UpdateAsync(netuid, uid, "hotkey-" + uid, EmaSamples.Sample(uid, n), EmaSamples.Alpha, DateTimeOffset.FromUnixTimeMilliseconds(n));
        lock (gate)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ACK {uid} {record.SampleCount} {record.Score:R}"));
        }
    }
})).ToArray();

await Task.WhenAll(workers);
return 0;

/// <summary>The deterministic sample sequence shared with the test that checks it.</summary>
public static class EmaSamples
{
    /// <summary>EMA weight of each new sample.</summary>
    public const double Alpha = 0.1;

    /// <summary>Sample number <paramref name="n"/> (from 1) for <paramref name="uid"/>, in [0, 1).</summary>
    public static double Sample(int uid, long n) => ((uid * 7919L) + (n * 104729L)) % 1000 / 1000.0;
}
