namespace Intelligence.Subnets;

/// <summary>Element type of a <see cref="SubnetTensor"/>. Values match ONNX's TensorProto.DataType numbering so mapping is a cast.</summary>
public enum TensorElementType
{
    /// <summary>32-bit IEEE float (ONNX FLOAT = 1).</summary>
    Float32 = 1,

    /// <summary>Unsigned byte (ONNX UINT8 = 2).</summary>
    UInt8 = 2,

    /// <summary>32-bit signed integer (ONNX INT32 = 6).</summary>
    Int32 = 6,

    /// <summary>64-bit signed integer (ONNX INT64 = 7).</summary>
    Int64 = 7,

    /// <summary>64-bit IEEE float (ONNX DOUBLE = 11).</summary>
    Float64 = 11,
}

/// <summary>Sizes of <see cref="TensorElementType"/> values.</summary>
public static class TensorElementTypes
{
    /// <summary>Bytes per element; throws <see cref="MalformedTensorException"/> for an unknown type.</summary>
    public static int SizeOf(TensorElementType type) => type switch
    {
        TensorElementType.Float32 => 4,
        TensorElementType.UInt8 => 1,
        TensorElementType.Int32 => 4,
        TensorElementType.Int64 => 8,
        TensorElementType.Float64 => 8,
        _ => throw new MalformedTensorException($"unknown element type {(int)type}"),
    };
}
