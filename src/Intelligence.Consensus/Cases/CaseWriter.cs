using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Intelligence.Consensus.Cases;

/// <summary>Writes cases and results in the public JSON formats of docs/consensus.md (deterministic, byte for byte).</summary>
public static class CaseWriter
{

    /// <summary>The result as JSON (section 6): neurons by UID, exact emissions, owner emission and new bonds.</summary>
    public static string WriteResult(EpochResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Write(indented: true, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartArray("neurons");
            for (int u = 0; u < result.Emission.Length; u++)
            {
                writer.WriteStartObject();
                writer.WriteNumber("uid", u);
                writer.WriteBoolean("active", result.Active[u]);
                writer.WriteBoolean("validatorPermit", result.ValidatorPermit[u]);
                WriteFraction(writer, "consensus", result.Consensus[u]);
                WriteFraction(writer, "validatorTrust", result.ValidatorTrust[u]);
                WriteFraction(writer, "incentive", result.Incentive[u]);
                WriteFraction(writer, "dividends", result.Dividends[u]);
                writer.WriteString("emission", Amount(result.Emission[u]));
                writer.WriteStartObject("q32");
                writer.WriteNumber("stake", result.Stake[u]);
                writer.WriteNumber("activeStake", result.ActiveStake[u]);
                writer.WriteNumber("rank", result.Rank[u]);
                writer.WriteNumber("consensus", result.Consensus[u]);
                writer.WriteNumber("validatorTrust", result.ValidatorTrust[u]);
                writer.WriteNumber("incentive", result.Incentive[u]);
                writer.WriteNumber("dividends", result.Dividends[u]);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteString("ownerEmission", Amount(result.OwnerEmission));
            WriteMatrix(writer, "bonds", result.Bonds);
            writer.WriteEndObject();
        });
    }

    /// <summary>The input as a case file (section 5), every hyperparameter written out; compact drops the indentation.</summary>
    public static string WriteCase(EpochInput input, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(input);
        var hp = input.Hyperparameters;
        return Write(indented, writer =>
        {
            writer.WriteStartObject();
            writer.WriteStartObject("hyperparameters");
            writer.WriteNumber("tempo", hp.Tempo);
            WritePpm(writer, "kappa", hp.KappaPpm);
            WritePpm(writer, "bondsMovingAverage", hp.BondsMovingAveragePpm);
            WritePpm(writer, "bondsPenalty", hp.BondsPenaltyPpm);
            writer.WriteNumber("maxValidators", hp.MaxValidators);
            writer.WriteNumber("maxUids", hp.MaxUids);
            writer.WriteNumber("activityCutoff", hp.ActivityCutoff);
            WritePpm(writer, "ownerCut", hp.OwnerCutPpm);
            writer.WriteString("stakeThreshold", Amount(hp.StakeThreshold));
            writer.WriteNumber("immunityPeriod", hp.ImmunityPeriod);
            writer.WriteNumber("weightsRateLimit", hp.WeightsRateLimit);
            writer.WriteBoolean("commitReveal", hp.CommitReveal);
            writer.WriteBoolean("yuma3", hp.Yuma3);
            writer.WriteEndObject();
            writer.WriteNumber("block", input.Block);
            writer.WriteString("emission", Amount(input.Emission));
            writer.WriteStartArray("neurons");
            for (int u = 0; u < input.Neurons.Count; u++)
            {
                var neuron = input.Neurons[u];
                writer.WriteStartObject();
                writer.WriteNumber("uid", u);
                writer.WriteString("stake", Amount(neuron.Stake));
                writer.WriteNumber("lastUpdate", neuron.LastUpdate);
                writer.WriteNumber("registeredAt", neuron.RegisteredAt);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            WriteMatrix(writer, "weights", input.Weights);
            WriteMatrix(writer, "bonds", input.Bonds);
            writer.WriteEndObject();
        });
    }

    /// <summary>An amount as the case format writes it: a decimal string of base units.</summary>
    public static string Amount(UInt128 value) => value.ToString(CultureInfo.InvariantCulture);

    private static void WriteMatrix(Utf8JsonWriter writer, string name, SparseU16Matrix matrix)
    {
        writer.WriteStartObject(name);
        Span<char> key = stackalloc char[11];
        for (int r = 0; r < matrix.Size; r++)
        {
            var cols = matrix.Columns(r);
            if (cols.IsEmpty)
            {
                continue;
            }
            var vals = matrix.Values(r);
            r.TryFormat(key, out int length, provider: CultureInfo.InvariantCulture);
            writer.WriteStartObject(key[..length]);
            for (int e = 0; e < cols.Length; e++)
            {
                cols[e].TryFormat(key, out length, provider: CultureInfo.InvariantCulture);
                writer.WriteNumber(key[..length], vals[e]);
            }
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    private static void WriteFraction(Utf8JsonWriter writer, string name, ulong q32)
    {
        writer.WritePropertyName(name);
        writer.WriteRawValue(FixedPoint.ToDecimalString(q32), skipInputValidation: true);
    }

    private static void WritePpm(Utf8JsonWriter writer, string name, uint ppm)
    {
        writer.WritePropertyName(name);
        writer.WriteRawValue((ppm / (decimal)FixedPoint.Ppm).ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
    }

    private static string Write(bool indented, Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            body(writer);
        }
        buffer.Write("\n"u8);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
