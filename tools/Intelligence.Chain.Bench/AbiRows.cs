using System.Numerics;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Rpc;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.Contracts;
using static Intelligence.Chain.Bench.Program;

namespace Intelligence.Chain.Bench;

/// <summary>
/// ABI rows: the setWeights call, the getMetagraph answer for 256 neurons (read on new blocks by miners, validators and
/// the explorer) and an EpochRun log, each through the bindings' path (Nethereum DTOs, decoding behind the guard),
/// beside Nethereum's bare encoder (pkg) and Nethereum's typed DTO decoding. The hand-written codec they replaced
/// was measured beside them before it was deleted (docs/chain.md).
/// </summary>
internal static class AbiRows
{
    public const string SetWeightsSignature = "setWeights(uint16,uint16[],uint16[])";

    public static readonly string CastUids = "[" + string.Join(",", Enumerable.Range(0, 256)) + "]";

    public static readonly string CastWeights = "[" + string.Join(",", Enumerable.Range(0, 256).Select(Weight)) + "]";

    private static int Weight(int i) => (i * 257) % 65536;

    /// <summary>Prints the rows; returns the setWeights calldata (the transaction rows sign it).</summary>
    public static byte[] Run(double seconds, string? cast, int castCalls, bool hostile)
    {
        // setWeights: 256 uids and weights.
        var message = new NetworkContract.SetWeightsFunction
        {
            Netuid = 1, Uids = [.. Enumerable.Range(0, 256).Select(i => (ushort)i)], Weights = [.. Enumerable.Range(0, 256).Select(i => (ushort)Weight(i))],
        };
        var calldata = ContractAbi.Encode(message);
        Row("ABI encode setWeights, 256 uids+weights", Measure(seconds, () => ContractAbi.Encode(message)), Measure(seconds, () => message.GetCallData()),
            "cast calldata (process/call)", cast is null ? null : MeasureProcess(castCalls, cast, "calldata", SetWeightsSignature, "1", CastUids, CastWeights));

        // getMetagraph: 256 neurons, encoded by Nethereum's encoder from the [Struct] DTOs.
        var rng = new Random(3);
        BigInteger Big() => new(rng.NextInt64(0, long.MaxValue));
        Address Addr()
        {
            var b = new byte[20];
            rng.NextBytes(b);
            return new Address(b);
        }
        var neurons = Enumerable.Range(0, 256).Select(i => new NeuronView((ushort)i, Addr(), Addr(), Big(), Big(), new Axon(Big(), 4, 8091, 1, 100), 5, 6, i % 3 == 0, true,
            (ushort)i, 2, 3, 4, Big())).ToArray();
        var output = new NetworkViewsContract.GetMetagraphOutputDTO { List = [.. neurons.Select(n => n.ToDto())] };
        var data = new ParametersEncoder().EncodeParametersFromTypeAttributes(typeof(NetworkViewsContract.GetMetagraphOutputDTO), output);
        var layout = ContractAbi.LayoutOf<NetworkViewsContract.GetMetagraphOutputDTO>.Value;
        IReadOnlyList<NeuronView> Decode() => ContractAbi.List(ContractAbi.DecodeOutput<NetworkViewsContract.GetMetagraphOutputDTO>(data)[0].Result, NeuronView.FromDecoded);
        if (!Decode().SequenceEqual(neurons))
        {
            throw new InvalidOperationException("getMetagraph does not decode to the neurons encoded.");
        }
        var decoder = new ParameterDecoder();
        // Nethereum's decoder takes seconds to settle (tiered PGO, garbage) at a few hundred decodes per second: warm
        // up, then keep the best of three rounds.
        var warm = System.Diagnostics.Stopwatch.StartNew();
        while (warm.Elapsed < TimeSpan.FromSeconds(3))
        {
            Decode();
        }
        var chainRate = Best(() => Measure(seconds, () => Decode(), 10));
        var typedRate = Measure(seconds, () => decoder.DecodeAttributes(data, typeof(NetworkViewsContract.GetMetagraphOutputDTO)), 3);
        Row($"decode getMetagraph, 256 neurons ({data.Length / 1024} KiB)", chainRate, null, "Nethereum typed DTO decode", typedRate);
        var guardRate = Measure(seconds, () => AbiGuard.Check(layout.Shapes, data, "bench"), 10);
        Console.WriteLine($"  = {1e6 / chainRate:N0} us (of which the guard {1e6 / guardRate:N0} us) / {1e6 / typedRate:N0} us (typed) of CPU per decode");

        // An EpochRun log.
        var keeper = Addr();
        var log = new Log(Address.Zero, [NetworkContract.EpochRunEvent.Topic, ContractAbi.Encode(("uint16", (ushort)3)), ContractAbi.Encode(("uint64", 41UL))],
            ContractAbi.Encode(("uint64", 1234UL), ("uint256", Big()), ("uint256", Big()), ("uint256", Big()), ("address", keeper)), 1, new byte[32], new byte[32], 0, false);
        if (NetworkContract.EpochRunEvent.Decode(log).Keeper != keeper)
        {
            throw new InvalidOperationException("EpochRun does not decode to the keeper encoded.");
        }
        var topics = log.Topics.Select(t => (object)Hex.Encode(t)).ToArray();
        var hexData = Hex.Encode(log.Data);
        Row("decode an EpochRun log", Measure(seconds, () => NetworkContract.EpochRunEvent.Decode(log)), null,
            "Nethereum typed EventDTO decode", Measure(seconds, () => new EventTopicDecoder().DecodeTopics<NetworkContract.EpochRunEventDTO>(topics, hexData)));

        if (hostile)
        {
            Hostile(seconds);
        }
        return calldata;
    }

    private static double Best(Func<double> measure) => Enumerable.Range(0, 3).Max(_ => measure());

    /// <summary>
    /// A 96-byte getWeights answer whose uint16[] claims 2^27 + 1 elements: the guard refuses it; Nethereum alone
    /// (its length check overflows) decodes zeros until stopped.
    /// </summary>
    private static void Hostile(double seconds)
    {
        var data = new byte[96];
        data[31] = 0x20;
        data[63 - 3] = 0x08; // 2^27
        data[63] = 0x01;     // + 1
        var guard = Measure(seconds, () =>
        {
            try
            {
                ContractAbi.DecodeOutput<NetworkViewsContract.GetWeightsOutputDTO>(data);
                throw new InvalidOperationException("the guard accepted the hostile input");
            }
            catch (AbiException)
            {
            }
        });
        var before = GC.GetTotalAllocatedBytes();
        var thread = new Thread(() =>
        {
            try
            {
                new ParameterDecoder().DecodeAttributes(data, typeof(NetworkViewsContract.GetWeightsOutputDTO));
            }
            catch (Exception)
            {
                // Whatever it ends with, the point is how long and how much before that.
            }
        }) { IsBackground = true };
        var started = System.Diagnostics.Stopwatch.StartNew();
        thread.Start();
        var finished = thread.Join(TimeSpan.FromSeconds(3));
        var allocated = (GC.GetTotalAllocatedBytes() - before) / (1024.0 * 1024.0);
        Console.WriteLine($"hostile 96-byte uint16[] claiming 2^27+1 elements: guard refuses it in {1e6 / guard:N1} us; Nethereum alone " +
                          (finished ? $"returned after {started.Elapsed.TotalSeconds:N1} s" : "was still decoding after 3 s") + $", having allocated {allocated:N0} MiB");
    }
}
