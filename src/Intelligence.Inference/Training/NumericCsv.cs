using System.Globalization;
using System.IO.Compression;

namespace Intelligence.Inference.Training;

/// <summary>A numeric table read from CSV: row-major values with their row and column counts.</summary>
/// <param name="Values">Row-major values; an empty cell reads as NaN.</param>
/// <param name="Rows">Number of rows.</param>
/// <param name="Columns">Number of columns.</param>
public sealed record NumericTable(float[] Values, int Rows, int Columns)
{
    /// <summary>One column as an array.</summary>
    public float[] Column(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Columns, nameof(index));
        var column = new float[Rows];
        for (var r = 0; r < Rows; r++)
        {
            column[r] = Values[(r * Columns) + index];
        }

        return column;
    }

    /// <summary>The first <paramref name="count"/> columns of every row (features), row-major.</summary>
    public float[] FirstColumns(int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Columns, nameof(count));
        var result = new float[Rows * count];
        for (var r = 0; r < Rows; r++)
        {
            Values.AsSpan(r * Columns, count).CopyTo(result.AsSpan(r * count));
        }

        return result;
    }
}

/// <summary>Reads comma-separated numeric files such as the shipped data sets (plain or .gz).</summary>
public static class NumericCsv
{
    /// <summary>Reads <paramref name="path"/>, skipping <paramref name="headerLines"/> lines; a path ending in .gz is decompressed.</summary>
    public static NumericTable Read(string path, int headerLines = 0)
    {
        using var file = File.OpenRead(path);
        using var reader = new StreamReader(path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(file, CompressionMode.Decompress)
            : file);
        return Read(reader, headerLines);
    }

    /// <summary>Reads CSV text; every data row must have the same number of cells.</summary>
    public static NumericTable Read(TextReader reader, int headerLines = 0)
    {
        for (var i = 0; i < headerLines; i++)
        {
            reader.ReadLine();
        }

        var values = new List<float>();
        var columns = -1;
        var rows = 0;
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            var cells = line.Split(',');
            if (columns >= 0 && cells.Length != columns)
            {
                throw new FormatException($"Data row {rows + 1} has {cells.Length} cells; earlier rows have {columns}.");
            }

            columns = cells.Length;
            foreach (var cell in cells)
            {
                var text = cell.Trim().Trim('"');
                values.Add(text.Length == 0 ? float.NaN : float.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
            }

            rows++;
        }

        return new NumericTable(values.ToArray(), rows, Math.Max(columns, 0));
    }
}
