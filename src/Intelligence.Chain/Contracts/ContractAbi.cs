using System.Collections;
using System.Numerics;
using System.Reflection;
using Intelligence.Chain.Rpc;
using Nethereum.ABI;
using Nethereum.ABI.Decoders;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.ABI.Model;
using Nethereum.Contracts;

namespace Intelligence.Chain.Contracts;

/// <summary>
/// ABI encoding and decoding through Nethereum: calls are encoded from <c>[Function]</c> messages, and outputs,
/// events and errors are decoded by Nethereum's decoder using the parameter list of their <c>[FunctionOutput]</c>,
/// <c>[Event]</c> or <c>[Error]</c> DTO. Bytes from the node are checked by <see cref="AbiGuard"/> first, and
/// anything Nethereum throws becomes an <see cref="AbiException"/>.
/// </summary>
public static class ContractAbi
{
    private static readonly ParameterDecoder Decoder = new();

    /// <summary>Selector + ABI-encoded arguments of a typed function message.</summary>
    public static byte[] Encode<TFunction>(TFunction message) where TFunction : FunctionMessage
    {
        ArgumentNullException.ThrowIfNull(message);
        try
        {
            return message.GetCallData();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new AbiException($"Cannot encode {typeof(TFunction).Name}: {e.Message}", e);
        }
    }

    /// <summary>Creation bytecode followed by the ABI-encoded constructor arguments of a deployment message.</summary>
    public static byte[] EncodeDeployment<TDeployment>(TDeployment deployment) where TDeployment : ContractDeploymentMessage, new()
    {
        ArgumentNullException.ThrowIfNull(deployment);
        try
        {
            return deployment.GetDeploymentData();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new AbiException($"Cannot encode {typeof(TDeployment).Name}: {e.Message}", e);
        }
    }

    /// <summary>
    /// abi.encode of typed values, e.g. <c>Encode(("address", a), ("uint16", 7))</c>. Addresses may be given as
    /// <see cref="Address"/>; lists of any integer type are fine for arrays.
    /// </summary>
    public static byte[] Encode(params (string Type, object Value)[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        try
        {
            return new ABIEncode().GetABIEncoded(values.Select(v => new ABIValue(v.Type, v.Value is Address a ? a.ToLowerHex() : v.Value)).ToArray());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new AbiException($"Cannot encode ({string.Join(",", values.Select(v => v.Type))}): {e.Message}", e);
        }
    }

    /// <summary>Decodes return data into Nethereum's value tree (tuples as lists of <see cref="ParameterOutput"/>).</summary>
    internal static List<ParameterOutput> DecodeOutput<TOutput>(ReadOnlySpan<byte> data) where TOutput : IFunctionOutputDTO =>
        Decode(LayoutOf<TOutput>.Value, data);

    /// <summary>Decodes ABI data laid out as the parameters of <paramref name="layout"/>.</summary>
    internal static List<ParameterOutput> Decode(AbiLayout layout, ReadOnlySpan<byte> data)
    {
        AbiGuard.Check(layout.Shapes, data, layout.Name);
        var outputs = new ParameterOutput[layout.Decoding.Length];
        for (var i = 0; i < outputs.Length; i++)
        {
            outputs[i] = new ParameterOutput { Parameter = layout.Decoding[i] };
        }
        try
        {
            return Decoder.DecodeOutput(data.ToArray(), outputs);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new AbiException($"{layout.Name}: the data does not decode ({e.Message}).", e);
        }
    }

    /// <summary>keccak256 of the event's signature: topic 0 of its logs.</summary>
    public static byte[] EventTopic<TEvent>() where TEvent : IEventDTO => (byte[])LayoutOf<TEvent>.Value.Topic!.Clone();

    /// <summary>True when the log's topic 0 is the event's.</summary>
    public static bool IsEvent<TEvent>(Log log) where TEvent : IEventDTO =>
        log is not null && log.Topics.Count > 0 && log.Topics[0].AsSpan().SequenceEqual(LayoutOf<TEvent>.Value.Topic);

    /// <summary>
    /// Decodes a log into the event's arguments in declaration order: indexed value types from their topics,
    /// indexed strings, bytes, arrays and structs as their 32-byte topic (a hash), the rest from the data.
    /// </summary>
    internal static List<ParameterOutput> DecodeEvent<TEvent>(Log log) where TEvent : IEventDTO
    {
        ArgumentNullException.ThrowIfNull(log);
        var layout = LayoutOf<TEvent>.Value;
        var indexed = layout.Decoding.Where(p => p.Indexed).ToArray();
        if (log.Topics.Count != indexed.Length + 1)
        {
            throw new AbiException($"{layout.Name} has {indexed.Length} indexed arguments but the log has {log.Topics.Count - 1} topics after topic 0.");
        }
        if (!log.Topics[0].AsSpan().SequenceEqual(layout.Topic))
        {
            throw new AbiException($"Log topic 0 is not {layout.Name}'s.");
        }
        var values = new List<ParameterOutput>(layout.Parameters.Length);
        values.AddRange(Decode(layout.DataLayout!, log.Data));
        for (var i = 0; i < indexed.Length; i++)
        {
            var topic = log.Topics[i + 1];
            if (topic.Length != 32)
            {
                throw new AbiException("A log topic is 32 bytes.");
            }
            var p = indexed[i];
            var hashed = p.ABIType is StringType or BytesType or ArrayType or TupleType;
            values.Add(hashed ? new ParameterOutput { Parameter = p, Result = topic.ToArray() } : Decode(layout.TopicLayouts![i], topic)[0]);
        }
        values.Sort((a, b) => a.Parameter.Order.CompareTo(b.Parameter.Order));
        return values;
    }

    /// <summary>The layout of a DTO type, built once per type.</summary>
    internal static class LayoutOf<T>
    {
        public static readonly AbiLayout Value = AbiLayout.Of(typeof(T));
    }

    // ------------------------------------------------------------ decoded values -> our types (used by the bindings)

    /// <summary>An address, decoded as the uint160 it is on the wire (see <see cref="AbiLayout"/>).</summary>
    internal static Address ToAddress(object? value)
    {
        var number = (BigInteger)value!;
        Span<byte> bytes = stackalloc byte[Address.Length];
        bytes.Clear();
        var length = number.GetByteCount(isUnsigned: true);
        if (length > Address.Length || !number.TryWriteBytes(bytes[(Address.Length - length)..], out _, isUnsigned: true, isBigEndian: true))
        {
            throw new AbiException("A decoded address is wider than 20 bytes.");
        }
        return new Address(bytes);
    }

    /// <summary>The fields of a decoded tuple, in order.</summary>
    internal static List<ParameterOutput> Tuple(object? value) => (List<ParameterOutput>)value!;

    /// <summary>A decoded array whose elements need no conversion.</summary>
    internal static T[] List<T>(object? value) => ((List<T>)value!).ToArray();

    /// <summary>A decoded array, element by element.</summary>
    internal static T[] List<T>(object? value, Func<object?, T> map)
    {
        var list = (IList)value!;
        var result = new T[list.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = map(list[i]);
        }
        return result;
    }

    /// <summary>
    /// A decoded value as callers see it in untyped places (revert arguments): integers as BigInteger, addresses as
    /// <see cref="Address"/>, lists as object?[]. <paramref name="type"/> is the declared type (not the decoding one).
    /// </summary>
    internal static object? Publish(object? value, ABIType type) => type switch
    {
        _ when value is null => null,
        AddressType => ToAddress(value),
        TupleType t => Tuple(value).Select((o, i) => Publish(o.Result, t.Components[i].ABIType)).ToArray(),
        ArrayType a => ((IList)value).Cast<object?>().Select(e => Publish(e, a.ElementType)).ToArray(),
        IntType => value switch
        {
            BigInteger b => b,
            IConvertible c => c.GetTypeCode() is TypeCode.Int64 or TypeCode.Int32 or TypeCode.Int16 or TypeCode.SByte
                ? new BigInteger(c.ToInt64(null))
                : new BigInteger(c.ToUInt64(null)),
            _ => value,
        },
        _ => value,
    };
}

/// <summary>
/// The Nethereum parameters of one DTO type (its <c>[Parameter]</c> properties, in order), and a copy set up for
/// Nethereum's decoder: tuples decode into <see cref="ParameterOutput"/> lists, leaves into the DTO's property types
/// (ushort, ulong, BigInteger, byte[], string), and addresses as the uint160 they are on the wire. Measured on a
/// 256-neuron metagraph (docs/chain.md): Nethereum's typed path builds every struct element through reflection
/// (3-4x slower again), and its address decoder formats an EIP-55 checksum string per address (~6 us, most of the
/// decode), which the bindings would parse straight back into an <see cref="Address"/>.
/// </summary>
internal sealed class AbiLayout
{
    private AbiLayout(string name, Parameter[] parameters, Parameter[] decoding, byte[]? topic)
    {
        Name = name;
        Parameters = parameters;
        Decoding = decoding;
        Shapes = parameters.Select(p => AbiShape.Of(p.ABIType)).ToArray();
        Topic = topic;
        if (topic is not null)
        {
            var data = Enumerable.Range(0, parameters.Length).Where(i => !parameters[i].Indexed).ToArray();
            DataLayout = new AbiLayout(name + " data", [.. data.Select(i => parameters[i])], [.. data.Select(i => decoding[i])], null);
            TopicLayouts = Enumerable.Range(0, parameters.Length).Where(i => parameters[i].Indexed)
                .Select(i => new AbiLayout(name + " topic " + parameters[i].Name, [parameters[i]], [decoding[i]], null)).ToArray();
        }
    }

    /// <summary>The DTO's name, for error messages.</summary>
    public string Name { get; }

    /// <summary>The declared parameters, in order.</summary>
    public Parameter[] Parameters { get; }

    /// <summary>The same parameters as Nethereum's decoder is given them.</summary>
    public Parameter[] Decoding { get; }

    /// <summary>What the guard checks the data against.</summary>
    public AbiShape[] Shapes { get; }

    /// <summary>For events: topic 0.</summary>
    public byte[]? Topic { get; }

    /// <summary>For events: the non-indexed parameters (the log's data).</summary>
    public AbiLayout? DataLayout { get; }

    /// <summary>For events: one single-parameter layout per indexed parameter.</summary>
    public AbiLayout[]? TopicLayouts { get; }

    /// <summary>Reads the layout from a DTO type's attributes.</summary>
    public static AbiLayout Of(Type dto)
    {
        var extractor = new AttributesToABIExtractor();
        var parameters = new List<(Parameter Declared, Parameter Decoding)>();
        foreach (var property in PropertiesExtractor.GetPropertiesWithParameterAttribute(dto))
        {
            var parameter = property.GetCustomAttribute<ParameterAttribute>(true)!.Parameter;
            extractor.InitTupleComponentsFromTypeAttributes(property.PropertyType, parameter.ABIType);
            parameters.Add((parameter, Decodable(parameter, property.PropertyType)));
        }
        var ordered = parameters.OrderBy(p => p.Declared.Order).ToArray();
        var topic = EventAttribute.IsEventType(dto) ? Hex.Decode(ABITypedRegistry.GetEvent(dto).Sha3Signature) : null;
        return new AbiLayout(dto.Name, [.. ordered.Select(p => p.Declared)], [.. ordered.Select(p => p.Decoding)], topic);
    }

    /// <summary>A copy of <paramref name="declared"/> for the decoder, with its decoding types set.</summary>
    private static Parameter Decodable(Parameter declared, Type clrType)
    {
        var copy = new Parameter(declared.Type.Replace("address", "uint160", StringComparison.Ordinal), declared.Name, declared.Order) { Indexed = declared.Indexed };
        copy.DecodedType = Prepare(declared.ABIType, copy.ABIType, clrType);
        return copy;
    }

    private static Type Prepare(ABIType declared, ABIType copy, Type clrType)
    {
        switch (declared)
        {
            case TupleType tuple:
                ((TupleType)copy).SetComponents([.. tuple.Components.Select(c => Decodable(c, c.DecodedType))]);
                return typeof(List<ParameterOutput>);
            case ArrayType array:
                var element = ArrayTypeDecoder.GetIListElementType(clrType)
                              ?? throw new InvalidOperationException($"{clrType.Name} is not a list type for {declared.Name}.");
                return typeof(List<>).MakeGenericType(Prepare(array.ElementType, ((ArrayType)copy).ElementType, element));
            case AddressType:
                return typeof(BigInteger);
            default:
                return clrType;
        }
    }
}
