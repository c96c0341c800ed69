namespace Intelligence.Subnets.Forecast;

/// <summary>A weekly series with dates (yyyymmdd) and values, NaN where a week is missing.</summary>
public sealed class WeeklySeries
{
    /// <summary>Creates a series; dates and values must have the same length.</summary>
    public WeeklySeries(IReadOnlyList<int> dates, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(dates);
        ArgumentNullException.ThrowIfNull(values);
        if (dates.Count != values.Count || dates.Count == 0)
        {
            throw new DatasetFormatException($"{dates.Count} dates for {values.Count} values");
        }
        Dates = dates;
        Values = values;
    }

    /// <summary>Week dates as yyyymmdd.</summary>
    public IReadOnlyList<int> Dates { get; }

    /// <summary>Values; NaN marks a missing week.</summary>
    public IReadOnlyList<double> Values { get; }

    /// <summary>Number of weeks.</summary>
    public int Count => Values.Count;

    /// <summary>Parses <c>date,value</c> lines after a header; an empty value is a missing week.</summary>
    public static WeeklySeries FromCsv(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        var dates = new List<int>();
        var values = new List<double>();
        for (var n = 1; n < lines.Count; n++)
        {
            var fields = lines[n].Split(',');
            if (fields.Length != 2)
            {
                throw new DatasetFormatException($"line {n + 1}: expected date,value");
            }
            var date = DatasetFiles.ParseNumber(fields[0], n + 1);
            if (double.IsNaN(date))
            {
                throw new DatasetFormatException($"line {n + 1}: missing date");
            }
            dates.Add((int)date);
            values.Add(DatasetFiles.ParseNumber(fields[1], n + 1));
        }
        return new WeeklySeries(dates, values);
    }

    /// <summary>Index of the first week on or after <paramref name="yyyymmdd"/> (Count when none).</summary>
    public int IndexOf(int yyyymmdd)
    {
        for (var i = 0; i < Count; i++)
        {
            if (Dates[i] >= yyyymmdd)
            {
                return i;
            }
        }
        return Count;
    }

    /// <summary>
    /// The <paramref name="length"/> weeks ending at <paramref name="end"/> with missing weeks filled using only
    /// weeks up to <paramref name="end"/>: linear interpolation between the nearest known neighbours, the last
    /// known value carried forward at the end, the first known value carried back at the start.
    /// </summary>
    public double[] FilledWindow(int end, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(end - length + 1, nameof(length));
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(end, Count);
        var window = new double[length];
        for (var w = 0; w < length; w++)
        {
            var i = end - length + 1 + w;
            window[w] = double.IsNaN(Values[i]) ? Fill(i, end) : Values[i];
        }
        return window;
    }

    private double Fill(int i, int end)
    {
        var prev = i - 1;
        while (prev >= 0 && double.IsNaN(Values[prev]))
        {
            prev--;
        }
        var next = i + 1;
        while (next <= end && double.IsNaN(Values[next]))
        {
            next++;
        }
        if (prev >= 0 && next <= end)
        {
            return Values[prev] + ((Values[next] - Values[prev]) * (i - prev) / (next - prev));
        }
        if (prev >= 0)
        {
            return Values[prev];
        }
        if (next <= end)
        {
            return Values[next];
        }
        throw new DatasetFormatException($"no known value up to week {end}");
    }
}
