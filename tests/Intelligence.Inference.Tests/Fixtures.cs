using System.Globalization;
using System.IO.Compression;

namespace Intelligence.Inference.Tests;

/// <summary>Reads the data sets copied under tests/fixtures/datasets.</summary>
internal static class Fixtures
{
    public static string PathOf(string relative) => Path.Combine(AppContext.BaseDirectory, "fixtures", relative);

    /// <summary>Digits: 64 features (0-16) and a label per row.</summary>
    public static (float[] X, int[] Labels, int Rows) Digits()
    {
        using var gz = new GZipStream(File.OpenRead(PathOf("datasets/digits.csv.gz")), CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        var x = new List<float>();
        var labels = new List<int>();
        while (reader.ReadLine() is { Length: > 0 } line)
        {
            var parts = line.Split(',');
            x.AddRange(parts.Take(64).Select(p => float.Parse(p, CultureInfo.InvariantCulture)));
            labels.Add(int.Parse(parts[64], CultureInfo.InvariantCulture));
        }

        return (x.ToArray(), labels.ToArray(), labels.Count);
    }

    /// <summary>Yearly sunspot numbers 1700-2008.</summary>
    public static float[] Sunspots() => File.ReadLines(PathOf("datasets/sunspots_yearly.csv"))
        .Skip(1)
        .Where(l => l.Length > 0)
        .Select(l => float.Parse(l.Split(',')[1], CultureInfo.InvariantCulture))
        .ToArray();
}
