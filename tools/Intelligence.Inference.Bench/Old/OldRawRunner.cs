using System.Runtime.InteropServices;

namespace Intelligence.Inference.Bench.Old;

/// <summary>
/// The baseline: what a minimal C caller does per request, straight through the OrtApi table with names and the
/// input buffer prepared once: wrap the input (CreateTensorWithDataAsOrtValue), Run, read and copy the output
/// (GetTensorMutableData), release both values. No validation, no shape queries, no SafeHandles.
/// </summary>
internal sealed unsafe class OldRawRunner : IDisposable
{
    private readonly nint _session;
    private readonly nint _memory;
    private readonly GCHandle _input;
    private readonly long[] _shape;
    private readonly int _inputBytes;
    private readonly nint _inputName;
    private readonly nint _outputName;
    private readonly float[] _output;

    public OldRawRunner(OldInferenceSession session, float[] input)
    {
        _session = session.Handle.DangerousGetHandle();
        _memory = OrtEnvironment.CpuMemory.DangerousGetHandle();
        _input = GCHandle.Alloc(input, GCHandleType.Pinned);
        _shape = [1, input.Length];
        _inputBytes = input.Length * sizeof(float);
        _inputName = Marshal.StringToCoTaskMemUTF8(session.Inputs[0].Name);
        _outputName = Marshal.StringToCoTaskMemUTF8(session.Outputs[0].Name);
        _output = new float[session.Outputs[0].Shape[^1]];
    }

    public void Run()
    {
        var api = OrtNative.Api;
        nint inputValue;
        nint outputValue = 0;
        fixed (long* shape = _shape)
        {
            OrtNative.Check(api->CreateTensorWithDataAsOrtValue(_memory, (void*)_input.AddrOfPinnedObject(), (nuint)_inputBytes, shape, 2, 1, &inputValue));
        }

        try
        {
            var inName = _inputName;
            var outName = _outputName;
            OrtNative.Check(api->Run(_session, 0, &inName, &inputValue, 1, &outName, 1, &outputValue));
            void* data;
            OrtNative.Check(api->GetTensorMutableData(outputValue, &data));
            new ReadOnlySpan<float>(data, _output.Length).CopyTo(_output);
        }
        finally
        {
            api->ReleaseValue(outputValue);
            api->ReleaseValue(inputValue);
        }
    }

    public void Dispose()
    {
        _input.Free();
        Marshal.FreeCoTaskMem(_inputName);
        Marshal.FreeCoTaskMem(_outputName);
    }
}
