using System.Buffers;
using System.Runtime.InteropServices;

namespace Intelligence.Inference;

/// <summary>
/// A dense, row-major tensor in managed memory: an element type, a shape and the elements.
/// Inputs are handed to ONNX Runtime without copying (the memory is pinned for the run).
/// </summary>
public abstract class TensorValue
{
    private protected TensorValue(long[] shape, long elementCount)
    {
        ShapeArray = shape;
        ElementCount = elementCount;
    }

    /// <summary>The element type.</summary>
    public abstract TensorElementType ElementType { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public IReadOnlyList<long> Shape => ShapeArray;

    /// <summary>The number of elements (product of the dimensions).</summary>
    public long ElementCount { get; }

    internal long[] ShapeArray { get; }

    internal abstract int ByteLength { get; }

    /// <summary>Pins the elements for the duration of a native call.</summary>
    internal abstract MemoryHandle Pin();

    /// <summary>The elements as bytes (a view, not a copy).</summary>
    internal abstract ReadOnlySpan<byte> Bytes { get; }

    /// <summary>Rows [start, start + count) of the first dimension, sharing this tensor's memory.</summary>
    internal abstract TensorValue SliceRows(long start, long count);

    internal long[] ShapeWithRows(long rows)
    {
        var shape = (long[])ShapeArray.Clone();
        shape[0] = rows;
        return shape;
    }

    /// <summary>Creates a tensor over <paramref name="data"/> (not copied) with the given shape.</summary>
    public static TensorValue<T> Create<T>(ReadOnlyMemory<T> data, params long[] shape)
        where T : unmanaged => new(data, (long[])shape.Clone());

    /// <summary>Creates a tensor over <paramref name="data"/> (not copied), e.g. a slice of a pooled array.</summary>
    public static TensorValue<T> Create<T>(Memory<T> data, params long[] shape)
        where T : unmanaged => new(data, (long[])shape.Clone());

    /// <summary>Creates a tensor over an array (not copied) with the given shape.</summary>
    public static TensorValue<T> Create<T>(T[] data, params long[] shape)
        where T : unmanaged => new(data, (long[])shape.Clone());

    /// <summary>This tensor with its elements typed as <typeparamref name="T"/>; throws if the element type differs.</summary>
    public TensorValue<T> As<T>()
        where T : unmanaged =>
        this as TensorValue<T>
        ?? throw new InvalidCastException($"Tensor holds {ElementType} elements, not {TensorElementTypes.Of<T>()}.");

    internal static long CountElements(ReadOnlySpan<long> shape)
    {
        long count = 1;
        foreach (var d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"Tensor dimensions must be non-negative; got [{string.Join(", ", shape.ToArray())}].", nameof(shape));
            }

            count = checked(count * d);
        }

        return count;
    }
}

/// <summary>A tensor whose elements are <typeparamref name="T"/>.</summary>
/// <typeparam name="T">float, Half, long, int, bool, byte, double, sbyte, short, ushort, uint or ulong.</typeparam>
public sealed class TensorValue<T> : TensorValue
    where T : unmanaged
{
    internal TensorValue(ReadOnlyMemory<T> data, long[] shape)
        : base(shape, CountElements(shape))
    {
        if (data.Length != ElementCount)
        {
            throw new ArgumentException(
                $"Shape [{string.Join(", ", shape)}] needs {ElementCount} elements but {data.Length} were given.", nameof(data));
        }

        Memory = data;
        ElementType = TensorElementTypes.Of<T>();
    }

    /// <inheritdoc />
    public override TensorElementType ElementType { get; }

    /// <summary>The elements, row-major.</summary>
    public ReadOnlyMemory<T> Memory { get; }

    /// <summary>The elements, row-major.</summary>
    public ReadOnlySpan<T> Span => Memory.Span;

    /// <summary>A copy of the elements.</summary>
    public T[] ToArray() => Memory.ToArray();

    internal override unsafe int ByteLength => checked(Memory.Length * sizeof(T));

    internal override MemoryHandle Pin() => Memory.Pin();

    internal override ReadOnlySpan<byte> Bytes => MemoryMarshal.AsBytes(Memory.Span);

    internal override TensorValue SliceRows(long start, long count)
    {
        var rowSize = ShapeArray[0] == 0 ? 0 : ElementCount / ShapeArray[0];
        return new TensorValue<T>(Memory.Slice((int)(start * rowSize), (int)(count * rowSize)), ShapeWithRows(count));
    }
}

/// <summary>A tensor over raw bytes (used for stacked batches in pooled buffers).</summary>
internal sealed class ByteTensorValue : TensorValue
{
    private readonly Memory<byte> _bytes;

    public ByteTensorValue(TensorElementType type, Memory<byte> bytes, long[] shape)
        : base(shape, CountElements(shape))
    {
        ElementType = type;
        _bytes = bytes;
        if (bytes.Length != ElementCount * TensorElementTypes.SizeOf(type))
        {
            throw new ArgumentException($"{bytes.Length} bytes do not hold [{string.Join(", ", shape)}] {type} elements.", nameof(bytes));
        }
    }

    public override TensorElementType ElementType { get; }

    internal override int ByteLength => _bytes.Length;

    internal override MemoryHandle Pin() => _bytes.Pin();

    internal override ReadOnlySpan<byte> Bytes => _bytes.Span;

    internal override TensorValue SliceRows(long start, long count)
    {
        var rowBytes = ShapeArray[0] == 0 ? 0 : _bytes.Length / ShapeArray[0];
        return new ByteTensorValue(ElementType, _bytes.Slice((int)(start * rowBytes), (int)(count * rowBytes)), ShapeWithRows(count));
    }
}

/// <summary>A tensor with the graph input or output name it belongs to.</summary>
/// <param name="Name">The graph input or output name.</param>
/// <param name="Value">The tensor.</param>
public readonly record struct NamedTensor(string Name, TensorValue Value);
