using System.Runtime.InteropServices;
using Intelligence.Inference;
using OnnxType = Intelligence.Inference.TensorElementType;

namespace Intelligence.Subnets;

/// <summary>
/// Runs an ONNX model on a subnet's query tensors through ONNX Runtime and names the answers as the task schema
/// says. Model inputs and outputs are matched by schema name, else by position (exporters name them freely).
/// </summary>
public sealed class SubnetModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly string[] _inputNames;
    private readonly int[] _outputIndex;

    /// <summary>Wraps a loaded session for a task; the session is disposed with this object.</summary>
    /// <exception cref="MalformedTensorException">The model has fewer inputs or outputs than the schema.</exception>
    public SubnetModel(InferenceSession session, TaskSchema schema)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(schema);
        if (session.Inputs.Count != schema.Inputs.Length || session.Outputs.Count < schema.Outputs.Length)
        {
            throw new MalformedTensorException($"model has {session.Inputs.Count} inputs / {session.Outputs.Count} outputs; the task needs {schema.Inputs.Length} / {schema.Outputs.Length}");
        }
        _session = session;
        Schema = schema;
        _inputNames = [.. schema.Inputs.Select((spec, i) => session.Inputs.Any(m => m.Name == spec.Name) ? spec.Name : session.Inputs[i].Name)];
        _outputIndex = [.. schema.Outputs.Select((spec, i) => session.Outputs.Select(o => o.Name).ToList() is var names && names.Contains(spec.Name) ? names.IndexOf(spec.Name) : i)];
    }

    /// <summary>The task the model answers.</summary>
    public TaskSchema Schema { get; }

    /// <summary>Loads ONNX model bytes for a task.</summary>
    public static SubnetModel Load(ReadOnlyMemory<byte> onnx, TaskSchema schema) => new(InferenceSession.FromBytes(onnx), schema);

    /// <summary>Runs the model on the query inputs (in schema order) and returns the outputs in schema order and names.</summary>
    public IReadOnlyList<SubnetTensor> Answer(IReadOnlyList<SubnetTensor> inputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != _inputNames.Length)
        {
            throw new MalformedTensorException($"{inputs.Count} inputs given, the task has {_inputNames.Length}");
        }
        var named = inputs.Select((t, i) => new NamedTensor(_inputNames[i], ToValue(t))).ToArray();
        var result = _session.Run(named, cancellationToken);
        return [.. Schema.Outputs.Select((spec, i) => FromValue(spec.Name, result[_outputIndex[i]].Value))];
    }

    /// <inheritdoc />
    public void Dispose() => _session.Dispose();

    /// <summary>Copies a subnet tensor into an ONNX Runtime input value.</summary>
    /// <exception cref="MalformedTensorException">The element type has no ONNX Runtime counterpart here.</exception>
    public static TensorValue ToValue(SubnetTensor t)
    {
        ArgumentNullException.ThrowIfNull(t);
        var shape = t.Shape.ToArray();
        var span = t.Data.Span;
        return t.ElementType switch
        {
            TensorElementType.Float32 => TensorValue.Create(MemoryMarshal.Cast<byte, float>(span).ToArray(), shape),
            TensorElementType.Float64 => TensorValue.Create(MemoryMarshal.Cast<byte, double>(span).ToArray(), shape),
            TensorElementType.Int32 => TensorValue.Create(MemoryMarshal.Cast<byte, int>(span).ToArray(), shape),
            TensorElementType.Int64 => TensorValue.Create(MemoryMarshal.Cast<byte, long>(span).ToArray(), shape),
            TensorElementType.UInt8 => TensorValue.Create(span.ToArray(), shape),
            _ => throw new MalformedTensorException($"unsupported element type {t.ElementType}"),
        };
    }

    /// <summary>Copies an ONNX Runtime output value into a subnet tensor named as the task schema says.</summary>
    /// <exception cref="MalformedTensorException">The model's output has an element type subnets do not carry.</exception>
    public static SubnetTensor FromValue(string name, TensorValue v)
    {
        ArgumentNullException.ThrowIfNull(v);
        var shape = v.Shape.ToArray();
        return v.ElementType switch
        {
            OnnxType.Float => new SubnetTensor(name, TensorElementType.Float32, shape, MemoryMarshal.AsBytes(v.As<float>().Span).ToArray()),
            OnnxType.Double => new SubnetTensor(name, TensorElementType.Float64, shape, MemoryMarshal.AsBytes(v.As<double>().Span).ToArray()),
            OnnxType.Int32 => new SubnetTensor(name, TensorElementType.Int32, shape, MemoryMarshal.AsBytes(v.As<int>().Span).ToArray()),
            OnnxType.Int64 => new SubnetTensor(name, TensorElementType.Int64, shape, MemoryMarshal.AsBytes(v.As<long>().Span).ToArray()),
            OnnxType.UInt8 => new SubnetTensor(name, TensorElementType.UInt8, shape, v.As<byte>().Span.ToArray()),
            _ => throw new MalformedTensorException($"model output '{name}' has unsupported element type {v.ElementType}"),
        };
    }
}
