using System.Numerics.Tensors;
using Intelligence.Inference.Onnx;

namespace Intelligence.Inference.Training;

/// <summary>What the network's output means, which fixes the output activation and the loss.</summary>
public enum MlpTask
{
    /// <summary>Softmax over classes, cross-entropy loss; labels are class indices.</summary>
    Classification,
    /// <summary>One sigmoid unit giving P(label = 1), binary cross-entropy loss; labels are 0 or 1.</summary>
    BinaryClassification,
    /// <summary>Linear outputs, mean squared error loss; targets are real values.</summary>
    Regression,
}

/// <summary>Settings for <see cref="MlpTrainer"/>. Defaults suit small tabular data sets.</summary>
public sealed class MlpTrainerOptions
{
    /// <summary>Widths of the hidden layers; empty gives (multinomial or binary) logistic / linear regression.</summary>
    public IReadOnlyList<int> HiddenLayers { get; init; } = [32];

    /// <summary>Activation between hidden layers.</summary>
    public Activation Hidden { get; init; } = Activation.Relu;

    /// <summary>Passes over the training data.</summary>
    public int Epochs { get; init; } = 60;

    /// <summary>Samples per gradient step.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Adam step size.</summary>
    public float LearningRate { get; init; } = 0.01f;

    /// <summary>L2 weight decay added to the gradient of every weight (not biases).</summary>
    public float WeightDecay { get; init; } = 1e-4f;

    /// <summary>Seed for initial weights and shuffling: the same seed and data give the same model.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Standardise features for training and fold the scaling into the first layer, so the model takes raw features.</summary>
    public bool Standardize { get; init; } = true;
}

/// <summary>A trained network: its layers (feature scaling already folded in), activations and loss per epoch.</summary>
/// <param name="Layers">Dense layers, input first.</param>
/// <param name="Hidden">Activation between layers.</param>
/// <param name="Output">Activation after the last layer.</param>
/// <param name="LossHistory">Mean training loss of each epoch.</param>
public sealed record TrainedMlp(IReadOnlyList<DenseLayer> Layers, Activation Hidden, Activation Output, IReadOnlyList<double> LossHistory)
{
    /// <summary>The model as ONNX bytes (input "input" [batch, features], output "output" [batch, outputs]).</summary>
    public byte[] ToOnnx() => OnnxGraphs.Mlp(Layers, Hidden, Output);

    /// <summary>Managed forward pass (float32), e.g. to check the ONNX model against.</summary>
    public float[] Predict(ReadOnlySpan<float> x, int rows)
    {
        TrainingData.CheckShape(x, rows, Layers[0].Inputs, nameof(x));
        var current = x.ToArray();
        for (var l = 0; l < Layers.Count; l++)
        {
            current = MlpMath.Forward(Layers[l], current, rows, l == Layers.Count - 1 ? Output : Hidden);
        }

        return current;
    }
}

/// <summary>
/// Trains multi-layer perceptrons (and, with no hidden layers, logistic or linear regression) by mini-batch
/// gradient descent with Adam, deterministically for a given seed. Vector maths uses System.Numerics.Tensors.
/// </summary>
public static class MlpTrainer
{
    /// <summary>Trains a classifier on class-index labels (softmax output; binary sigmoid for <see cref="MlpTask.BinaryClassification"/>).</summary>
    public static TrainedMlp TrainClassifier(
        ReadOnlySpan<float> x, int rows, int columns, ReadOnlySpan<int> labels, int classes, MlpTrainerOptions? options = null, bool binary = false)
    {
        if (labels.Length != rows)
        {
            throw new ArgumentException($"{labels.Length} labels for {rows} rows.", nameof(labels));
        }

        if (classes < 2 || (binary && classes != 2))
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, binary ? "Binary classification has exactly 2 classes." : "Need at least 2 classes.");
        }

        var outputs = binary ? 1 : classes;
        var targets = new float[rows * outputs];
        for (var r = 0; r < rows; r++)
        {
            var label = labels[r];
            if ((uint)label >= (uint)classes)
            {
                throw new ArgumentOutOfRangeException(nameof(labels), label, $"Label at row {r} is outside 0..{classes - 1}.");
            }

            if (binary)
            {
                targets[r] = label;
            }
            else
            {
                targets[(r * outputs) + label] = 1;
            }
        }

        return Train(x, rows, columns, targets, outputs, binary ? MlpTask.BinaryClassification : MlpTask.Classification, options ?? new MlpTrainerOptions());
    }

    /// <summary>Trains a regressor on real targets (row-major, <paramref name="outputs"/> per row) with squared error.</summary>
    public static TrainedMlp TrainRegressor(ReadOnlySpan<float> x, int rows, int columns, ReadOnlySpan<float> y, int outputs = 1, MlpTrainerOptions? options = null)
    {
        TrainingData.CheckShape(y, rows, outputs, nameof(y));
        TrainingData.CheckFinite(y, nameof(y));
        return Train(x, rows, columns, y.ToArray(), outputs, MlpTask.Regression, options ?? new MlpTrainerOptions());
    }

    /// <summary>Logistic regression: a classifier with no hidden layer (sigmoid for 2 classes when <paramref name="binary"/>, else softmax).</summary>
    public static TrainedMlp TrainLogisticRegression(
        ReadOnlySpan<float> x, int rows, int columns, ReadOnlySpan<int> labels, int classes, bool binary = false, int epochs = 100, int seed = 1) =>
        TrainClassifier(x, rows, columns, labels, classes, new MlpTrainerOptions { HiddenLayers = [], Epochs = epochs, Seed = seed, LearningRate = 0.02f }, binary);

    private static TrainedMlp Train(ReadOnlySpan<float> xIn, int rows, int columns, float[] targets, int outputs, MlpTask task, MlpTrainerOptions options)
    {
        TrainingData.CheckShape(xIn, rows, columns, "x");
        TrainingData.CheckFinite(xIn, "x");
        if (options.Epochs <= 0 || options.BatchSize <= 0 || !(options.LearningRate > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Epochs, batch size and learning rate must be positive.");
        }

        var x = xIn.ToArray();
        var (mean, scale) = options.Standardize ? MlpMath.Standardize(x, rows, columns) : (null, null);

        var rng = new Random(options.Seed);
        var widths = new List<int> { columns };
        widths.AddRange(options.HiddenLayers);
        widths.Add(outputs);
        var layers = new DenseLayer[widths.Count - 1];
        for (var l = 0; l < layers.Length; l++)
        {
            layers[l] = MlpMath.Initialise(rng, widths[l], widths[l + 1], options.Hidden);
        }

        var output = task switch
        {
            MlpTask.Classification => Activation.Softmax,
            MlpTask.BinaryClassification => Activation.Sigmoid,
            _ => Activation.None,
        };
        var adam = layers.Select(l => new AdamState(l)).ToArray();
        var order = Enumerable.Range(0, rows).ToArray();
        var history = new List<double>(options.Epochs);
        var batchX = new float[options.BatchSize * columns];
        var batchY = new float[options.BatchSize * outputs];
        var step = 0;

        for (var epoch = 0; epoch < options.Epochs; epoch++)
        {
            rng.Shuffle(order);
            double epochLoss = 0;
            for (var start = 0; start < rows; start += options.BatchSize)
            {
                var n = Math.Min(options.BatchSize, rows - start);
                for (var i = 0; i < n; i++)
                {
                    x.AsSpan(order[start + i] * columns, columns).CopyTo(batchX.AsSpan(i * columns));
                    targets.AsSpan(order[start + i] * outputs, outputs).CopyTo(batchY.AsSpan(i * outputs));
                }

                epochLoss += MlpMath.Step(layers, adam, batchX.AsSpan(0, n * columns), batchY.AsSpan(0, n * outputs), n, options, output, ++step) * n;
            }

            history.Add(epochLoss / rows);
        }

        if (mean is not null)
        {
            layers[0] = MlpMath.FoldStandardization(layers[0], mean, scale!);
        }

        return new TrainedMlp(layers, options.Hidden, output, history);
    }
}

/// <summary>Adam moments for one layer.</summary>
internal sealed class AdamState(DenseLayer layer)
{
    public float[] MW { get; } = new float[layer.Weights.Length];
    public float[] VW { get; } = new float[layer.Weights.Length];
    public float[] MB { get; } = new float[layer.Bias.Length];
    public float[] VB { get; } = new float[layer.Bias.Length];
}

/// <summary>Forward and backward passes over row-major batches, vectorised with TensorPrimitives.</summary>
internal static class MlpMath
{
    private const float Beta1 = 0.9f;
    private const float Beta2 = 0.999f;
    private const float Epsilon = 1e-8f;

    public static DenseLayer Initialise(Random rng, int inputs, int outputs, Activation hidden)
    {
        // He initialisation for ReLU, Glorot otherwise (uniform).
        var limit = hidden == Activation.Relu ? Math.Sqrt(6.0 / inputs) : Math.Sqrt(6.0 / (inputs + outputs));
        var w = new float[inputs * outputs];
        for (var i = 0; i < w.Length; i++)
        {
            w[i] = (float)(((rng.NextDouble() * 2) - 1) * limit);
        }

        return new DenseLayer(w, new float[outputs], inputs, outputs);
    }

    public static (float[] Mean, float[] Scale) Standardize(float[] x, int rows, int columns)
    {
        var mean = new float[columns];
        var scale = new float[columns];
        for (var c = 0; c < columns; c++)
        {
            double sum = 0, sumSq = 0;
            for (var r = 0; r < rows; r++)
            {
                double v = x[(r * columns) + c];
                sum += v;
                sumSq += v * v;
            }

            var m = sum / rows;
            var sd = Math.Sqrt(Math.Max(sumSq / rows - (m * m), 0));
            mean[c] = (float)m;
            scale[c] = sd > 1e-12 ? (float)sd : 1f; // constant columns are left unscaled
        }

        for (var r = 0; r < rows; r++)
        {
            var row = x.AsSpan(r * columns, columns);
            TensorPrimitives.Subtract(row, mean, row);
            TensorPrimitives.Divide(row, scale, row);
        }

        return (mean, scale);
    }

    /// <summary>W' = diag(1/scale) W, b' = b - (mean/scale) W: the layer then takes raw features.</summary>
    public static DenseLayer FoldStandardization(DenseLayer layer, float[] mean, float[] scale)
    {
        var w = new float[layer.Weights.Length];
        var b = (float[])layer.Bias.Clone();
        for (var i = 0; i < layer.Inputs; i++)
        {
            var row = layer.Weights.AsSpan(i * layer.Outputs, layer.Outputs);
            var scaled = w.AsSpan(i * layer.Outputs, layer.Outputs);
            TensorPrimitives.Divide(row, scale[i], scaled);
            TensorPrimitives.MultiplyAdd(scaled, -mean[i], b, b);
        }

        return new DenseLayer(w, b, layer.Inputs, layer.Outputs);
    }

    /// <summary>Z = A W + b, then the activation; A is rows x Inputs.</summary>
    public static float[] Forward(DenseLayer layer, ReadOnlySpan<float> a, int rows, Activation activation)
    {
        var z = new float[rows * layer.Outputs];
        for (var r = 0; r < rows; r++)
        {
            var zr = z.AsSpan(r * layer.Outputs, layer.Outputs);
            layer.Bias.CopyTo(zr);
            var ar = a.Slice(r * layer.Inputs, layer.Inputs);
            for (var i = 0; i < layer.Inputs; i++)
            {
                if (ar[i] != 0)
                {
                    TensorPrimitives.MultiplyAdd(layer.Weights.AsSpan(i * layer.Outputs, layer.Outputs), ar[i], zr, zr);
                }
            }

            Activate(zr, activation);
        }

        return z;
    }

    private static void Activate(Span<float> z, Activation activation)
    {
        switch (activation)
        {
            case Activation.Relu:
                TensorPrimitives.Max(z, 0f, z);
                break;
            case Activation.Sigmoid:
                TensorPrimitives.Sigmoid(z, z);
                break;
            case Activation.Tanh:
                TensorPrimitives.Tanh(z, z);
                break;
            case Activation.Softmax:
                TensorPrimitives.SoftMax(z, z);
                break;
        }
    }

    /// <summary>One forward/backward pass and Adam update; returns the mean loss of the batch.</summary>
    public static double Step(DenseLayer[] layers, AdamState[] adam, ReadOnlySpan<float> x, ReadOnlySpan<float> y, int rows, MlpTrainerOptions options, Activation output, int step)
    {
        var activations = new float[layers.Length + 1][];
        activations[0] = x.ToArray();
        for (var l = 0; l < layers.Length; l++)
        {
            activations[l + 1] = Forward(layers[l], activations[l], rows, l == layers.Length - 1 ? output : options.Hidden);
        }

        // Output gradient: for softmax+CE, sigmoid+BCE and identity+MSE it is (prediction - target) / rows.
        var prediction = activations[^1];
        var delta = new float[prediction.Length];
        TensorPrimitives.Subtract(prediction, y, delta);
        var loss = Loss(prediction, y, output) / rows;
        TensorPrimitives.Divide(delta, rows, delta);

        for (var l = layers.Length - 1; l >= 0; l--)
        {
            var layer = layers[l];
            var input = activations[l];
            var gw = new float[layer.Weights.Length];
            var gb = new float[layer.Outputs];
            float[]? previousDelta = l > 0 ? new float[rows * layer.Inputs] : null;
            for (var r = 0; r < rows; r++)
            {
                var dr = delta.AsSpan(r * layer.Outputs, layer.Outputs);
                TensorPrimitives.Add(gb, dr, gb);
                var ar = input.AsSpan(r * layer.Inputs, layer.Inputs);
                for (var i = 0; i < layer.Inputs; i++)
                {
                    var wi = layer.Weights.AsSpan(i * layer.Outputs, layer.Outputs);
                    if (ar[i] != 0)
                    {
                        var gwi = gw.AsSpan(i * layer.Outputs, layer.Outputs);
                        TensorPrimitives.MultiplyAdd(dr, ar[i], gwi, gwi);
                    }

                    if (previousDelta is not null)
                    {
                        previousDelta[(r * layer.Inputs) + i] = TensorPrimitives.Dot(dr, wi);
                    }
                }
            }

            if (previousDelta is not null)
            {
                Derivative(previousDelta, input, options.Hidden);
            }

            TensorPrimitives.MultiplyAdd(layer.Weights, options.WeightDecay, gw, gw);
            Adam(layer.Weights, gw, adam[l].MW, adam[l].VW, options.LearningRate, step);
            Adam(layer.Bias, gb, adam[l].MB, adam[l].VB, options.LearningRate, step);
            if (previousDelta is not null)
            {
                delta = previousDelta;
            }
        }

        return loss;
    }

    /// <summary>delta *= f'(z), with f' written in terms of the activation output a = f(z).</summary>
    private static void Derivative(float[] delta, float[] a, Activation activation)
    {
        switch (activation)
        {
            case Activation.Relu:
                for (var i = 0; i < delta.Length; i++)
                {
                    if (a[i] <= 0) { delta[i] = 0; }
                }

                break;
            case Activation.Sigmoid:
                for (var i = 0; i < delta.Length; i++) { delta[i] *= a[i] * (1 - a[i]); }
                break;
            case Activation.Tanh:
                for (var i = 0; i < delta.Length; i++) { delta[i] *= 1 - (a[i] * a[i]); }
                break;
            case Activation.None:
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, "Softmax is only supported on the output layer.");
        }
    }

    private static double Loss(float[] prediction, ReadOnlySpan<float> y, Activation output)
    {
        const double Floor = 1e-7;
        double total = 0;
        for (var i = 0; i < prediction.Length; i++)
        {
            var p = prediction[i];
            total += output switch
            {
                Activation.Softmax => y[i] > 0 ? -y[i] * Math.Log(Math.Max(p, Floor)) : 0,
                Activation.Sigmoid => -(y[i] * Math.Log(Math.Max(p, Floor))) - ((1 - y[i]) * Math.Log(Math.Max(1 - p, Floor))),
                _ => 0.5 * (p - y[i]) * (p - y[i]),
            };
        }

        return total;
    }

    private static void Adam(float[] parameters, float[] gradient, float[] m, float[] v, float learningRate, int step)
    {
        var correction1 = 1 - MathF.Pow(Beta1, step);
        var correction2 = 1 - MathF.Pow(Beta2, step);
        var rate = learningRate * MathF.Sqrt(correction2) / correction1;
        for (var i = 0; i < parameters.Length; i++)
        {
            var g = gradient[i];
            m[i] = (Beta1 * m[i]) + ((1 - Beta1) * g);
            v[i] = (Beta2 * v[i]) + ((1 - Beta2) * g * g);
            parameters[i] -= rate * m[i] / (MathF.Sqrt(v[i]) + Epsilon);
        }
    }
}
