using Intelligence.Inference.Onnx;

namespace Intelligence.Inference.Tests;

/// <summary>Independent (double precision, plain loops) forward passes and seeded random weights for the tests.</summary>
internal static class Reference
{
    public static DenseLayer RandomLayer(Random rng, int inputs, int outputs)
    {
        var w = new float[inputs * outputs];
        var b = new float[outputs];
        var scale = 1.0 / Math.Sqrt(inputs);
        for (var i = 0; i < w.Length; i++)
        {
            w[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        }

        for (var i = 0; i < b.Length; i++)
        {
            b[i] = (float)(rng.NextDouble() - 0.5);
        }

        return new DenseLayer(w, b, inputs, outputs);
    }

    public static float[] RandomInput(Random rng, int count)
    {
        var x = new float[count];
        for (var i = 0; i < count; i++)
        {
            x[i] = (float)(rng.NextDouble() * 4 - 2);
        }

        return x;
    }

    public static double[] Mlp(IReadOnlyList<DenseLayer> layers, float[] x, int batch, Activation hidden, Activation output)
    {
        var current = x.Select(v => (double)v).ToArray();
        for (var l = 0; l < layers.Count; l++)
        {
            var layer = layers[l];
            var next = new double[batch * layer.Outputs];
            for (var r = 0; r < batch; r++)
            {
                for (var o = 0; o < layer.Outputs; o++)
                {
                    double sum = layer.Bias[o];
                    for (var i = 0; i < layer.Inputs; i++)
                    {
                        sum += current[r * layer.Inputs + i] * layer.Weights[i * layer.Outputs + o];
                    }

                    next[r * layer.Outputs + o] = sum;
                }
            }

            Apply(next, batch, layer.Outputs, l == layers.Count - 1 ? output : hidden);
            current = next;
        }

        return current;
    }

    private static void Apply(double[] v, int rows, int cols, Activation activation)
    {
        switch (activation)
        {
            case Activation.Relu:
                for (var i = 0; i < v.Length; i++) { v[i] = Math.Max(0, v[i]); }
                break;
            case Activation.Sigmoid:
                for (var i = 0; i < v.Length; i++) { v[i] = 1 / (1 + Math.Exp(-v[i])); }
                break;
            case Activation.Tanh:
                for (var i = 0; i < v.Length; i++) { v[i] = Math.Tanh(v[i]); }
                break;
            case Activation.Softmax:
                for (var r = 0; r < rows; r++)
                {
                    var row = v.AsSpan(r * cols, cols);
                    var max = double.NegativeInfinity;
                    foreach (var e in row) { max = Math.Max(max, e); }
                    double total = 0;
                    for (var i = 0; i < row.Length; i++) { row[i] = Math.Exp(row[i] - max); total += row[i]; }
                    for (var i = 0; i < row.Length; i++) { row[i] /= total; }
                }

                break;
        }
    }

    public static void AssertClose(IReadOnlyList<double> expected, ReadOnlySpan<float> actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Count, actual.Length);
        for (var i = 0; i < actual.Length; i++)
        {
            var diff = Math.Abs(expected[i] - actual[i]);
            Assert.True(diff <= tolerance * Math.Max(1, Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
        }
    }
}

/// <summary>Collects log messages so tests can assert on them.</summary>
internal sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
{
    public List<string> Messages { get; } = [];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;

    public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (Messages)
        {
            Messages.Add($"{logLevel}: {formatter(state, exception)}");
        }
    }
}

/// <summary>Tests that count process-wide native objects must not run beside others.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "serial native counting";
}
