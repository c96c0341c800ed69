namespace Intelligence.Chain.Abi;

/// <summary>One named parameter of a function, event or error.</summary>
/// <param name="Name">Parameter name (may be empty).</param>
/// <param name="Type">ABI type.</param>
/// <param name="Indexed">For event parameters: stored as a topic.</param>
public sealed record AbiParameter(string Name, AbiType Type, bool Indexed = false);

/// <summary>Parses human-readable declarations such as "transfer(address to, uint256 amount) returns (bool)".</summary>
internal static class AbiSignature
{
    public static (string Name, List<AbiParameter> Inputs, List<AbiParameter> Outputs) Parse(string text, string keyword)
    {
        var s = text.Trim();
        if (s.StartsWith(keyword + " ", StringComparison.Ordinal))
        {
            s = s[(keyword.Length + 1)..].Trim();
        }
        var open = s.IndexOf('(');
        if (open <= 0)
        {
            throw new AbiException($"'{text}' is not a {keyword} declaration like name(type,...).");
        }
        var name = s[..open].Trim();
        if (!name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_' || c == '$'))
        {
            throw new AbiException($"'{name}' is not a valid {keyword} name.");
        }
        var close = AbiType.MatchingParen(s, open);
        var inputs = ParseParameters(s[(open + 1)..close]);
        var rest = s[(close + 1)..].Trim();
        var outputs = new List<AbiParameter>();
        foreach (var word in new[] { "external", "public", "view", "pure", "nonpayable", "payable", "anonymous" })
        {
            rest = rest.Replace(word, "", StringComparison.Ordinal).Trim();
        }
        if (rest.StartsWith("returns", StringComparison.Ordinal))
        {
            var r = rest["returns".Length..].Trim();
            if (r.Length < 2 || r[0] != '(')
            {
                throw new AbiException($"Bad returns clause in '{text}'.");
            }
            outputs = ParseParameters(r[1..AbiType.MatchingParen(r, 0)]);
        }
        else if (rest.Length > 0)
        {
            throw new AbiException($"Unexpected '{rest}' in '{text}'.");
        }
        return (name, inputs, outputs);
    }

    private static List<AbiParameter> ParseParameters(string list)
    {
        var result = new List<AbiParameter>();
        foreach (var part in AbiType.SplitTopLevel(list))
        {
            var p = part.Trim();
            string typeText;
            string rest;
            if (p.StartsWith('('))
            {
                var close = AbiType.MatchingParen(p, 0);
                var end = close + 1;
                while (end < p.Length && p[end] != ' ')
                {
                    end++;
                }
                typeText = p[..end];
                rest = p[end..].Trim();
            }
            else
            {
                var space = p.IndexOf(' ');
                typeText = space < 0 ? p : p[..space];
                rest = space < 0 ? "" : p[space..].Trim();
            }
            var words = rest.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
            var indexed = words.Remove("indexed");
            words.Remove("memory");
            words.Remove("calldata");
            words.Remove("storage");
            result.Add(new AbiParameter(words.Count > 0 ? words[^1] : "", AbiType.Parse(typeText), indexed));
        }
        return result;
    }

    /// <summary>First four bytes of keccak256(signature): function selectors and error selectors.</summary>
    public static byte[] Selector(string signature) => Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(signature))[..4];

    public static string Canonical(string name, IEnumerable<AbiParameter> parameters) =>
        name + "(" + string.Join(",", parameters.Select(p => p.Type.Name)) + ")";
}

/// <summary>A contract function: selector, call encoding, result decoding.</summary>
public sealed class AbiFunction
{
    /// <summary>Creates a function from its parts.</summary>
    public AbiFunction(string name, IReadOnlyList<AbiParameter> inputs, IReadOnlyList<AbiParameter> outputs, string stateMutability = "nonpayable")
    {
        Name = name;
        Inputs = inputs;
        Outputs = outputs;
        StateMutability = stateMutability;
        Signature = AbiSignature.Canonical(name, inputs);
        Selector = AbiSignature.Selector(Signature);
    }

    /// <summary>Parses "name(type a, type b) returns (type)"; the "function" keyword is optional.</summary>
    public static AbiFunction Parse(string declaration)
    {
        var (name, inputs, outputs) = AbiSignature.Parse(declaration, "function");
        var mutability = declaration.Contains(" view", StringComparison.Ordinal) ? "view"
            : declaration.Contains(" pure", StringComparison.Ordinal) ? "pure"
            : declaration.Contains(" payable", StringComparison.Ordinal) ? "payable" : "nonpayable";
        return new AbiFunction(name, inputs, outputs, mutability);
    }

    /// <summary>Function name.</summary>
    public string Name { get; }

    /// <summary>Arguments.</summary>
    public IReadOnlyList<AbiParameter> Inputs { get; }

    /// <summary>Return values.</summary>
    public IReadOnlyList<AbiParameter> Outputs { get; }

    /// <summary>"view", "pure", "payable" or "nonpayable".</summary>
    public string StateMutability { get; }

    /// <summary>True for view and pure functions (called with eth_call).</summary>
    public bool IsReadOnly => StateMutability is "view" or "pure";

    /// <summary>The canonical signature, e.g. "transfer(address,uint256)".</summary>
    public string Signature { get; }

    /// <summary>First four bytes of keccak256(signature).</summary>
    public byte[] Selector { get; }

    /// <summary>Selector followed by the ABI-encoded arguments.</summary>
    public byte[] EncodeCall(params object?[] args)
    {
        var body = AbiCodec.Encode(Inputs.Select(p => p.Type).ToArray(), args);
        var data = new byte[4 + body.Length];
        Selector.CopyTo(data, 0);
        body.CopyTo(data, 4);
        return data;
    }

    /// <summary>Decodes calldata (selector + arguments) for this function.</summary>
    public object?[] DecodeCall(ReadOnlySpan<byte> calldata)
    {
        if (calldata.Length < 4 || !calldata[..4].SequenceEqual(Selector))
        {
            throw new AbiException($"Calldata does not start with the selector of {Signature}.");
        }
        return AbiCodec.Decode(Inputs.Select(p => p.Type).ToArray(), calldata[4..]);
    }

    /// <summary>Decodes return data.</summary>
    public object?[] DecodeOutput(ReadOnlySpan<byte> data) => AbiCodec.Decode(Outputs.Select(p => p.Type).ToArray(), data);
}

/// <summary>A decoded event log: the event and its arguments by name and position.</summary>
public sealed class DecodedLog(AbiEvent abiEvent, object?[] values)
{
    /// <summary>The event definition.</summary>
    public AbiEvent Event { get; } = abiEvent;

    /// <summary>Arguments in declaration order. Indexed dynamic values are their 32-byte keccak hash.</summary>
    public IReadOnlyList<object?> Values { get; } = values;

    /// <summary>The argument called <paramref name="name"/>.</summary>
    public object? this[string name]
    {
        get
        {
            for (var i = 0; i < Event.Inputs.Count; i++)
            {
                if (Event.Inputs[i].Name == name)
                {
                    return Values[i];
                }
            }
            throw new KeyNotFoundException($"Event {Event.Name} has no argument '{name}'.");
        }
    }
}

/// <summary>A contract event: topic 0 and log decoding.</summary>
public sealed class AbiEvent
{
    /// <summary>Creates an event from its parts.</summary>
    public AbiEvent(string name, IReadOnlyList<AbiParameter> inputs, bool anonymous = false)
    {
        Name = name;
        Inputs = inputs;
        Anonymous = anonymous;
        Signature = AbiSignature.Canonical(name, inputs);
        Topic = Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(Signature));
    }

    /// <summary>Parses "event Name(type indexed a, type b)".</summary>
    public static AbiEvent Parse(string declaration)
    {
        var (name, inputs, _) = AbiSignature.Parse(declaration, "event");
        return new AbiEvent(name, inputs, declaration.TrimEnd().EndsWith("anonymous", StringComparison.Ordinal));
    }

    /// <summary>Event name.</summary>
    public string Name { get; }

    /// <summary>Parameters, with their indexed flags.</summary>
    public IReadOnlyList<AbiParameter> Inputs { get; }

    /// <summary>Anonymous events have no topic 0.</summary>
    public bool Anonymous { get; }

    /// <summary>Canonical signature.</summary>
    public string Signature { get; }

    /// <summary>keccak256(signature), the first topic of its logs.</summary>
    public byte[] Topic { get; }

    /// <summary>Decodes a log's topics and data; a mismatch is an <see cref="AbiException"/>.</summary>
    public DecodedLog Decode(IReadOnlyList<byte[]> topics, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var first = Anonymous ? 0 : 1;
        var indexed = Inputs.Count(p => p.Indexed);
        if (topics.Count != first + indexed)
        {
            throw new AbiException($"Event {Name} has {indexed} indexed arguments but the log has {topics.Count - first} topics.");
        }
        if (!Anonymous && !topics[0].AsSpan().SequenceEqual(Topic))
        {
            throw new AbiException($"Log topic 0 is not {Signature}.");
        }
        var dataValues = AbiCodec.Decode(Inputs.Where(p => !p.Indexed).Select(p => p.Type).ToArray(), data);
        var values = new object?[Inputs.Count];
        var topic = first;
        var next = 0;
        for (var i = 0; i < Inputs.Count; i++)
        {
            var p = Inputs[i];
            if (!p.Indexed)
            {
                values[i] = dataValues[next++];
                continue;
            }
            var word = topics[topic++];
            if (word.Length != 32)
            {
                throw new AbiException("A log topic is 32 bytes.");
            }
            values[i] = p.Type.IsDynamic || p.Type is AbiTuple or AbiFixedArray ? word : AbiCodec.Decode([p.Type], word)[0];
        }
        return new DecodedLog(this, values);
    }
}

/// <summary>A custom Solidity error (error Name(args)).</summary>
public sealed class AbiError
{
    /// <summary>Creates an error from its parts.</summary>
    public AbiError(string name, IReadOnlyList<AbiParameter> inputs)
    {
        Name = name;
        Inputs = inputs;
        Signature = AbiSignature.Canonical(name, inputs);
        Selector = AbiSignature.Selector(Signature);
    }

    /// <summary>Parses "error Name(type a, ...)".</summary>
    public static AbiError Parse(string declaration)
    {
        var (name, inputs, _) = AbiSignature.Parse(declaration, "error");
        return new AbiError(name, inputs);
    }

    /// <summary>Error name.</summary>
    public string Name { get; }

    /// <summary>Arguments.</summary>
    public IReadOnlyList<AbiParameter> Inputs { get; }

    /// <summary>Canonical signature.</summary>
    public string Signature { get; }

    /// <summary>First four bytes of keccak256(signature).</summary>
    public byte[] Selector { get; }

    /// <summary>The standard Error(string) that require/revert with a message produce.</summary>
    public static AbiError StandardError { get; } = Parse("Error(string message)");

    /// <summary>The standard Panic(uint256) that failed asserts, overflows and bad array indexes produce.</summary>
    public static AbiError StandardPanic { get; } = Parse("Panic(uint256 code)");
}
