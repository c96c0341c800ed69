using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Intelligence.Subnets;

/// <summary>
/// A named dense tensor (little-endian, row-major bytes), the subnet library's own representation so it does
/// not depend on the wire protocol; the miner and validator binaries map protocol tensors to and from it.
/// </summary>
public sealed class SubnetTensor
{
    /// <summary>Creates a tensor, checking that the byte length equals the element count times the element size.</summary>
    /// <exception cref="MalformedTensorException">Negative dimension, unknown type, or a byte length that does not fit the shape.</exception>
    public SubnetTensor(string name, TensorElementType elementType, IEnumerable<long> shape, ReadOnlyMemory<byte> data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        Name = name;
        ElementType = elementType;
        Shape = [.. shape];
        long count = 1;
        foreach (var dim in Shape)
        {
            if (dim < 0)
            {
                throw new MalformedTensorException($"tensor '{name}': negative dimension {dim}");
            }
            count = checked(count * dim);
        }
        ElementCount = count;
        var expected = count * TensorElementTypes.SizeOf(elementType);
        if (data.Length != expected)
        {
            throw new MalformedTensorException($"tensor '{name}': {data.Length} bytes for shape [{string.Join(',', Shape)}] of {elementType} (expected {expected})");
        }
        Data = data;
    }

    /// <summary>Tensor name as in the task schema.</summary>
    public string Name { get; }

    /// <summary>Element type.</summary>
    public TensorElementType ElementType { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public ImmutableArray<long> Shape { get; }

    /// <summary>Number of elements (product of the shape).</summary>
    public long ElementCount { get; }

    /// <summary>Raw little-endian element bytes, row-major.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Builds a float32 tensor from values (copied).</summary>
    public static SubnetTensor FromFloats(string name, ReadOnlySpan<long> shape, ReadOnlySpan<float> values)
        => new(name, TensorElementType.Float32, shape.ToArray(), MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>Builds an int64 tensor from values (copied).</summary>
    public static SubnetTensor FromInt64s(string name, ReadOnlySpan<long> shape, ReadOnlySpan<long> values)
        => new(name, TensorElementType.Int64, shape.ToArray(), MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>Reads the elements of a float32 tensor.</summary>
    /// <exception cref="MalformedTensorException">The tensor is not float32.</exception>
    public float[] ToFloats()
    {
        if (ElementType != TensorElementType.Float32)
        {
            throw new MalformedTensorException($"tensor '{Name}' is {ElementType}, not Float32");
        }
        return MemoryMarshal.Cast<byte, float>(Data.Span).ToArray();
    }

    /// <summary>True when both tensors have the same type, shape and bytes (name ignored).</summary>
    public bool ContentEquals(SubnetTensor other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return ElementType == other.ElementType && Shape.SequenceEqual(other.Shape) && Data.Span.SequenceEqual(other.Data.Span);
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {ElementType}[{string.Join(',', Shape)}]";
}
