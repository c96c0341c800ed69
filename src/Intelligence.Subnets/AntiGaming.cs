using System.Runtime.InteropServices;

namespace Intelligence.Subnets;

/// <summary>Tolerances of the shared anti-gaming rules.</summary>
public sealed record AntiGamingOptions
{
    /// <summary>Rows whose values differ by at most this much count as the same answer (constant rule).</summary>
    public double ConstantTolerance { get; init; } = 1e-6;

    /// <summary>Answers from two hotkeys whose values differ by at most this much count as copies.</summary>
    public double DuplicateTolerance { get; init; } = 1e-6;

    /// <summary>The defaults.</summary>
    public static AntiGamingOptions Default { get; } = new();
}

/// <summary>
/// The rules every subnet applies before its task metric: late, missing, malformed, non-finite, constant and
/// duplicated answers score 0 for that query. Task-specific checks (value domains) are hooks on <see cref="SubnetBase{TQuery}"/>.
/// </summary>
public static class AntiGaming
{
    /// <summary>
    /// Checks lateness, presence, names, types, shapes and finiteness. On success returns null and the outputs in
    /// schema order; otherwise the reason for a zero score.
    /// </summary>
    public static ScoreReason? Screen(TaskSchema schema, SubnetQuery query, MinerResponse response, out SubnetTensor[] ordered)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(response);
        ordered = [];
        if (response.Latency > query.Timeout)
        {
            return ScoreReason.Late;
        }
        if (response.Outputs is null)
        {
            return ScoreReason.Missing;
        }
        var result = new SubnetTensor[schema.Outputs.Length];
        for (var i = 0; i < schema.Outputs.Length; i++)
        {
            var spec = schema.Outputs[i];
            SubnetTensor? found = null;
            foreach (var t in response.Outputs)
            {
                if (t is null)
                {
                    return ScoreReason.Malformed;
                }
                if (t.Name == spec.Name)
                {
                    if (found is not null)
                    {
                        return ScoreReason.Malformed;
                    }
                    found = t;
                }
            }
            if (found is null || spec.Check(found, query.BatchSize) is not null)
            {
                return ScoreReason.Malformed;
            }
            if (!AllFinite(found))
            {
                return ScoreReason.NonFinite;
            }
            result[i] = found;
        }
        ordered = result;
        return null;
    }

    /// <summary>True when a tensor holds no NaN or infinity (integer tensors always pass).</summary>
    public static bool AllFinite(SubnetTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        switch (tensor.ElementType)
        {
            case TensorElementType.Float32:
                foreach (var v in MemoryMarshal.Cast<byte, float>(tensor.Data.Span))
                {
                    if (!float.IsFinite(v))
                    {
                        return false;
                    }
                }
                return true;
            case TensorElementType.Float64:
                foreach (var v in MemoryMarshal.Cast<byte, double>(tensor.Data.Span))
                {
                    if (!double.IsFinite(v))
                    {
                        return false;
                    }
                }
                return true;
            default:
                return true;
        }
    }

    /// <summary>
    /// The constant rule: in a batch of at least two rows whose inputs differ, every output row is the same answer.
    /// </summary>
    public static bool IsConstantAcrossRows(IReadOnlyList<SubnetTensor> inputs, IReadOnlyList<SubnetTensor> outputs, double tolerance)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        if (inputs.Count == 0 || outputs.Count == 0 || inputs[0].Shape.Length == 0 || inputs[0].Shape[0] < 2)
        {
            return false;
        }
        if (RowsAllEqual(inputs[0], 0.0))
        {
            return false; // identical inputs deserve identical answers
        }
        return outputs.All(o => RowsAllEqual(o, tolerance));
    }

    /// <summary>True when every row (slice along the first dimension) equals the first within the tolerance.</summary>
    public static bool RowsAllEqual(SubnetTensor tensor, double tolerance)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Shape.Length == 0 || tensor.Shape[0] < 2)
        {
            return true;
        }
        var values = AsDoubles(tensor);
        var rows = (int)tensor.Shape[0];
        var width = values.Length / rows;
        for (var r = 1; r < rows; r++)
        {
            for (var c = 0; c < width; c++)
            {
                if (Math.Abs(values[(r * width) + c] - values[c]) > tolerance)
                {
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>
    /// The copy rule: flags every answer that equals (within the tolerance) an answer from a different hotkey in
    /// the same round. All members of a group of copies are flagged, since the original cannot be told apart.
    /// </summary>
    public static bool[] FindDuplicates(IReadOnlyList<IReadOnlyList<SubnetTensor>?> answers, double tolerance)
    {
        ArgumentNullException.ThrowIfNull(answers);
        var values = answers.Select(a => a?.Select(AsDoubles).ToArray()).ToArray();
        var flags = new bool[answers.Count];
        for (var i = 0; i < values.Length; i++)
        {
            for (var j = i + 1; j < values.Length; j++)
            {
                if (values[i] is { } a && values[j] is { } b && SameAnswer(a, b, tolerance))
                {
                    flags[i] = true;
                    flags[j] = true;
                }
            }
        }
        return flags;
    }

    private static bool SameAnswer(double[][] a, double[][] b, double tolerance)
    {
        if (a.Length != b.Length)
        {
            return false;
        }
        for (var t = 0; t < a.Length; t++)
        {
            if (a[t].Length != b[t].Length)
            {
                return false;
            }
            for (var k = 0; k < a[t].Length; k++)
            {
                if (!(Math.Abs(a[t][k] - b[t][k]) <= tolerance))
                {
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>Reads any numeric tensor as doubles.</summary>
    public static double[] AsDoubles(SubnetTensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var span = tensor.Data.Span;
        return tensor.ElementType switch
        {
            TensorElementType.Float32 => [.. MemoryMarshal.Cast<byte, float>(span).ToArray().Select(v => (double)v)],
            TensorElementType.Float64 => MemoryMarshal.Cast<byte, double>(span).ToArray(),
            TensorElementType.Int32 => [.. MemoryMarshal.Cast<byte, int>(span).ToArray().Select(v => (double)v)],
            TensorElementType.Int64 => [.. MemoryMarshal.Cast<byte, long>(span).ToArray().Select(v => (double)v)],
            TensorElementType.UInt8 => [.. span.ToArray().Select(v => (double)v)],
            _ => throw new MalformedTensorException($"unknown element type {(int)tensor.ElementType}"),
        };
    }
}
