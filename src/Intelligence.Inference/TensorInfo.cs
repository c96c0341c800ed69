namespace Intelligence.Inference;

/// <summary>Description of a model input or output as ONNX Runtime reports it.</summary>
/// <param name="Name">The graph input or output name.</param>
/// <param name="IsTensor">False for sequences, maps and other non-tensor values (not fetched by runs).</param>
/// <param name="ElementType">The element type (Undefined for non-tensors).</param>
/// <param name="Shape">Dimensions; -1 where the dimension is free (symbolic or unknown).</param>
/// <param name="SymbolicDimensions">The name of each free dimension (e.g. "batch"), or empty where fixed or unnamed.</param>
public sealed record TensorInfo(
    string Name,
    bool IsTensor,
    TensorElementType ElementType,
    IReadOnlyList<long> Shape,
    IReadOnlyList<string> SymbolicDimensions)
{
    /// <summary>True when the first dimension is free, so requests can be stacked along it.</summary>
    public bool HasFreeFirstDimension => Shape.Count > 0 && Shape[0] < 0;

    /// <summary>The shape written as e.g. [batch, 64].</summary>
    public string ShapeText => "[" + string.Join(", ", Shape.Select((d, i) =>
        d >= 0 ? d.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : SymbolicDimensions[i].Length > 0 ? SymbolicDimensions[i] : "?")) + "]";
}

/// <summary>The outputs of one run, in the model's output order.</summary>
public sealed class InferenceResult : IReadOnlyList<NamedTensor>
{
    private readonly NamedTensor[] _outputs;

    internal InferenceResult(NamedTensor[] outputs) => _outputs = outputs;

    /// <summary>The number of outputs.</summary>
    public int Count => _outputs.Length;

    /// <summary>The output at <paramref name="index"/>.</summary>
    public NamedTensor this[int index] => _outputs[index];

    /// <summary>The output named <paramref name="name"/>.</summary>
    public TensorValue this[string name]
    {
        get
        {
            foreach (var o in _outputs)
            {
                if (o.Name == name)
                {
                    return o.Value;
                }
            }

            throw new KeyNotFoundException($"The model has no output named '{name}'.");
        }
    }

    /// <inheritdoc />
    public IEnumerator<NamedTensor> GetEnumerator() => ((IEnumerable<NamedTensor>)_outputs).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _outputs.GetEnumerator();
}
