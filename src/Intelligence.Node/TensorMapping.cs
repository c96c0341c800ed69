using Google.Protobuf;
using Intelligence.Protocol.V1;
using Intelligence.Subnets;

namespace Intelligence.Node;

/// <summary>Maps the subnet library's tensors to the wire's and back (the libraries do not know each other).</summary>
public static class TensorMapping
{
    /// <summary>A subnet tensor as a wire tensor (bytes copied once).</summary>
    public static Tensor ToWire(SubnetTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var wire = new Tensor { Name = tensor.Name, Dtype = ToWire(tensor.ElementType), Data = ByteString.CopyFrom(tensor.Data.Span) };
        wire.Shape.AddRange(tensor.Shape);
        return wire;
    }

    /// <summary>A wire tensor as a subnet tensor; an unknown type or a size that does not fit the shape is a <see cref="MalformedTensorException"/>.</summary>
    public static SubnetTensor FromWire(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return new SubnetTensor(tensor.Name, FromWire(tensor.Dtype), tensor.Shape, tensor.Data.Memory);
    }

    /// <summary>The wire data type of a subnet element type.</summary>
    public static DataType ToWire(TensorElementType type) => type switch
    {
        TensorElementType.Float32 => DataType.Float32,
        TensorElementType.Float64 => DataType.Float64,
        TensorElementType.Int32 => DataType.Int32,
        TensorElementType.Int64 => DataType.Int64,
        TensorElementType.UInt8 => DataType.Uint8,
        _ => throw new MalformedTensorException($"element type {type} has no wire type"),
    };

    /// <summary>The subnet element type of a wire data type.</summary>
    public static TensorElementType FromWire(DataType type) => type switch
    {
        DataType.Float32 => TensorElementType.Float32,
        DataType.Float64 => TensorElementType.Float64,
        DataType.Int32 => TensorElementType.Int32,
        DataType.Int64 => TensorElementType.Int64,
        DataType.Uint8 => TensorElementType.UInt8,
        _ => throw new MalformedTensorException($"wire type {type} is not supported by the subnets"),
    };
}
