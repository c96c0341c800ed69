namespace Intelligence.Inference.Onnx;

/// <summary>Element-wise function applied after a layer.</summary>
public enum Activation
{
    /// <summary>Identity.</summary>
    None,
    /// <summary>max(0, x).</summary>
    Relu,
    /// <summary>1 / (1 + e^-x).</summary>
    Sigmoid,
    /// <summary>Hyperbolic tangent.</summary>
    Tanh,
    /// <summary>Softmax over the last axis (turns scores into class probabilities).</summary>
    Softmax,
}

/// <summary>A fully connected layer: y = x W + b, with W stored row-major as [Inputs, Outputs].</summary>
/// <param name="Weights">Row-major [Inputs, Outputs] weights.</param>
/// <param name="Bias">Per-output bias, length Outputs.</param>
/// <param name="Inputs">Input width.</param>
/// <param name="Outputs">Output width.</param>
public sealed record DenseLayer(float[] Weights, float[] Bias, int Inputs, int Outputs)
{
    /// <summary>Checks that the arrays fit the declared sizes.</summary>
    public void Validate()
    {
        if (Inputs <= 0 || Outputs <= 0)
        {
            throw new ArgumentException($"Layer sizes must be positive, got {Inputs}x{Outputs}.");
        }

        if (Weights.Length != Inputs * Outputs || Bias.Length != Outputs)
        {
            throw new ArgumentException(
                $"Layer {Inputs}x{Outputs} needs {Inputs * Outputs} weights and {Outputs} biases; got {Weights.Length} and {Bias.Length}.");
        }
    }

    /// <summary>Number of parameters (weights and biases).</summary>
    public long ParameterCount => (long)Inputs * Outputs + Outputs;
}

/// <summary>Ready-made ONNX graphs built from weights: MLPs, logistic regression and linear autoregression.</summary>
public static class OnnxGraphs
{
    /// <summary>The input name used by the ready-made graphs.</summary>
    public const string InputName = "input";

    /// <summary>The output name used by the ready-made graphs.</summary>
    public const string OutputName = "output";

    /// <summary>The free first dimension of the ready-made graphs.</summary>
    public const string BatchDim = "batch";

    /// <summary>
    /// A multi-layer perceptron: float input [batch, in] -> Gemm per layer, <paramref name="hidden"/> between layers,
    /// <paramref name="output"/> after the last -> float output [batch, out].
    /// </summary>
    public static byte[] Mlp(IReadOnlyList<DenseLayer> layers, Activation hidden = Activation.Relu, Activation output = Activation.Softmax)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0)
        {
            throw new ArgumentException("An MLP needs at least one layer.", nameof(layers));
        }

        for (var i = 0; i < layers.Count; i++)
        {
            layers[i].Validate();
            if (i > 0 && layers[i].Inputs != layers[i - 1].Outputs)
            {
                throw new ArgumentException($"Layer {i} takes {layers[i].Inputs} inputs but layer {i - 1} gives {layers[i - 1].Outputs}.", nameof(layers));
            }
        }

        var builder = new OnnxModelBuilder("mlp")
            .AddInput(InputName, TensorElementType.Float, BatchDim, layers[0].Inputs)
            .AddOutput(OutputName, TensorElementType.Float, BatchDim, layers[^1].Outputs)
            .AddMetadata("intelligence.kind", "mlp");
        var current = InputName;
        for (var i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            var (w, b, z) = ($"W{i}", $"B{i}", $"Z{i}");
            builder.AddInitializer<float>(w, layer.Weights, layer.Inputs, layer.Outputs)
                   .AddInitializer<float>(b, layer.Bias, layer.Outputs)
                   .AddNode("Gemm", [current, w, b], [z]);
            var last = i == layers.Count - 1;
            current = Activate(builder, z, last ? output : hidden, last ? OutputName : $"A{i}");
        }

        return builder.ToBytes();
    }

    /// <summary>
    /// Logistic regression over <paramref name="features"/> inputs. With one output column it is binary
    /// (sigmoid gives P(class 1) as [batch, 1]); with more it is multinomial (softmax over [batch, classes]).
    /// </summary>
    public static byte[] LogisticRegression(float[] weights, float[] bias, int features, int outputs) =>
        Mlp([new DenseLayer(weights, bias, features, outputs)], Activation.None, outputs == 1 ? Activation.Sigmoid : Activation.Softmax);

    /// <summary>
    /// Linear autoregression: input [batch, lags] (oldest first) -> MatMul by [lags, horizon] coefficients, Add intercept
    /// -> output [batch, horizon] (the next <paramref name="horizon"/> steps).
    /// </summary>
    public static byte[] LinearAutoregressive(float[] coefficients, float[] intercept, int lags, int horizon)
    {
        new DenseLayer(coefficients, intercept, lags, horizon).Validate();
        return new OnnxModelBuilder("linear_ar")
            .AddInput(InputName, TensorElementType.Float, BatchDim, lags)
            .AddOutput(OutputName, TensorElementType.Float, BatchDim, horizon)
            .AddMetadata("intelligence.kind", "linear-ar")
            .AddInitializer<float>("coefficients", coefficients, lags, horizon)
            .AddInitializer<float>("intercept", intercept, horizon)
            .AddNode("MatMul", [InputName, "coefficients"], ["product"])
            .AddNode("Add", ["product", "intercept"], [OutputName])
            .ToBytes();
    }

    private static string Activate(OnnxModelBuilder builder, string input, Activation activation, string output)
    {
        switch (activation)
        {
            case Activation.None:
                builder.AddNode("Identity", [input], [output]);
                break;
            case Activation.Relu:
                builder.AddNode("Relu", [input], [output]);
                break;
            case Activation.Sigmoid:
                builder.AddNode("Sigmoid", [input], [output]);
                break;
            case Activation.Tanh:
                builder.AddNode("Tanh", [input], [output]);
                break;
            case Activation.Softmax:
                builder.AddNode("Softmax", [input], [output], NodeAttribute.Int("axis", -1));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(activation), activation, null);
        }

        return output;
    }
}
