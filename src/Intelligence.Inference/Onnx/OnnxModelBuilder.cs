using System.Runtime.InteropServices;
using Google.Protobuf;
using Intelligence.Inference.Onnx.Proto;

namespace Intelligence.Inference.Onnx;

/// <summary>A tensor dimension in a graph signature: a fixed size or a named free dimension such as "batch".</summary>
public readonly record struct Dim
{
    private Dim(long? size, string? name)
    {
        Size = size;
        Name = name;
    }

    /// <summary>The fixed size, or null for a named free dimension.</summary>
    public long? Size { get; }

    /// <summary>The symbolic name, or null for a fixed size.</summary>
    public string? Name { get; }

    /// <summary>A fixed size.</summary>
    public static implicit operator Dim(long size) => new(size, null);

    /// <summary>A named free dimension.</summary>
    public static implicit operator Dim(string name) => new(null, name);
}

/// <summary>A node attribute (only the kinds this writer needs).</summary>
public sealed class NodeAttribute
{
    private NodeAttribute(AttributeProto proto) => Proto = proto;

    internal AttributeProto Proto { get; }

    /// <summary>An integer attribute, e.g. Gemm's transB or Softmax's axis.</summary>
    public static NodeAttribute Int(string name, long value) =>
        new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });

    /// <summary>A float attribute, e.g. Gemm's alpha.</summary>
    public static NodeAttribute Float(string name, float value) =>
        new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value });

    /// <summary>A list of integers, e.g. Transpose's perm.</summary>
    public static NodeAttribute Ints(string name, params long[] values)
    {
        var proto = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        proto.Ints.AddRange(values);
        return new NodeAttribute(proto);
    }

    /// <summary>A string attribute.</summary>
    public static NodeAttribute String(string name, string value) =>
        new(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) });
}

/// <summary>
/// Writes ONNX models: graph inputs and outputs, initializers (weights) and nodes, serialized as an
/// ordinary ONNX ModelProto that ONNX Runtime and other ONNX tools load.
/// </summary>
public sealed class OnnxModelBuilder
{
    /// <summary>The IR version written (8: ONNX 1.10 and later read it; ONNX Runtime 1.10+ loads it).</summary>
    public const long IrVersion = 8;

    /// <summary>The default ai.onnx opset imported (17: Gemm, MatMul, Softmax etc. at their current definitions).</summary>
    public const long DefaultOpset = 17;

    private readonly ModelProto _model;
    private readonly GraphProto _graph;
    private int _nodeCount;

    /// <summary>Starts an empty model whose graph has the given name.</summary>
    public OnnxModelBuilder(string graphName = "main", long opset = DefaultOpset)
    {
        _graph = new GraphProto { Name = graphName };
        _model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "intelligence",
            ProducerVersion = typeof(OnnxModelBuilder).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = _graph,
        };
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = opset });
    }

    /// <summary>Declares a graph input.</summary>
    public OnnxModelBuilder AddInput(string name, TensorElementType type, params Dim[] shape)
    {
        _graph.Input.Add(ValueInfo(name, type, shape));
        return this;
    }

    /// <summary>Declares a graph output.</summary>
    public OnnxModelBuilder AddOutput(string name, TensorElementType type, params Dim[] shape)
    {
        _graph.Output.Add(ValueInfo(name, type, shape));
        return this;
    }

    /// <summary>Adds a constant tensor (weights, biases) stored in the model.</summary>
    public OnnxModelBuilder AddInitializer<T>(string name, ReadOnlySpan<T> data, params long[] shape)
        where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; this writer runs on little-endian machines only.");
        }

        var count = TensorValue.CountElements(shape);
        if (count != data.Length)
        {
            throw new ArgumentException($"Initializer '{name}' has shape [{string.Join(", ", shape)}] ({count} elements) but {data.Length} values.", nameof(data));
        }

        var tensor = new TensorProto
        {
            Name = name,
            DataType = (int)TensorElementTypes.Of<T>(),
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data)),
        };
        tensor.Dims.AddRange(shape);
        _graph.Initializer.Add(tensor);
        return this;
    }

    /// <summary>Adds a node that applies <paramref name="opType"/> (an ai.onnx operator) to named values.</summary>
    public OnnxModelBuilder AddNode(string opType, IEnumerable<string> inputs, IEnumerable<string> outputs, params NodeAttribute[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = $"{opType}_{_nodeCount++}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes.Select(a => a.Proto));
        _graph.Node.Add(node);
        return this;
    }

    /// <summary>Adds a key/value pair to the model's metadata (readable by any ONNX tool).</summary>
    public OnnxModelBuilder AddMetadata(string key, string value)
    {
        _model.MetadataProps.Add(new StringStringEntryProto { Key = key, Value = value });
        return this;
    }

    /// <summary>Sets the model's doc string.</summary>
    public OnnxModelBuilder WithDescription(string description)
    {
        _model.DocString = description;
        return this;
    }

    /// <summary>The serialized model.</summary>
    public byte[] ToBytes() => _model.ToByteArray();

    /// <summary>Writes the serialized model to a file.</summary>
    public void Save(string path) => File.WriteAllBytes(path, ToBytes());

    private static ValueInfoProto ValueInfo(string name, TensorElementType type, Dim[] shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (var d in shape)
        {
            tensorShape.Dim.Add(d.Name is null
                ? new TensorShapeProto.Types.Dimension { DimValue = d.Size!.Value }
                : new TensorShapeProto.Types.Dimension { DimParam = d.Name });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } },
        };
    }
}
