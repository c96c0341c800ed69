using Intelligence.Inference.Onnx;
using Intelligence.Inference.Training;

namespace Intelligence.Inference.Tests;

public sealed class TrainerTests
{
    private static int ArgMax(ReadOnlySpan<float> row)
    {
        var best = 0;
        for (var i = 1; i < row.Length; i++)
        {
            if (row[i] > row[best]) { best = i; }
        }

        return best;
    }

    private static double Accuracy(InferenceSession session, float[] x, int[] labels, int start, int count, int classes)
    {
        var y = session.Run(TensorValue.Create(x.AsMemory(start * 64, count * 64), count, 64)).As<float>();
        var correct = 0;
        for (var r = 0; r < count; r++)
        {
            if (ArgMax(y.Span.Slice(r * classes, classes)) == labels[start + r]) { correct++; }
        }

        return (double)correct / count;
    }

    [Fact]
    public void LeastSquares_NoiseFreeData_RecoversCoefficients()
    {
        var rng = new Random(2);
        const int rows = 200;
        var x = new float[rows * 3];
        var y = new float[rows * 2];
        for (var r = 0; r < rows; r++)
        {
            float a = (float)rng.NextDouble() * 10, b = (float)rng.NextDouble() * 10 - 5, c = (float)rng.NextDouble();
            (x[r * 3], x[(r * 3) + 1], x[(r * 3) + 2]) = (a, b, c);
            y[r * 2] = (2 * a) - (3 * b) + (0.5f * c) + 4;
            y[(r * 2) + 1] = -a + 1;
        }

        var fit = LinearLeastSquares.Fit(x, rows, 3, y, 2);

        float[] expected = [2, -1, -3, 0, 0.5f, 0];
        for (var i = 0; i < expected.Length; i++) { Assert.Equal(expected[i], fit.Weights[i], 3); }
        Assert.Equal(4f, fit.Bias[0], 3);
        Assert.Equal(1f, fit.Bias[1], 3);
    }

    [Fact]
    public void LeastSquares_DependentColumnsWithoutRidge_ThrowsClearError()
    {
        float[] x = [1, 2, 2, 4, 3, 6, 4, 8];
        float[] y = [1, 2, 3, 4];
        var ex = Assert.Throws<ArgumentException>(() => LinearLeastSquares.Fit(x, 4, 2, y, 1, ridge: 0));
        Assert.Contains("linearly dependent", ex.Message);
        Assert.Equal(2, LinearLeastSquares.Fit(x, 4, 2, y, 1, ridge: 1e-6).Weights.Length);
    }

    [Fact]
    public void Autoregression_SimulatedAr2_RecoversCoefficientsAndOnnxMatches()
    {
        var rng = new Random(5);
        var series = new float[3000];
        series[0] = 2;
        series[1] = 2;
        for (var t = 2; t < series.Length; t++)
        {
            series[t] = (0.6f * series[t - 1]) - (0.2f * series[t - 2]) + 1 + (float)((rng.NextDouble() - 0.5) * 0.2);
        }

        var fit = Autoregression.Fit(series, lags: 2);

        // Oldest lag first: [x(t-2), x(t-1)] -> x(t).
        Assert.Equal(-0.2, fit.Weights[0], 1);
        Assert.Equal(0.6, fit.Weights[1], 1);
        using var session = InferenceSession.FromBytes(OnnxGraphs.LinearAutoregressive(fit.Weights, fit.Bias, 2, 1));
        var y = session.Run(TensorValue.Create([3f, 4f], 1, 2)).As<float>().Span[0];
        Assert.Equal((fit.Weights[0] * 3) + (fit.Weights[1] * 4) + fit.Bias[0], y, 4);
    }

    [Fact]
    public void Autoregression_Sunspots_BeatsNaiveForecastOnLaterYears()
    {
        var series = Fixtures.Sunspots();
        Assert.Equal(309, series.Length);
        const int lags = 9, train = 250;
        using var session = InferenceSession.FromBytes(Autoregression.FitOnnx(series.AsSpan(0, train), lags));

        double modelError = 0, naiveError = 0;
        var count = 0;
        for (var t = train; t < series.Length; t++)
        {
            var forecast = session.Run(TensorValue.Create(series.AsMemory(t - lags, lags), 1, lags)).As<float>().Span[0];
            modelError += Math.Abs(forecast - series[t]);
            naiveError += Math.Abs(series[t - 1] - series[t]);
            count++;
        }

        Assert.True(modelError < naiveError * 0.9, $"AR(9) MAE {modelError / count:0.00} vs naive {naiveError / count:0.00}");
    }

    [Fact]
    public void LogisticRegression_Digits_ClassifiesHeldOutRowsThroughOnnx()
    {
        var (x, labels, rows) = Fixtures.Digits();
        const int train = 1300;

        var model = MlpTrainer.TrainLogisticRegression(x.AsSpan(0, train * 64), train, 64, labels.AsSpan(0, train), 10, epochs: 40);
        using var session = InferenceSession.FromBytes(model.ToOnnx());

        Assert.Empty(model.Layers.Skip(1));
        var accuracy = Accuracy(session, x, labels, train, rows - train, 10);
        Assert.True(accuracy > 0.9, $"held-out accuracy {accuracy:P1}");
    }

    [Fact]
    public void Mlp_Digits_TrainsAndOnnxMatchesManagedForwardPass()
    {
        var (x, labels, rows) = Fixtures.Digits();
        const int train = 1300;

        var model = MlpTrainer.TrainClassifier(x.AsSpan(0, train * 64), train, 64, labels.AsSpan(0, train), 10,
            new MlpTrainerOptions { HiddenLayers = [32], Epochs = 30, Seed = 7 });
        using var session = InferenceSession.FromBytes(model.ToOnnx());

        var accuracy = Accuracy(session, x, labels, train, rows - train, 10);
        Assert.True(accuracy > 0.93, $"held-out accuracy {accuracy:P1}");
        Assert.True(model.LossHistory[^1] < model.LossHistory[0] / 4, "training loss should fall");
        var managed = model.Predict(x.AsSpan(0, 20 * 64), 20);
        var onnx = session.Run(TensorValue.Create(x.AsMemory(0, 20 * 64), 20, 64)).As<float>();
        Reference.AssertClose(managed.Select(v => (double)v).ToArray(), onnx.Span, 1e-4);
    }

    [Fact]
    public void Mlp_SameSeed_SameModel_DifferentSeed_DifferentModel()
    {
        var (x, labels, _) = Fixtures.Digits();
        var options = new MlpTrainerOptions { HiddenLayers = [8], Epochs = 2, Seed = 3 };
        var a = MlpTrainer.TrainClassifier(x.AsSpan(0, 200 * 64), 200, 64, labels.AsSpan(0, 200), 10, options);
        var b = MlpTrainer.TrainClassifier(x.AsSpan(0, 200 * 64), 200, 64, labels.AsSpan(0, 200), 10, options);
        var c = MlpTrainer.TrainClassifier(x.AsSpan(0, 200 * 64), 200, 64, labels.AsSpan(0, 200), 10, new MlpTrainerOptions { HiddenLayers = [8], Epochs = 2, Seed = 4 });

        Assert.Equal(a.ToOnnx(), b.ToOnnx());
        Assert.NotEqual(a.Layers[0].Weights, c.Layers[0].Weights);
    }

    [Fact]
    public void Mlp_LearnsXor_WhereLogisticRegressionCannot()
    {
        var x = new float[400 * 2];
        var labels = new int[400];
        var rng = new Random(9);
        for (var r = 0; r < 400; r++)
        {
            int a = rng.Next(2), b = rng.Next(2);
            x[r * 2] = a + (float)((rng.NextDouble() - 0.5) * 0.2);
            x[(r * 2) + 1] = b + (float)((rng.NextDouble() - 0.5) * 0.2);
            labels[r] = a ^ b;
        }

        var mlp = MlpTrainer.TrainClassifier(x, 400, 2, labels, 2, new MlpTrainerOptions { HiddenLayers = [8], Epochs = 80, Seed = 1 }, binary: true);
        var linear = MlpTrainer.TrainLogisticRegression(x, 400, 2, labels, 2, binary: true, epochs: 80);

        static double Score(TrainedMlp model, float[] x, int[] labels)
        {
            using var session = InferenceSession.FromBytes(model.ToOnnx());
            var p = session.Run(TensorValue.Create(x, labels.Length, 2)).As<float>().Span;
            var correct = 0;
            for (var r = 0; r < labels.Length; r++)
            {
                if ((p[r] > 0.5f ? 1 : 0) == labels[r]) { correct++; }
            }

            return (double)correct / labels.Length;
        }

        Assert.True(Score(mlp, x, labels) > 0.97);
        Assert.True(Score(linear, x, labels) < 0.8);
        Assert.Equal(Activation.Sigmoid, mlp.Output);
    }

    [Fact]
    public void Regressor_FitsSmoothFunction()
    {
        var rng = new Random(4);
        const int rows = 500;
        var x = new float[rows];
        var y = new float[rows];
        for (var r = 0; r < rows; r++)
        {
            x[r] = (float)((rng.NextDouble() * 6) - 3);
            y[r] = MathF.Sin(x[r]);
        }

        var model = MlpTrainer.TrainRegressor(x, rows, 1, y, 1, new MlpTrainerOptions { HiddenLayers = [16], Hidden = Activation.Tanh, Epochs = 150, Seed = 2 });
        var predicted = model.Predict(x, rows);
        var mse = predicted.Select((p, i) => (p - y[i]) * (p - y[i])).Average();
        Assert.True(mse < 0.01, $"mse {mse}");
    }

    [Fact]
    public void Trainer_RejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => MlpTrainer.TrainClassifier(new float[4], 2, 2, [0, 5], 3));
        Assert.Throws<ArgumentException>(() => MlpTrainer.TrainClassifier(new float[4], 2, 2, [0], 3));
        Assert.Throws<ArgumentException>(() => MlpTrainer.TrainClassifier([1, float.NaN, 0, 0], 2, 2, [0, 1], 2));
        Assert.Throws<ArgumentException>(() => Autoregression.Fit([1f, 2f], lags: 3));
    }
}
