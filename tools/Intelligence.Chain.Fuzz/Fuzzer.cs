namespace Intelligence.Chain.Fuzz;

/// <summary>Result of a fuzzing run.</summary>
/// <param name="Target">Target name.</param>
/// <param name="Executions">Inputs tried.</param>
/// <param name="Failure">The first unexpected exception, if any.</param>
/// <param name="FailingInput">The input that caused it.</param>
public sealed record FuzzResult(string Target, long Executions, Exception? Failure, byte[]? FailingInput);

/// <summary>A small mutation fuzzer: seeds are bit-flipped, spliced, truncated, extended and word-smashed.</summary>
public static class Fuzzer
{
    /// <summary>Runs <paramref name="target"/> until <paramref name="iterations"/> inputs or <paramref name="duration"/> pass.</summary>
    public static FuzzResult Run(IFuzzTarget target, int seed, long iterations, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(target);
        var rng = new Random(seed);
        var deadline = DateTime.UtcNow + duration;
        long n = 0;
        for (; n < iterations && DateTime.UtcNow < deadline; n++)
        {
            var input = Mutate(rng, target.Seeds[rng.Next(target.Seeds.Count)]);
            try
            {
                target.Run(input);
            }
            catch (Exception e)
            {
                return new FuzzResult(target.Name, n + 1, e, input);
            }
        }
        return new FuzzResult(target.Name, n, null, null);
    }

    /// <summary>One mutated copy of a seed (or pure noise one time in sixteen).</summary>
    public static byte[] Mutate(Random rng, byte[] seed)
    {
        if (rng.Next(16) == 0)
        {
            var noise = new byte[rng.Next(0, 200)];
            rng.NextBytes(noise);
            return noise;
        }
        var data = new List<byte>(seed);
        var rounds = 1 + rng.Next(4);
        for (var r = 0; r < rounds; r++)
        {
            switch (rng.Next(7))
            {
                case 0 when data.Count > 0:
                    var i = rng.Next(data.Count);
                    data[i] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[rng.Next(data.Count)] = (byte)rng.Next(256);
                    break;
                case 2 when data.Count > 0:
                    var start = rng.Next(data.Count);
                    data.RemoveRange(start, 1 + rng.Next(Math.Min(8, data.Count - start)));
                    break;
                case 3:
                    data.Insert(rng.Next(data.Count + 1), (byte)rng.Next(256));
                    break;
                case 4 when data.Count > 0:
                    data = data.Take(rng.Next(data.Count + 1)).ToList();
                    break;
                case 5 when data.Count >= 32:
                    // Smash an aligned-ish word with an interesting value: huge, small, or just past the end.
                    var at = rng.Next(data.Count - 31);
                    var value = rng.Next(3) switch { 0 => ulong.MaxValue, 1 => (ulong)rng.Next(0, 256), _ => (ulong)data.Count };
                    for (var k = 0; k < 24; k++)
                    {
                        data[at + k] = value == ulong.MaxValue ? (byte)0xFF : (byte)0;
                    }
                    for (var k = 0; k < 8; k++)
                    {
                        data[at + 24 + k] = (byte)(value >> (8 * (7 - k)));
                    }
                    break;
                default:
                    var dup = data.Skip(rng.Next(data.Count + 1)).Take(rng.Next(64)).ToList();
                    data.InsertRange(rng.Next(data.Count + 1), dup);
                    break;
            }
        }
        return data.ToArray();
    }
}
