namespace Intelligence.Subnets;

/// <summary>Task metrics used by the built-in subnets (plain double math, deterministic).</summary>
public static class Metrics
{
    /// <summary>Probabilities are clipped to [Epsilon, 1] before the log, so one confident mistake costs at most -ln(Epsilon) ≈ 16.1.</summary>
    public const double Epsilon = 1e-7;

    /// <summary>Mean negative log of the probability given to the true class; rows of <paramref name="probs"/> are <paramref name="classes"/> wide.</summary>
    public static double MulticlassLogLoss(ReadOnlySpan<double> probs, ReadOnlySpan<int> labels, int classes)
    {
        CheckRows(probs.Length, labels.Length, classes);
        var sum = 0.0;
        for (var i = 0; i < labels.Length; i++)
        {
            sum -= Math.Log(Math.Clamp(probs[(i * classes) + labels[i]], Epsilon, 1.0));
        }
        return sum / labels.Length;
    }

    /// <summary>Share of rows whose most probable class (first on ties) is the true class.</summary>
    public static double Accuracy(ReadOnlySpan<double> probs, ReadOnlySpan<int> labels, int classes)
    {
        CheckRows(probs.Length, labels.Length, classes);
        var hits = 0;
        for (var i = 0; i < labels.Length; i++)
        {
            var row = probs.Slice(i * classes, classes);
            var best = 0;
            for (var c = 1; c < classes; c++)
            {
                if (row[c] > row[best])
                {
                    best = c;
                }
            }
            hits += best == labels[i] ? 1 : 0;
        }
        return (double)hits / labels.Length;
    }

    /// <summary>Mean binary log-loss of probabilities <paramref name="p"/> for the positive class against 0/1 labels.</summary>
    public static double BinaryLogLoss(ReadOnlySpan<double> p, ReadOnlySpan<int> positive)
    {
        CheckRows(p.Length, positive.Length, 1);
        var sum = 0.0;
        for (var i = 0; i < p.Length; i++)
        {
            var q = positive[i] == 1 ? p[i] : 1.0 - p[i];
            sum -= Math.Log(Math.Clamp(q, Epsilon, 1.0));
        }
        return sum / p.Length;
    }

    /// <summary>Area under the ROC curve (Mann-Whitney, ties count half); 0.5 when a class is absent.</summary>
    public static double Auc(ReadOnlySpan<double> p, ReadOnlySpan<int> positive)
    {
        CheckRows(p.Length, positive.Length, 1);
        var order = Enumerable.Range(0, p.Length).ToArray();
        var keys = p.ToArray();
        Array.Sort(keys, order);
        double rankSumPos = 0;
        long pos = 0;
        var i = 0;
        while (i < order.Length)
        {
            var j = i;
            while (j + 1 < order.Length && keys[j + 1] == keys[i])
            {
                j++;
            }
            var avgRank = ((i + j) / 2.0) + 1.0;
            for (var k = i; k <= j; k++)
            {
                if (positive[order[k]] == 1)
                {
                    rankSumPos += avgRank;
                    pos++;
                }
            }
            i = j + 1;
        }
        var neg = p.Length - pos;
        if (pos == 0 || neg == 0)
        {
            return 0.5;
        }
        return (rankSumPos - (pos * (pos + 1) / 2.0)) / (pos * (double)neg);
    }

    /// <summary>Log-loss of always answering the class frequencies <paramref name="prior"/> (the uninformed baseline).</summary>
    public static double PriorLogLoss(ReadOnlySpan<double> prior, ReadOnlySpan<int> labels)
    {
        var sum = 0.0;
        foreach (var y in labels)
        {
            sum -= Math.Log(Math.Clamp(prior[y], Epsilon, 1.0));
        }
        return sum / labels.Length;
    }

    /// <summary>
    /// Mean absolute scaled error: mean |forecast - truth| over the steps whose truth is known (NaN = missing),
    /// divided by <paramref name="scale"/>. NaN when no truth is known.
    /// </summary>
    public static double Mase(ReadOnlySpan<double> forecast, ReadOnlySpan<double> truth, double scale)
    {
        if (forecast.Length != truth.Length)
        {
            throw new ArgumentException("forecast and truth differ in length");
        }
        if (!(scale > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), "scale must be positive");
        }
        var sum = 0.0;
        var n = 0;
        for (var h = 0; h < truth.Length; h++)
        {
            if (double.IsNaN(truth[h]))
            {
                continue;
            }
            sum += Math.Abs(forecast[h] - truth[h]);
            n++;
        }
        return n == 0 ? double.NaN : sum / n / scale;
    }

    /// <summary>
    /// In-sample MAE of the seasonal-naive forecast (y[i] predicted by y[i - season]) over <paramref name="series"/>,
    /// skipping pairs with a missing (NaN) side; the MASE denominator.
    /// </summary>
    public static double SeasonalNaiveScale(ReadOnlySpan<double> series, int season)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(season, 1);
        var sum = 0.0;
        var n = 0;
        for (var i = season; i < series.Length; i++)
        {
            if (double.IsNaN(series[i]) || double.IsNaN(series[i - season]))
            {
                continue;
            }
            sum += Math.Abs(series[i] - series[i - season]);
            n++;
        }
        return n == 0 ? double.NaN : sum / n;
    }

    private static void CheckRows(int values, int rows, int width)
    {
        if (rows == 0 || values != rows * width)
        {
            throw new ArgumentException($"{values} values do not make {rows} rows of {width}");
        }
    }
}
