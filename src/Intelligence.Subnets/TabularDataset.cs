namespace Intelligence.Subnets;

/// <summary>Rows of float features with an integer class label each (digits, diagnosis, the template).</summary>
public sealed class TabularDataset
{
    /// <summary>Creates a dataset; every row must have the same width and every label must be in [0, classes).</summary>
    /// <exception cref="DatasetFormatException">Ragged rows or a label out of range.</exception>
    public TabularDataset(IReadOnlyList<float[]> features, IReadOnlyList<int> labels, int classes)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.Count != labels.Count || features.Count == 0)
        {
            throw new DatasetFormatException($"{features.Count} feature rows for {labels.Count} labels");
        }
        FeatureCount = features[0].Length;
        for (var i = 0; i < features.Count; i++)
        {
            if (features[i].Length != FeatureCount)
            {
                throw new DatasetFormatException($"row {i} has {features[i].Length} features, expected {FeatureCount}");
            }
            if (labels[i] < 0 || labels[i] >= classes)
            {
                throw new DatasetFormatException($"row {i} has label {labels[i]} outside [0,{classes})");
            }
        }
        Features = features;
        Labels = labels;
        Classes = classes;
    }

    /// <summary>Feature rows.</summary>
    public IReadOnlyList<float[]> Features { get; }

    /// <summary>Class of each row.</summary>
    public IReadOnlyList<int> Labels { get; }

    /// <summary>Number of classes.</summary>
    public int Classes { get; }

    /// <summary>Width of a feature row.</summary>
    public int FeatureCount { get; }

    /// <summary>Number of rows.</summary>
    public int Count => Labels.Count;

    /// <summary>
    /// Parses CSV lines whose last column is the label and the rest features, skipping <paramref name="headerLines"/>.
    /// </summary>
    public static TabularDataset FromCsv(IReadOnlyList<string> lines, int headerLines, int classes)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var features = new List<float[]>();
        var labels = new List<int>();
        for (var n = headerLines; n < lines.Count; n++)
        {
            var fields = lines[n].Split(',');
            if (fields.Length < 2)
            {
                throw new DatasetFormatException($"line {n + 1}: expected features and a label");
            }
            var row = new float[fields.Length - 1];
            for (var c = 0; c < row.Length; c++)
            {
                row[c] = (float)DatasetFiles.ParseNumber(fields[c], n + 1);
            }
            var label = DatasetFiles.ParseNumber(fields[^1], n + 1);
            if (double.IsNaN(label) || label != Math.Floor(label))
            {
                throw new DatasetFormatException($"line {n + 1}: label '{fields[^1]}' is not an integer");
            }
            features.Add(row);
            labels.Add((int)label);
        }
        return new TabularDataset(features, labels, classes);
    }

    /// <summary>The given rows as a new dataset.</summary>
    public TabularDataset Subset(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        return new TabularDataset([.. rows.Select(r => Features[r])], [.. rows.Select(r => Labels[r])], Classes);
    }

    /// <summary>Share of rows in each class.</summary>
    public double[] ClassFrequencies()
    {
        var counts = new double[Classes];
        foreach (var y in Labels)
        {
            counts[y]++;
        }
        return [.. counts.Select(c => c / Count)];
    }

    /// <summary>Features of the given rows, row-major in one array (shape [rows, FeatureCount]).</summary>
    public float[] Flatten(IReadOnlyList<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var flat = new float[rows.Count * FeatureCount];
        for (var i = 0; i < rows.Count; i++)
        {
            Features[rows[i]].CopyTo(flat, i * FeatureCount);
        }
        return flat;
    }
}
