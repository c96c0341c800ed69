using System.Security.Cryptography;

namespace Intelligence.Inference.Tests;

/// <summary>A model exported by PyTorch (Silero VAD, shipped in an npm package) loads and runs unchanged.</summary>
public sealed class ExportedModelTests
{
    private static readonly string ModelPath = Fixtures.PathOf("onnx/silero_vad.onnx");

    private static NamedTensor[] Inputs(float[] audio, int batch, float[] h, float[] c) =>
    [
        new("input", TensorValue.Create(audio, batch, audio.Length / batch)),
        new("sr", TensorValue.Create(new long[] { 16000 })),
        new("h", TensorValue.Create(h, 2, batch, 64)),
        new("c", TensorValue.Create(c, 2, batch, 64)),
    ];

    [Fact]
    public void PyTorchExport_IsTheShippedFileUnchanged() =>
        Assert.Equal("a35ebf52fd3ce5f1469b2a36158dba761bc47b973ea3382b3186ca15b1f5af28",
            Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(ModelPath))));

    [Fact]
    public void PyTorchExport_LoadsWithItsSignature()
    {
        using var session = InferenceSession.FromFile(ModelPath);

        Assert.Equal(["input", "sr", "h", "c"], session.Inputs.Select(i => i.Name));
        Assert.Equal(["output", "hn", "cn"], session.Outputs.Select(o => o.Name));
        Assert.Equal(TensorElementType.Int64, session.Inputs[1].ElementType);
        Assert.Empty(session.Inputs[1].Shape);
        Assert.Equal([2, -1, 64L], session.Inputs[2].Shape);
        Assert.Equal("[2, batch, 64]", session.Inputs[2].ShapeText);
    }

    [Fact]
    public void PyTorchExport_RunsAndCarriesState()
    {
        using var session = InferenceSession.FromFile(ModelPath);
        var silence = new float[512];

        var first = session.Run(Inputs(silence, 1, new float[128], new float[128]));
        var p = first["output"].As<float>();
        Assert.Equal([1, 1L], p.Shape);
        Assert.InRange(p.Span[0], 0f, 0.5f); // silence is not speech
        var h = first["hn"].As<float>();
        Assert.Equal([2, 1, 64L], h.Shape);
        Assert.Contains(h.ToArray(), v => v != 0);

        // The state carried forward changes the next answer: the recurrent path is really wired.
        var second = session.Run(Inputs(silence, 1, h.ToArray(), first["cn"].As<float>().ToArray()));
        Assert.NotEqual(p.Span[0], second["output"].As<float>().Span[0]);
    }

    [Fact]
    public void PyTorchExport_BatchRowsMatchSingleRuns()
    {
        using var session = InferenceSession.FromFile(ModelPath);
        var rng = new Random(3);
        var a = Enumerable.Range(0, 512).Select(_ => (float)((rng.NextDouble() * 2) - 1) * 0.3f).ToArray();
        var b = Enumerable.Range(0, 512).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * 220 * i / 16000.0))).ToArray();

        var pa = session.Run(Inputs(a, 1, new float[128], new float[128]))["output"].As<float>().Span[0];
        var pb = session.Run(Inputs(b, 1, new float[128], new float[128]))["output"].As<float>().Span[0];
        var both = session.Run(Inputs([.. a, .. b], 2, new float[256], new float[256]))["output"].As<float>().ToArray();

        Assert.Equal(pa, both[0], 5);
        Assert.Equal(pb, both[1], 5);
    }
}
