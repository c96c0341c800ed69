// A stand-in validator process for the kill -9 tests: folds a deterministic sample sequence into the score store
// (Redis or the embedded file, opened as a node opens it) for several UIDs at once and prints "ACK uid n score"
// after the store acknowledged update n. The tests kill it with SIGKILL mid-stream and check every ACK.
// Usage: EmaWorker redis <connection-string> <key-prefix> <netuid> <uids>
//        EmaWorker file <data-directory> <netuid> <uids>
using System.Globalization;
using Intelligence.State.Stores;

StateOptions options;
int netuid, uids;
switch (args)
{
    case ["redis", var connection, var prefix, var n, var u]:
        options = new StateOptions { Redis = connection, KeyPrefix = prefix };
        (netuid, uids) = (int.Parse(n, CultureInfo.InvariantCulture), int.Parse(u, CultureInfo.InvariantCulture));
        break;
    case ["file", var dir, var n, var u]:
        options = new StateOptions { DataDirectory = dir };
        (netuid, uids) = (int.Parse(n, CultureInfo.InvariantCulture), int.Parse(u, CultureInfo.InvariantCulture));
        break;
    default:
        Console.Error.WriteLine("usage: EmaWorker redis <connection-string> <key-prefix> <netuid> <uids> | file <data-directory> <netuid> <uids>");
        return 2;
}

await using var stores = await StateStores.OpenAsync(options);
var output = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
var gate = new object();

var workers = Enumerable.Range(0, uids).Select(uid => Task.Run(async () =>
{
    // Resume where an earlier run of this worker stopped (the restart half of the test).
    var start = (await stores.Scores.GetAsync(netuid, uid))?.SampleCount ?? 0;
    for (var n = start + 1; ; n++)
    {
        var record = await stores.Scores.UpdateAsync(netuid, uid, "hotkey-" + uid, EmaSamples.Sample(uid, n), EmaSamples.Alpha, DateTimeOffset.FromUnixTimeMilliseconds(n));
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
