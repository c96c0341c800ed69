using Intelligence.Inference.Onnx;

namespace Intelligence.Inference.Tests;

/// <summary>Small models written with our writer for specific tests.</summary>
internal static class Models
{
    /// <summary>A chain of <paramref name="steps"/> [n, n] matrix products: slow enough to cancel mid-run.</summary>
    public static byte[] SlowChain(int n, int steps)
    {
        var rng = new Random(7);
        var w = new float[n * n];
        for (var i = 0; i < w.Length; i++)
        {
            w[i] = (float)((rng.NextDouble() * 2 - 1) / Math.Sqrt(n));
        }

        var builder = new OnnxModelBuilder("slow")
            .AddInput("x", TensorElementType.Float, n, n)
            .AddOutput("y", TensorElementType.Float, n, n)
            .AddInitializer<float>("w", w, n, n);
        var current = "x";
        for (var s = 0; s < steps; s++)
        {
            var next = s == steps - 1 ? "y" : $"z{s}";
            builder.AddNode("MatMul", [current, "w"], [next]);
            current = next;
        }

        return builder.ToBytes();
    }

    /// <summary>One input and one output per supported element type, each with a simple operation.</summary>
    public static byte[] AllTypes() => new OnnxModelBuilder("types")
        .AddInput("h", TensorElementType.Float16, 3)
        .AddInput("i64", TensorElementType.Int64, 3)
        .AddInput("i32", TensorElementType.Int32, 2)
        .AddInput("b", TensorElementType.Bool, 2)
        .AddInput("u8", TensorElementType.UInt8, 3)
        .AddInput("d", TensorElementType.Double, 2)
        .AddOutput("h_out", TensorElementType.Float16, 3)
        .AddOutput("h_as_float", TensorElementType.Float, 3)
        .AddOutput("i64_out", TensorElementType.Int64, 3)
        .AddOutput("i32_out", TensorElementType.Int32, 2)
        .AddOutput("b_out", TensorElementType.Bool, 2)
        .AddOutput("u8_out", TensorElementType.UInt8, 3)
        .AddOutput("d_out", TensorElementType.Double, 2)
        .AddInitializer<long>("i64_add", [10, 20, 30], 3)
        .AddInitializer<int>("i32_mul", [3, -2], 2)
        .AddInitializer<double>("d_add", [0.25, -1], 2)
        .AddNode("Identity", ["h"], ["h_out"])
        .AddNode("Cast", ["h"], ["h_as_float"], NodeAttribute.Int("to", (long)TensorElementType.Float))
        .AddNode("Add", ["i64", "i64_add"], ["i64_out"])
        .AddNode("Mul", ["i32", "i32_mul"], ["i32_out"])
        .AddNode("Not", ["b"], ["b_out"])
        .AddNode("Identity", ["u8"], ["u8_out"])
        .AddNode("Add", ["d", "d_add"], ["d_out"])
        .ToBytes();
}
