using System.Collections.Immutable;

namespace Intelligence.Subnets;

/// <summary>One input or output of a task: name, element type and shape, where -1 marks the batch dimension.</summary>
public sealed record TensorSpec(string Name, TensorElementType ElementType, ImmutableArray<long> Shape)
{
    /// <summary>Marker for the batch dimension in <see cref="Shape"/>.</summary>
    public const long Batch = -1;

    /// <summary>The shape with the batch dimension filled in.</summary>
    public long[] ShapeFor(int batchSize) => [.. Shape.Select(d => d == Batch ? batchSize : d)];

    /// <summary>Checks a tensor against this spec for a given batch size; returns the problem or null.</summary>
    public string? Check(SubnetTensor tensor, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.ElementType != ElementType)
        {
            return $"'{Name}' is {tensor.ElementType}, expected {ElementType}";
        }
        var expected = ShapeFor(batchSize);
        if (!tensor.Shape.SequenceEqual(expected))
        {
            return $"'{Name}' has shape [{string.Join(',', tensor.Shape)}], expected [{string.Join(',', expected)}]";
        }
        return null;
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {ElementType}[{string.Join(',', Shape.Select(d => d == Batch ? "N" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}]";
}

/// <summary>What miners receive (inputs) and must answer (outputs) for one subnet.</summary>
public sealed record TaskSchema(ImmutableArray<TensorSpec> Inputs, ImmutableArray<TensorSpec> Outputs)
{
    /// <summary>Finds an output spec by name, or null.</summary>
    public TensorSpec? Output(string name) => Outputs.FirstOrDefault(o => o.Name == name);
}
