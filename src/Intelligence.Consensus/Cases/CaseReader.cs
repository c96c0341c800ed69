using System.Globalization;
using System.Text.Json;

namespace Intelligence.Consensus.Cases;

/// <summary>Reads the public case format (docs/consensus.md section 5) into an <see cref="EpochInput"/>, strictly.</summary>
public static class CaseReader
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 16 };

    /// <summary>Parses a case; throws <see cref="CaseFormatException"/> naming the JSON path of the first problem.</summary>
    public static EpochInput Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, Options);
        }
        catch (JsonException e)
        {
            throw new CaseFormatException("$", $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {FirstLine(e.Message)}");
        }
        using (document)
        {
            return Read(document.RootElement);
        }
    }

    private static EpochInput Read(JsonElement root)
    {
        var top = Properties(root, "$");
        var hp = top.TryGetValue("hyperparameters", out var hpElement)
            ? ReadHyperparameters(hpElement, "$.hyperparameters")
            : Hyperparameters.Default;
        ulong block = ReadUInt64(Required(top, "block", "$"), "$.block");
        UInt128 emission = ReadAmount(Required(top, "emission", "$"), "$.emission");
        var neurons = ReadNeurons(Required(top, "neurons", "$"), "$.neurons", hp.MaxUids);
        var weights = top.TryGetValue("weights", out var w) ? ReadMatrix(w, "$.weights", neurons.Length) : SparseU16Matrix.Empty(neurons.Length);
        var bonds = top.TryGetValue("bonds", out var b) ? ReadMatrix(b, "$.bonds", neurons.Length) : SparseU16Matrix.Empty(neurons.Length);
        return new EpochInput
        {
            Hyperparameters = hp,
            Block = block,
            Emission = emission,
            Neurons = neurons,
            Weights = weights,
            Bonds = bonds,
        };
    }

    private static Hyperparameters ReadHyperparameters(JsonElement element, string path)
    {
        var hp = Hyperparameters.Default;
        foreach (var (name, value) in Properties(element, path))
        {
            string at = $"{path}.{name}";
            hp = name switch
            {
                "tempo" => hp with { Tempo = (ushort)ReadInteger(value, at, 1, ushort.MaxValue) },
                "kappa" => hp with { KappaPpm = ReadPpm(value, at) },
                "bondsMovingAverage" => hp with { BondsMovingAveragePpm = ReadPpm(value, at) },
                "bondsPenalty" => hp with { BondsPenaltyPpm = ReadPpm(value, at) },
                "ownerCut" => hp with { OwnerCutPpm = ReadPpm(value, at) },
                "maxValidators" => hp with { MaxValidators = (int)ReadInteger(value, at, 1, Hyperparameters.MaxNeurons) },
                "maxUids" => hp with { MaxUids = (int)ReadInteger(value, at, 1, Hyperparameters.MaxNeurons) },
                "activityCutoff" => hp with { ActivityCutoff = ReadUInt64(value, at) },
                "stakeThreshold" => hp with { StakeThreshold = ReadAmount(value, at) },
                "immunityPeriod" => hp with { ImmunityPeriod = ReadUInt64(value, at) },
                "weightsRateLimit" => hp with { WeightsRateLimit = ReadUInt64(value, at) },
                "commitReveal" => hp with { CommitReveal = ReadBool(value, at) },
                "yuma3" => hp with { Yuma3 = ReadBool(value, at) },
                _ => throw new CaseFormatException(at, "unknown hyperparameter"),
            };
        }
        try
        {
            hp.Validate();
        }
        catch (ArgumentException e)
        {
            throw new CaseFormatException($"{path}.{e.ParamName}", FirstLine(e.Message));
        }
        return hp;
    }

    private static Neuron[] ReadNeurons(JsonElement element, string path, int maxUids)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw new CaseFormatException(path, $"must be an array, not {Describe(element)}");
        }
        int n = element.GetArrayLength();
        if (n > maxUids)
        {
            throw new CaseFormatException(path, $"{n} neurons exceed maxUids ({maxUids})");
        }
        var neurons = new Neuron[n];
        var seen = new bool[n];
        UInt128 total = UInt128.Zero;
        int index = 0;
        foreach (var item in element.EnumerateArray())
        {
            string at = $"{path}[{index}]";
            var fields = Properties(item, at);
            int uid = (int)ReadInteger(Required(fields, "uid", at), $"{at}.uid", 0, long.MaxValue, n);
            if (seen[uid])
            {
                throw new CaseFormatException($"{at}.uid", $"duplicate uid {uid}");
            }
            seen[uid] = true;
            var stake = ReadAmount(Required(fields, "stake", at), $"{at}.stake");
            total += stake;
            if (total >= FixedPoint.AmountLimit)
            {
                throw new CaseFormatException($"{at}.stake", "the sum of stakes must be below 2^96");
            }
            neurons[uid] = new Neuron(
                stake,
                ReadUInt64(Required(fields, "lastUpdate", at), $"{at}.lastUpdate"),
                ReadUInt64(Required(fields, "registeredAt", at), $"{at}.registeredAt"));
            index++;
        }
        return neurons;
    }

    private static SparseU16Matrix ReadMatrix(JsonElement element, string path, int n)
    {
        RequireObject(element, path);
        var builder = new SparseU16Matrix.Builder(n);
        var seenRows = new bool[n];
        var seenColumns = new bool[n];
        foreach (var row in element.EnumerateObject())
        {
            // Paths are built only for an error: a dense case has a million cells.
            int validator = FastUid(row.Name, n) ?? ReadUidKey(row.Name, $"{path}['{row.Name}']", n);
            if (seenRows[validator])
            {
                throw new CaseFormatException($"{path}['{row.Name}']", "appears twice");
            }
            seenRows[validator] = true;
            RequireObject(row.Value, $"{path}['{row.Name}']");
            Array.Clear(seenColumns);
            foreach (var cell in row.Value.EnumerateObject())
            {
                int miner = FastUid(cell.Name, n) ?? ReadUidKey(cell.Name, $"{path}['{row.Name}']['{cell.Name}']", n);
                if (seenColumns[miner])
                {
                    throw new CaseFormatException($"{path}['{row.Name}']['{cell.Name}']", "appears twice");
                }
                seenColumns[miner] = true;
                ushort value = cell.Value.ValueKind == JsonValueKind.Number && cell.Value.TryGetUInt16(out ushort fast)
                    ? fast
                    : (ushort)ReadInteger(cell.Value, $"{path}['{row.Name}']['{cell.Name}']", 0, ushort.MaxValue);
                builder.Set(validator, miner, value);
            }
        }
        return builder.Build();
    }

    /// <summary>The UID a canonical key names when it is below <paramref name="n"/>; null sends the caller to the checked path.</summary>
    private static int? FastUid(string key, int n)
    {
        if (key.Length is 0 or > 5 || (key.Length > 1 && key[0] == '0'))
        {
            return null;
        }
        int uid = 0;
        foreach (char ch in key)
        {
            if (!char.IsAsciiDigit(ch))
            {
                return null;
            }
            uid = (uid * 10) + (ch - '0');
        }
        return uid < n ? uid : null;
    }

    private static void RequireObject(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new CaseFormatException(path, $"must be an object, not {Describe(element)}");
        }
    }

    private static int ReadUidKey(string key, string path, int n)
    {
        bool canonical = key.Length is > 0 and <= 5 && key.All(char.IsAsciiDigit) && (key.Length == 1 || key[0] != '0');
        if (!canonical)
        {
            throw new CaseFormatException(path, $"'{key}' is not a UID (a decimal integer without sign or leading zeros)");
        }
        int uid = int.Parse(key, NumberStyles.None, CultureInfo.InvariantCulture);
        if (uid >= n)
        {
            throw new CaseFormatException(path, $"unknown uid {uid} (the case has uids 0..{n - 1})");
        }
        return uid;
    }

    /// <summary>The object's properties; a duplicate name is an error (JSON allows it, the case format does not).</summary>
    private static Dictionary<string, JsonElement> Properties(JsonElement element, string path)
    {
        RequireObject(element, path);
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!result.TryAdd(property.Name, property.Value))
            {
                throw new CaseFormatException($"{path}['{property.Name}']", "appears twice");
            }
        }
        return result;
    }

    private static JsonElement Required(Dictionary<string, JsonElement> fields, string name, string path) =>
        fields.TryGetValue(name, out var value) ? value : throw new CaseFormatException($"{path}.{name}", "is required");

    /// <summary>A JSON integer in [min, max] (and below <paramref name="exclusiveLimit"/> when given, for UIDs).</summary>
    private static long ReadInteger(JsonElement element, string path, long min, long max, long exclusiveLimit = long.MaxValue)
    {
        if (element.ValueKind != JsonValueKind.Number)
        {
            throw new CaseFormatException(path, $"must be an integer, not {Describe(element)}");
        }
        if (!element.TryGetDecimal(out decimal value) || value != decimal.Truncate(value))
        {
            throw new CaseFormatException(path, $"must be an integer, not {element.GetRawText()}");
        }
        if (value < min || value > max)
        {
            throw new CaseFormatException(path, $"{element.GetRawText()} is out of range {min}..{max}");
        }
        if (value >= exclusiveLimit)
        {
            throw new CaseFormatException(path, $"{element.GetRawText()} is out of range 0..{exclusiveLimit - 1} (uids must be 0..n-1)");
        }
        return (long)value;
    }

    private static ulong ReadUInt64(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Number)
        {
            throw new CaseFormatException(path, $"must be a non-negative integer, not {Describe(element)}");
        }
        if (!element.TryGetUInt64(out ulong value))
        {
            throw new CaseFormatException(path, $"must be a non-negative integer below 2^64, not {element.GetRawText()}");
        }
        return value;
    }

    private static bool ReadBool(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw new CaseFormatException(path, $"must be true or false, not {Describe(element)}"),
    };

    /// <summary>An amount: a decimal string of digits below 2^96.</summary>
    private static UInt128 ReadAmount(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.String)
        {
            throw new CaseFormatException(path, $"must be a decimal string of base units (e.g. \"1000\"), not {Describe(element)}");
        }
        string text = element.GetString()!;
        if (text.Length == 0 || !text.All(char.IsAsciiDigit))
        {
            throw new CaseFormatException(path, $"\"{Truncate(text)}\" is not a non-negative integer amount (digits only)");
        }
        if (text.Length > 30 || UInt128.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture) >= FixedPoint.AmountLimit)
        {
            throw new CaseFormatException(path, $"{Truncate(text)} is too large (amounts must be below 2^96)");
        }
        return UInt128.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
    }

    /// <summary>A fraction in [0, 1] with at most 6 decimal places, as parts per million.</summary>
    private static uint ReadPpm(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDecimal(out decimal value))
        {
            throw new CaseFormatException(path, $"must be a number in [0, 1], not {Describe(element)}");
        }
        if (value < 0 || value > 1)
        {
            throw new CaseFormatException(path, $"{element.GetRawText()} is out of range [0, 1]");
        }
        decimal ppm = value * FixedPoint.Ppm;
        if (ppm != decimal.Truncate(ppm))
        {
            throw new CaseFormatException(path, $"{element.GetRawText()} has more than 6 decimal places");
        }
        return (uint)ppm;
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => $"the string \"{Truncate(element.GetString()!)}\"",
        JsonValueKind.Null => "null",
        JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
        _ => Truncate(element.GetRawText()),
    };

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private static string FirstLine(string message)
    {
        int end = message.IndexOf('\n', StringComparison.Ordinal);
        return end < 0 ? message : message[..end].TrimEnd();
    }
}
