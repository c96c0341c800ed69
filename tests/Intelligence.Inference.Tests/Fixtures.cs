using Intelligence.Inference.Training;

namespace Intelligence.Inference.Tests;

/// <summary>Reads the data sets copied under tests/fixtures/datasets.</summary>
internal static class Fixtures
{
    public static string PathOf(string relative) => Path.Combine(AppContext.BaseDirectory, "fixtures", relative);

    /// <summary>Digits: 64 features (0-16) and a label per row.</summary>
    public static (float[] X, int[] Labels, int Rows) Digits()
    {
        var table = NumericCsv.Read(PathOf("datasets/digits.csv.gz"));
        return (table.FirstColumns(64), table.Column(64).Select(v => (int)v).ToArray(), table.Rows);
    }

    /// <summary>Yearly sunspot numbers 1700-2008.</summary>
    public static float[] Sunspots() => NumericCsv.Read(PathOf("datasets/sunspots_yearly.csv"), headerLines: 1).Column(1);
}
