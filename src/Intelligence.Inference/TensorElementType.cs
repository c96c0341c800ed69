namespace Intelligence.Inference;

/// <summary>Tensor element types; the values are ONNX TensorProto.DataType numbers, which ONNX Runtime shares.</summary>
public enum TensorElementType
{
    /// <summary>Not a tensor or unknown.</summary>
    Undefined = 0,
    /// <summary>32-bit IEEE float.</summary>
    Float = 1,
    /// <summary>Unsigned byte.</summary>
    UInt8 = 2,
    /// <summary>Signed byte.</summary>
    Int8 = 3,
    /// <summary>Unsigned 16-bit integer.</summary>
    UInt16 = 4,
    /// <summary>Signed 16-bit integer.</summary>
    Int16 = 5,
    /// <summary>Signed 32-bit integer.</summary>
    Int32 = 6,
    /// <summary>Signed 64-bit integer.</summary>
    Int64 = 7,
    /// <summary>UTF-8 string (not supported for runs by this binding).</summary>
    String = 8,
    /// <summary>Boolean, one byte per element.</summary>
    Bool = 9,
    /// <summary>16-bit IEEE float (<see cref="System.Half"/>).</summary>
    Float16 = 10,
    /// <summary>64-bit IEEE float.</summary>
    Double = 11,
    /// <summary>Unsigned 32-bit integer.</summary>
    UInt32 = 12,
    /// <summary>Unsigned 64-bit integer.</summary>
    UInt64 = 13,
}

/// <summary>Maps CLR element types to <see cref="TensorElementType"/>.</summary>
public static class TensorElementTypes
{
    /// <summary>The element type for <typeparamref name="T"/>; throws for types ONNX has no tensor type for.</summary>
    public static TensorElementType Of<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(float)) { return TensorElementType.Float; }
        if (typeof(T) == typeof(Half)) { return TensorElementType.Float16; }
        if (typeof(T) == typeof(long)) { return TensorElementType.Int64; }
        if (typeof(T) == typeof(int)) { return TensorElementType.Int32; }
        if (typeof(T) == typeof(bool)) { return TensorElementType.Bool; }
        if (typeof(T) == typeof(byte)) { return TensorElementType.UInt8; }
        if (typeof(T) == typeof(double)) { return TensorElementType.Double; }
        if (typeof(T) == typeof(sbyte)) { return TensorElementType.Int8; }
        if (typeof(T) == typeof(short)) { return TensorElementType.Int16; }
        if (typeof(T) == typeof(ushort)) { return TensorElementType.UInt16; }
        if (typeof(T) == typeof(uint)) { return TensorElementType.UInt32; }
        if (typeof(T) == typeof(ulong)) { return TensorElementType.UInt64; }
        throw new NotSupportedException($"{typeof(T)} has no ONNX tensor element type.");
    }

    /// <summary>Size in bytes of one element, or 0 for types without a fixed size.</summary>
    public static int SizeOf(TensorElementType type) => type switch
    {
        TensorElementType.Float or TensorElementType.Int32 or TensorElementType.UInt32 => 4,
        TensorElementType.Int64 or TensorElementType.Double or TensorElementType.UInt64 => 8,
        TensorElementType.Float16 or TensorElementType.Int16 or TensorElementType.UInt16 => 2,
        TensorElementType.UInt8 or TensorElementType.Int8 or TensorElementType.Bool => 1,
        _ => 0,
    };
}
