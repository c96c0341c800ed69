using Intelligence.Inference.Onnx;

namespace Intelligence.Inference.Tests;

public sealed class OnnxWriterTests
{
    [Fact]
    public void Mlp_WrittenModel_MatchesIndependentForwardPass()
    {
        var rng = new Random(11);
        DenseLayer[] layers = [Reference.RandomLayer(rng, 64, 32), Reference.RandomLayer(rng, 32, 16), Reference.RandomLayer(rng, 16, 10)];
        const int batch = 7;
        var x = Reference.RandomInput(rng, batch * 64);

        using var session = InferenceSession.FromBytes(OnnxGraphs.Mlp(layers, Activation.Relu, Activation.Softmax));
        var y = session.Run(TensorValue.Create(x, batch, 64)).As<float>();

        Assert.Equal([batch, 10L], y.Shape);
        Reference.AssertClose(Reference.Mlp(layers, x, batch, Activation.Relu, Activation.Softmax), y.Span);
    }

    [Theory]
    [InlineData(Activation.Tanh, Activation.None)]
    [InlineData(Activation.Sigmoid, Activation.Sigmoid)]
    public void Mlp_OtherActivations_MatchIndependentForwardPass(Activation hidden, Activation output)
    {
        var rng = new Random(5);
        DenseLayer[] layers = [Reference.RandomLayer(rng, 8, 6), Reference.RandomLayer(rng, 6, 3)];
        var x = Reference.RandomInput(rng, 4 * 8);

        using var session = InferenceSession.FromBytes(OnnxGraphs.Mlp(layers, hidden, output));
        var y = session.Run(TensorValue.Create(x, 4, 8)).As<float>();

        Reference.AssertClose(Reference.Mlp(layers, x, 4, hidden, output), y.Span);
    }

    [Fact]
    public void LogisticRegression_Binary_GivesSigmoidOfLinearScore()
    {
        float[] w = [0.5f, -1.25f, 2f];
        float[] b = [0.1f];
        float[] x = [1, 2, 3, -1, 0.5f, 0, 0, 0, 0];

        using var session = InferenceSession.FromBytes(OnnxGraphs.LogisticRegression(w, b, 3, 1));
        var p = session.Run(TensorValue.Create(x, 3, 3)).As<float>();

        Assert.Equal([3, 1L], p.Shape);
        for (var r = 0; r < 3; r++)
        {
            var z = b[0] + (x[r * 3] * w[0]) + (x[(r * 3) + 1] * w[1]) + (x[(r * 3) + 2] * w[2]);
            Assert.Equal(1 / (1 + Math.Exp(-z)), p.Span[r], 5);
        }
    }

    [Fact]
    public void LogisticRegression_Multinomial_RowsAreProbabilities()
    {
        var rng = new Random(3);
        var layer = Reference.RandomLayer(rng, 5, 4);
        var x = Reference.RandomInput(rng, 6 * 5);

        using var session = InferenceSession.FromBytes(OnnxGraphs.LogisticRegression(layer.Weights, layer.Bias, 5, 4));
        var p = session.Run(TensorValue.Create(x, 6, 5)).As<float>();

        var expected = Reference.Mlp([layer], x, 6, Activation.None, Activation.Softmax);
        Reference.AssertClose(expected, p.Span);
        for (var r = 0; r < 6; r++)
        {
            Assert.Equal(1.0, p.Span.Slice(r * 4, 4).ToArray().Sum(), 5);
        }
    }

    [Fact]
    public void LinearAutoregressive_ForecastsEachHorizonStep()
    {
        // Two lags, two steps ahead: step1 = 0.6 x[t-1] + 0.3 x[t] + 1, step2 = -0.2 x[t-1] + 0.9 x[t] + 0.5.
        float[] coefficients = [0.6f, -0.2f, 0.3f, 0.9f];
        float[] intercept = [1f, 0.5f];
        float[] x = [10, 20, -4, 8];

        using var session = InferenceSession.FromBytes(OnnxGraphs.LinearAutoregressive(coefficients, intercept, 2, 2));
        var y = session.Run(TensorValue.Create(x, 2, 2)).As<float>().ToArray();

        Assert.Equal([(0.6f * 10) + (0.3f * 20) + 1, (-0.2f * 10) + (0.9f * 20) + 0.5f, (0.6f * -4) + (0.3f * 8) + 1, (-0.2f * -4) + (0.9f * 8) + 0.5f], y);
    }

    [Fact]
    public void Session_ReportsInputsAndOutputsOfWrittenModel()
    {
        var rng = new Random(1);
        using var session = InferenceSession.FromBytes(OnnxGraphs.Mlp([Reference.RandomLayer(rng, 64, 10)]));

        var input = Assert.Single(session.Inputs);
        Assert.Equal(OnnxGraphs.InputName, input.Name);
        Assert.Equal(TensorElementType.Float, input.ElementType);
        Assert.Equal([-1, 64L], input.Shape);
        Assert.Equal(OnnxGraphs.BatchDim, input.SymbolicDimensions[0]);
        Assert.True(input.HasFreeFirstDimension);
        Assert.Equal("[batch, 64]", input.ShapeText);
        var output = Assert.Single(session.Outputs);
        Assert.Equal(OnnxGraphs.OutputName, output.Name);
        Assert.Equal([-1, 10L], output.Shape);
    }

    [Fact]
    public void FromFile_LoadsSavedModel()
    {
        var path = Path.Combine(Path.GetTempPath(), $"intelligence-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllBytes(path, OnnxGraphs.LinearAutoregressive([2f], [1f], 1, 1));
            using var session = InferenceSession.FromFile(path);
            var y = session.Run(TensorValue.Create([3f, 4f], 2, 1)).As<float>().ToArray();
            Assert.Equal([7f, 9f], y);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Builder_RejectsInitializerWhoseDataDoesNotFitShape()
    {
        var builder = new OnnxModelBuilder();
        Assert.Throws<ArgumentException>(() => builder.AddInitializer<float>("w", new float[5], 2, 3));
    }

    [Fact]
    public void Mlp_RejectsLayersThatDoNotChain()
    {
        var rng = new Random(2);
        Assert.Throws<ArgumentException>(() => OnnxGraphs.Mlp([Reference.RandomLayer(rng, 4, 3), Reference.RandomLayer(rng, 5, 2)]));
    }
}
