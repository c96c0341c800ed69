using System.Globalization;
using System.IO.Compression;
using System.Reflection;

namespace Intelligence.Subnets;

/// <summary>Reads the CSV files subnets embed in their assemblies (optionally gzip-compressed).</summary>
public static class DatasetFiles
{
    /// <summary>Lines of an embedded resource; a name ending in <c>.gz</c> is decompressed.</summary>
    /// <exception cref="DatasetFormatException">No resource of that name.</exception>
    public static IReadOnlyList<string> ReadEmbeddedLines(Assembly assembly, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new DatasetFormatException($"{assembly.GetName().Name} embeds no resource '{resourceName}'");
        using (stream)
        {
            return ReadLines(stream, resourceName.EndsWith(".gz", StringComparison.Ordinal));
        }
    }

    /// <summary>Lines of a CSV file on disk; a path ending in <c>.gz</c> is decompressed.</summary>
    public static IReadOnlyList<string> ReadFileLines(string path)
    {
        using var stream = File.OpenRead(path);
        return ReadLines(stream, path.EndsWith(".gz", StringComparison.Ordinal));
    }

    /// <summary>Non-empty lines of a stream.</summary>
    public static IReadOnlyList<string> ReadLines(Stream stream, bool gzip)
    {
        using var source = gzip ? new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true) : stream;
        using var reader = new StreamReader(source);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                lines.Add(line.TrimEnd('\r'));
            }
        }
        return lines;
    }

    /// <summary>Parses an invariant-culture number; an empty field is NaN (a missing value).</summary>
    /// <exception cref="DatasetFormatException">The field is not a number.</exception>
    public static double ParseNumber(string field, int line)
    {
        ArgumentNullException.ThrowIfNull(field);
        if (field.Trim().Length == 0)
        {
            return double.NaN;
        }
        if (!double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
        {
            throw new DatasetFormatException($"line {line}: '{field}' is not a number");
        }
        return v;
    }
}
