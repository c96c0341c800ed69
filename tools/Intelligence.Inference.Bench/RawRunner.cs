using System.Runtime.InteropServices;
using Ort = Microsoft.ML.OnnxRuntime;

namespace Intelligence.Inference.Bench;

/// <summary>
/// The baseline for the official binding: what a minimal caller of Microsoft.ML.OnnxRuntime does per request with
/// names, run options and the pinned input prepared once: wrap the input (CreateTensorValueWithData), Run, copy the
/// output, release both values. No validation, no shape queries, no result objects.
/// </summary>
internal sealed class RawRunner : IDisposable
{
    private readonly Ort.InferenceSession _session;
    private readonly GCHandle _input;
    private readonly long[] _shape;
    private readonly long _inputBytes;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly Ort.OrtValue[] _values = new Ort.OrtValue[1];
    private readonly Ort.RunOptions _runOptions = new();
    private readonly float[] _output;

    public RawRunner(InferenceSession session, float[] input)
    {
        _session = session.Native;
        _input = GCHandle.Alloc(input, GCHandleType.Pinned);
        _shape = [1, input.Length];
        _inputBytes = input.Length * sizeof(float);
        _inputNames = [session.Inputs[0].Name];
        _outputNames = [session.Outputs[0].Name];
        _output = new float[session.Outputs[0].Shape[^1]];
    }

    public void Run()
    {
        using var input = Ort.OrtValue.CreateTensorValueWithData(
            Ort.OrtMemoryInfo.DefaultInstance, Ort.Tensors.TensorElementType.Float, _shape, _input.AddrOfPinnedObject(), _inputBytes);
        _values[0] = input;
        using var outputs = _session.Run(_runOptions, _inputNames, _values, _outputNames);
        outputs[0].GetTensorDataAsSpan<float>().CopyTo(_output);
    }

    public void Dispose()
    {
        _runOptions.Dispose();
        _input.Free();
    }
}
