using Intelligence.Inference.Onnx;

namespace Intelligence.Inference.Training;

/// <summary>
/// Ordinary (ridge-regularised) least squares: finds W, b minimising |X W + b - Y|² + ridge |W|².
/// Solved exactly from the normal equations on centred data with a Cholesky factorisation in double precision.
/// </summary>
public static class LinearLeastSquares
{
    /// <summary>Fits a linear map from <paramref name="columns"/> features to <paramref name="outputs"/> targets.</summary>
    /// <param name="x">Row-major features, <paramref name="rows"/> x <paramref name="columns"/>.</param>
    /// <param name="rows">Number of samples.</param>
    /// <param name="columns">Number of features.</param>
    /// <param name="y">Row-major targets, <paramref name="rows"/> x <paramref name="outputs"/>.</param>
    /// <param name="outputs">Number of targets per sample.</param>
    /// <param name="ridge">L2 penalty on the weights (not the intercept); a small value keeps the system solvable.</param>
    public static DenseLayer Fit(ReadOnlySpan<float> x, int rows, int columns, ReadOnlySpan<float> y, int outputs = 1, double ridge = 1e-8)
    {
        TrainingData.CheckShape(x, rows, columns, nameof(x));
        TrainingData.CheckShape(y, rows, outputs, nameof(y));
        if (ridge < 0 || !double.IsFinite(ridge))
        {
            throw new ArgumentOutOfRangeException(nameof(ridge), ridge, "The ridge penalty must be finite and non-negative.");
        }

        var meanX = new double[columns];
        var meanY = new double[outputs];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++) { meanX[c] += x[(r * columns) + c]; }
            for (var o = 0; o < outputs; o++) { meanY[o] += y[(r * outputs) + o]; }
        }

        for (var c = 0; c < columns; c++) { meanX[c] /= rows; }
        for (var o = 0; o < outputs; o++) { meanY[o] /= rows; }

        // A = Xcᵀ Xc + ridge·I (scaled by the trace so the penalty is relative), B = Xcᵀ Yc.
        var a = new double[columns * columns];
        var b = new double[columns * outputs];
        var xc = new double[columns];
        for (var r = 0; r < rows; r++)
        {
            for (var c = 0; c < columns; c++) { xc[c] = x[(r * columns) + c] - meanX[c]; }
            for (var i = 0; i < columns; i++)
            {
                for (var j = 0; j <= i; j++) { a[(i * columns) + j] += xc[i] * xc[j]; }
                for (var o = 0; o < outputs; o++) { b[(i * outputs) + o] += xc[i] * (y[(r * outputs) + o] - meanY[o]); }
            }
        }

        double trace = 0;
        for (var i = 0; i < columns; i++) { trace += a[(i * columns) + i]; }
        var penalty = ridge * Math.Max(trace / columns, 1e-12);
        for (var i = 0; i < columns; i++)
        {
            a[(i * columns) + i] += penalty;
            for (var j = 0; j < i; j++) { a[(j * columns) + i] = a[(i * columns) + j]; }
        }

        var w = CholeskySolve(a, b, columns, outputs);
        var weights = new float[columns * outputs];
        var bias = new float[outputs];
        for (var o = 0; o < outputs; o++)
        {
            var intercept = meanY[o];
            for (var c = 0; c < columns; c++)
            {
                weights[(c * outputs) + o] = (float)w[(c * outputs) + o];
                intercept -= meanX[c] * w[(c * outputs) + o];
            }

            bias[o] = (float)intercept;
        }

        return new DenseLayer(weights, bias, columns, outputs);
    }

    /// <summary>Solves A W = B for symmetric positive definite A (n x n) and B (n x m).</summary>
    private static double[] CholeskySolve(double[] a, double[] b, int n, int m)
    {
        var l = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                var sum = a[(i * n) + j];
                for (var k = 0; k < j; k++) { sum -= l[(i * n) + k] * l[(j * n) + k]; }
                if (i == j)
                {
                    if (sum <= 0 || !double.IsFinite(sum))
                    {
                        throw new ArgumentException("The features are linearly dependent (or constant); use a larger ridge penalty.");
                    }

                    l[(i * n) + i] = Math.Sqrt(sum);
                }
                else
                {
                    l[(i * n) + j] = sum / l[(j * n) + j];
                }
            }
        }

        var w = (double[])b.Clone();
        for (var o = 0; o < m; o++)
        {
            for (var i = 0; i < n; i++)
            {
                var sum = w[(i * m) + o];
                for (var k = 0; k < i; k++) { sum -= l[(i * n) + k] * w[(k * m) + o]; }
                w[(i * m) + o] = sum / l[(i * n) + i];
            }

            for (var i = n - 1; i >= 0; i--)
            {
                var sum = w[(i * m) + o];
                for (var k = i + 1; k < n; k++) { sum -= l[(k * n) + i] * w[(k * m) + o]; }
                w[(i * m) + o] = sum / l[(i * n) + i];
            }
        }

        return w;
    }
}

/// <summary>Linear autoregression (AR(p) with a multi-step horizon) fitted by least squares.</summary>
public static class Autoregression
{
    /// <summary>
    /// Sliding windows over a series: each row of X holds <paramref name="lags"/> consecutive values (oldest first)
    /// and the matching row of Y the <paramref name="horizon"/> values that follow.
    /// </summary>
    public static (float[] X, float[] Y, int Rows) Windows(ReadOnlySpan<float> series, int lags, int horizon)
    {
        if (lags <= 0 || horizon <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lags), "Lags and horizon must be positive.");
        }

        var rows = series.Length - lags - horizon + 1;
        if (rows <= 0)
        {
            throw new ArgumentException($"A series of {series.Length} values is too short for {lags} lags and a horizon of {horizon}.", nameof(series));
        }

        var x = new float[rows * lags];
        var y = new float[rows * horizon];
        for (var r = 0; r < rows; r++)
        {
            series.Slice(r, lags).CopyTo(x.AsSpan(r * lags, lags));
            series.Slice(r + lags, horizon).CopyTo(y.AsSpan(r * horizon, horizon));
        }

        return (x, y, rows);
    }

    /// <summary>Fits AR coefficients [lags, horizon] and intercepts; feed them to <see cref="OnnxGraphs.LinearAutoregressive"/>.</summary>
    public static DenseLayer Fit(ReadOnlySpan<float> series, int lags, int horizon = 1, double ridge = 1e-8)
    {
        TrainingData.CheckFinite(series, nameof(series));
        var (x, y, rows) = Windows(series, lags, horizon);
        return LinearLeastSquares.Fit(x, rows, lags, y, horizon, ridge);
    }

    /// <summary>Fits and writes the ONNX model in one step.</summary>
    public static byte[] FitOnnx(ReadOnlySpan<float> series, int lags, int horizon = 1, double ridge = 1e-8)
    {
        var layer = Fit(series, lags, horizon, ridge);
        return OnnxGraphs.LinearAutoregressive(layer.Weights, layer.Bias, lags, horizon);
    }
}

/// <summary>Argument checks shared by the trainers.</summary>
internal static class TrainingData
{
    public static void CheckShape<T>(ReadOnlySpan<T> data, int rows, int columns, string name)
    {
        if (rows <= 0 || columns <= 0)
        {
            throw new ArgumentOutOfRangeException(name, $"Rows and columns must be positive, got {rows}x{columns}.");
        }

        if ((long)rows * columns != data.Length)
        {
            throw new ArgumentException($"{name} has {data.Length} values but {rows}x{columns} were declared.", name);
        }
    }

    public static void CheckFinite(ReadOnlySpan<float> data, string name)
    {
        foreach (var v in data)
        {
            if (!float.IsFinite(v))
            {
                throw new ArgumentException($"{name} holds NaN or infinity; remove or impute missing values first.", name);
            }
        }
    }
}
