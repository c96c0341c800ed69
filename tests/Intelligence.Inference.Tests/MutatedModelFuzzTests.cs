using Intelligence.Inference.Onnx;

namespace Intelligence.Inference.Tests;

/// <summary>Fuzz smoke run: randomly corrupted model bytes load or fail with a typed error, and never crash the process.</summary>
public sealed class MutatedModelFuzzTests
{
    [Fact]
    public void MutatedModels_LoadAndRunOrFailWithTypedErrors()
    {
        var rng = new Random(20261121);
        var model = OnnxGraphs.Mlp([Reference.RandomLayer(rng, 16, 8), Reference.RandomLayer(rng, 8, 3)]);
        int loaded = 0, rejected = 0;
        for (var iteration = 0; iteration < 400; iteration++)
        {
            var mutant = (byte[])model.Clone();
            for (var k = rng.Next(1, 5); k > 0; k--)
            {
                mutant[rng.Next(mutant.Length)] = (byte)rng.Next(256);
            }

            InferenceSession session;
            try
            {
                session = InferenceSession.FromBytes(mutant);
            }
            catch (ModelLoadException)
            {
                rejected++;
                continue;
            }

            using (session)
            {
                loaded++;
                var inputs = session.Inputs.Select(i => new NamedTensor(i.Name, InputFor(i))).ToArray();
                try
                {
                    var outputs = session.Run(inputs);
                    Assert.All(outputs, o => Assert.True(o.Value.ElementCount >= 0));
                }
                catch (InferenceException)
                {
                    // A typed refusal is the expected outcome for a graph the mutation broke.
                }
            }
        }

        Assert.True(loaded > 0 && rejected > 0, $"loaded {loaded}, rejected {rejected}: the mutations should produce both outcomes");
    }

    private static TensorValue InputFor(TensorInfo info)
    {
        var shape = info.Shape.Select(d => d < 0 ? 1 : Math.Min(d, 64)).ToArray();
        var count = (int)shape.Aggregate(1L, (a, b) => a * b);
        return info.ElementType == TensorElementType.Float
            ? TensorValue.Create(new float[count], shape)
            : TensorValue.Create(new long[count], shape);
    }
}
