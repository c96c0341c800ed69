using System.Globalization;

namespace Intelligence.Chain.Abi;

/// <summary>
/// A Solidity ABI type (the contract ABI specification): elementary types, dynamic and fixed arrays, tuples.
/// Parse with <see cref="Parse(string)"/>: "uint256", "bytes32[]", "(address,uint16)[4]".
/// </summary>
public abstract class AbiType
{
    private protected AbiType() { }

    /// <summary>The canonical type name used in signatures, e.g. "uint256" or "(address,bool)[]".</summary>
    public abstract string Name { get; }

    /// <summary>True for types encoded out of line (bytes, string, T[], and composites containing them).</summary>
    public abstract bool IsDynamic { get; }

    /// <summary>Size in the head of the enclosing tuple: the full size for static types, 32 (an offset) otherwise.</summary>
    public int HeadSize => IsDynamic ? 32 : StaticSize;

    /// <summary>Encoded size of a static type.</summary>
    internal abstract int StaticSize { get; }

    /// <inheritdoc />
    public override string ToString() => Name;

    /// <summary>Parses a canonical type string.</summary>
    public static AbiType Parse(string type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var span = type.Trim();
        return ParseCore(span, 0);
    }

    /// <summary>Builds a type from a JSON ABI entry: "tuple" / "tuple[]" take their components.</summary>
    public static AbiType FromJson(string type, IReadOnlyList<AbiType>? components)
    {
        if (type.StartsWith("tuple", StringComparison.Ordinal))
        {
            if (components is null)
            {
                throw new AbiException($"ABI type '{type}' needs components.");
            }
            return ApplySuffixes(new AbiTuple(components), type["tuple".Length..], type);
        }
        return Parse(type);
    }

    private const int MaxTypeDepth = 32;

    private static AbiType ParseCore(string text, int depth)
    {
        if (depth > MaxTypeDepth)
        {
            throw new AbiException("ABI type nests too deeply.");
        }
        if (text.Length == 0)
        {
            throw new AbiException("Empty ABI type.");
        }
        string baseText;
        string suffix;
        AbiType baseType;
        if (text[0] == '(')
        {
            var close = MatchingParen(text, 0);
            baseText = text[..(close + 1)];
            suffix = text[(close + 1)..];
            var inner = baseText[1..^1];
            var parts = SplitTopLevel(inner);
            baseType = new AbiTuple(parts.Count == 0 ? [] : parts.Select(p => ParseCore(p.Trim(), depth + 1)).ToArray());
        }
        else
        {
            var bracket = text.IndexOf('[');
            baseText = bracket < 0 ? text : text[..bracket];
            suffix = bracket < 0 ? "" : text[bracket..];
            baseType = Elementary(baseText);
        }
        return ApplySuffixes(baseType, suffix, text);
    }

    private static AbiType ApplySuffixes(AbiType type, string suffix, string whole)
    {
        var i = 0;
        while (i < suffix.Length)
        {
            if (suffix[i] != '[')
            {
                throw new AbiException($"Unexpected '{suffix[i]}' in ABI type '{whole}'.");
            }
            var close = suffix.IndexOf(']', i);
            if (close < 0)
            {
                throw new AbiException($"Missing ']' in ABI type '{whole}'.");
            }
            var size = suffix[(i + 1)..close];
            if (size.Length == 0)
            {
                type = new AbiArray(type);
            }
            else if (int.TryParse(size, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 && n <= 1 << 16)
            {
                type = new AbiFixedArray(type, n);
            }
            else
            {
                throw new AbiException($"Bad array size '{size}' in ABI type '{whole}'.");
            }
            i = close + 1;
        }
        return type;
    }

    private static AbiType Elementary(string name)
    {
        switch (name)
        {
            case "address": return AbiAddress.Instance;
            case "bool": return AbiBool.Instance;
            case "string": return AbiString.Instance;
            case "bytes": return AbiBytes.Instance;
            case "uint": return new AbiInteger(256, false);
            case "int": return new AbiInteger(256, true);
        }
        if (name.StartsWith("uint", StringComparison.Ordinal) && TryBits(name[4..], out var ub))
        {
            return new AbiInteger(ub, false);
        }
        if (name.StartsWith("int", StringComparison.Ordinal) && TryBits(name[3..], out var sb))
        {
            return new AbiInteger(sb, true);
        }
        if (name.StartsWith("bytes", StringComparison.Ordinal)
            && int.TryParse(name[5..], NumberStyles.None, CultureInfo.InvariantCulture, out var len) && len is >= 1 and <= 32
            && name[5] != '0')
        {
            return new AbiFixedBytes(len);
        }
        throw new AbiException($"Unknown ABI type '{name}'.");
    }

    private static bool TryBits(string digits, out int bits) =>
        int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out bits) && bits is >= 8 and <= 256 && bits % 8 == 0 && digits[0] != '0';

    internal static int MatchingParen(string text, int open)
    {
        var depth = 0;
        for (var i = open; i < text.Length; i++)
        {
            if (text[i] == '(')
            {
                depth++;
            }
            else if (text[i] == ')' && --depth == 0)
            {
                return i;
            }
        }
        throw new AbiException($"Unbalanced parentheses in '{text}'.");
    }

    /// <summary>Splits "a,(b,c),d" at top-level commas.</summary>
    internal static List<string> SplitTopLevel(string text)
    {
        var parts = new List<string>();
        if (text.Trim().Length == 0)
        {
            return parts;
        }
        var depth = 0;
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            switch (text[i])
            {
                case '(':
                    depth++;
                    break;
                case ')':
                    depth--;
                    break;
                case ',' when depth == 0:
                    parts.Add(text[start..i]);
                    start = i + 1;
                    break;
            }
        }
        parts.Add(text[start..]);
        return parts;
    }
}

/// <summary>uintN / intN (N = 8..256, step 8); values are <see cref="System.Numerics.BigInteger"/>.</summary>
public sealed class AbiInteger(int bits, bool signed) : AbiType
{
    /// <summary>Width in bits.</summary>
    public int Bits { get; } = bits;

    /// <summary>True for intN.</summary>
    public bool Signed { get; } = signed;

    /// <inheritdoc />
    public override string Name => (Signed ? "int" : "uint") + Bits.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override bool IsDynamic => false;

    internal override int StaticSize => 32;
}

/// <summary>address; values are <see cref="Chain.Address"/>.</summary>
public sealed class AbiAddress : AbiType
{
    internal static readonly AbiAddress Instance = new();

    /// <inheritdoc />
    public override string Name => "address";

    /// <inheritdoc />
    public override bool IsDynamic => false;

    internal override int StaticSize => 32;
}

/// <summary>bool.</summary>
public sealed class AbiBool : AbiType
{
    internal static readonly AbiBool Instance = new();

    /// <inheritdoc />
    public override string Name => "bool";

    /// <inheritdoc />
    public override bool IsDynamic => false;

    internal override int StaticSize => 32;
}

/// <summary>bytesN (1..32); values are byte arrays of exactly N bytes.</summary>
public sealed class AbiFixedBytes(int length) : AbiType
{
    /// <summary>N.</summary>
    public int Length { get; } = length;

    /// <inheritdoc />
    public override string Name => "bytes" + Length.ToString(CultureInfo.InvariantCulture);

    /// <inheritdoc />
    public override bool IsDynamic => false;

    internal override int StaticSize => 32;
}

/// <summary>bytes; values are byte arrays.</summary>
public sealed class AbiBytes : AbiType
{
    internal static readonly AbiBytes Instance = new();

    /// <inheritdoc />
    public override string Name => "bytes";

    /// <inheritdoc />
    public override bool IsDynamic => true;

    internal override int StaticSize => throw new InvalidOperationException("bytes is dynamic.");
}

/// <summary>string; values are .NET strings (UTF-8 on the wire).</summary>
public sealed class AbiString : AbiType
{
    internal static readonly AbiString Instance = new();

    /// <inheritdoc />
    public override string Name => "string";

    /// <inheritdoc />
    public override bool IsDynamic => true;

    internal override int StaticSize => throw new InvalidOperationException("string is dynamic.");
}

/// <summary>T[]; values are lists (decoded as object?[]).</summary>
public sealed class AbiArray(AbiType element) : AbiType
{
    /// <summary>Element type.</summary>
    public AbiType Element { get; } = element;

    /// <inheritdoc />
    public override string Name => Element.Name + "[]";

    /// <inheritdoc />
    public override bool IsDynamic => true;

    internal override int StaticSize => throw new InvalidOperationException("T[] is dynamic.");
}

/// <summary>T[k]; values are lists of exactly k elements.</summary>
public sealed class AbiFixedArray(AbiType element, int length) : AbiType
{
    /// <summary>Element type.</summary>
    public AbiType Element { get; } = element;

    /// <summary>k.</summary>
    public int Length { get; } = length;

    /// <inheritdoc />
    public override string Name => Element.Name + "[" + Length.ToString(CultureInfo.InvariantCulture) + "]";

    /// <inheritdoc />
    public override bool IsDynamic => Element.IsDynamic;

    internal override int StaticSize => checked(Element.StaticSize * Length);
}

/// <summary>A tuple (struct); values are lists in component order (decoded as object?[]).</summary>
public sealed class AbiTuple(IReadOnlyList<AbiType> components) : AbiType
{
    /// <summary>Component types in order.</summary>
    public IReadOnlyList<AbiType> Components { get; } = components;

    /// <inheritdoc />
    public override string Name => "(" + string.Join(",", Components.Select(c => c.Name)) + ")";

    /// <inheritdoc />
    public override bool IsDynamic => Components.Any(c => c.IsDynamic);

    internal override int StaticSize => Components.Sum(c => c.StaticSize);
}
