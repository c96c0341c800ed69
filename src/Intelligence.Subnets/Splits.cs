namespace Intelligence.Subnets;

/// <summary>Deterministic, seeded partitions of a dataset's rows.</summary>
public static class Splits
{
    /// <summary>
    /// Splits row indices so that each class keeps about <paramref name="fraction"/> of its rows in the first part.
    /// The same labels and seed always give the same split; both parts come back sorted.
    /// </summary>
    public static (int[] First, int[] Others) Stratified(IReadOnlyList<int> labels, double fraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (!(fraction is > 0 and < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), "fraction must be in (0,1)");
        }
        var rng = new Random(seed);
        var first = new List<int>();
        var rest = new List<int>();
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            var rows = group.ToArray();
            rng.Shuffle(rows);
            var take = (int)Math.Round(rows.Length * fraction);
            first.AddRange(rows.Take(take));
            rest.AddRange(rows.Skip(take));
        }
        first.Sort();
        rest.Sort();
        return ([.. first], [.. rest]);
    }

    /// <summary>Picks <paramref name="count"/> distinct items of <paramref name="source"/> at random.</summary>
    public static int[] Sample(IReadOnlyList<int> source, int count, Random rng)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, source.Count);
        var copy = source.ToArray();
        for (var i = 0; i < count; i++)
        {
            var j = rng.Next(i, copy.Length);
            (copy[i], copy[j]) = (copy[j], copy[i]);
        }
        return copy[..count];
    }
}
