using System.Numerics;
using Intelligence.Chain.Abi;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Rpc;
using Nethereum.ABI.FunctionEncoding;
using static Intelligence.Chain.Bench.Program;

namespace Intelligence.Chain.Bench;

/// <summary>
/// ABI rows: the setWeights call, the getMetagraph answer for 256 neurons (read on new blocks by miners, validators and
/// the explorer) and an EpochRun log, each through the bindings' path (Nethereum DTOs, decoding guarded) beside the
/// hand-written codec it replaced and beside Nethereum's own typed decoding.
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
        var oldSetWeights = AbiFunction.Parse("function setWeights(uint16 netuid, uint16[] uids, uint16[] weights)");
        var oldUids = Enumerable.Range(0, 256).Select(i => (object?)(BigInteger)i).ToArray();
        var oldWeights = Enumerable.Range(0, 256).Select(i => (object?)(BigInteger)Weight(i)).ToArray();
        var message = new NetworkContract.SetWeightsFunction
        {
            Netuid = 1, Uids = [.. Enumerable.Range(0, 256).Select(i => (ushort)i)], Weights = [.. Enumerable.Range(0, 256).Select(i => (ushort)Weight(i))],
        };
        var calldata = ContractAbi.Encode(message);
        Same(oldSetWeights.EncodeCall((BigInteger)1, oldUids, oldWeights), calldata, "setWeights calldata");
        Row("ABI encode setWeights, 256 uids+weights", Measure(seconds, () => oldSetWeights.EncodeCall((BigInteger)1, oldUids, oldWeights)), Measure(seconds, () => ContractAbi.Encode(message)),
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
        var oldGetMetagraph = AbiFunction.Parse("function getMetagraph(uint16 netuid) view returns ((uint16,address,address,uint256,uint256,(uint128,uint8,uint16,uint32,uint64),uint64,uint64,bool,bool,uint16,uint16,uint16,uint16,uint256)[])");
        IReadOnlyList<NeuronView> Old() => ((object?[])oldGetMetagraph.DecodeOutput(data)[0]!).Select(OldNeuron).ToArray();
        IReadOnlyList<NeuronView> New() => ContractAbi.List(ContractAbi.DecodeOutput<NetworkViewsContract.GetMetagraphOutputDTO>(data)[0].Result, NeuronView.FromDecoded);
        if (!Old().SequenceEqual(neurons) || !New().SequenceEqual(neurons))
        {
            throw new InvalidOperationException("getMetagraph decodes differ.");
        }
        var decoder = new ParameterDecoder();
        var oldRate = Measure(seconds, () => Old(), 10);
        var newRate = Measure(seconds, () => New(), 10);
        var typedRate = Measure(seconds, () => decoder.DecodeAttributes(data, typeof(NetworkViewsContract.GetMetagraphOutputDTO)), 3);
        Row($"decode getMetagraph, 256 neurons ({data.Length / 1024} KiB)", oldRate, newRate, "Nethereum typed DTO decode", typedRate);
        var guardRate = Measure(seconds, () => AbiGuard.Check(ContractAbi.LayoutOf<NetworkViewsContract.GetMetagraphOutputDTO>.Value.Shapes, data, "bench"), 10);
        Console.WriteLine($"  = {1e6 / oldRate:N0} us (old) / {1e6 / newRate:N0} us (new, of which the guard {1e6 / guardRate:N0} us) / {1e6 / typedRate:N0} us (typed) of CPU per decode");

        // An EpochRun log.
        var keeper = Addr();
        var log = new Log(Address.Zero, [NetworkContract.EpochRunEvent.Topic, ContractAbi.Encode(("uint16", (ushort)3)), ContractAbi.Encode(("uint64", 41UL))],
            ContractAbi.Encode(("uint64", 1234UL), ("uint256", Big()), ("uint256", Big()), ("uint256", Big()), ("address", keeper)), 1, new byte[32], new byte[32], 0, false);
        var oldEvent = AbiEvent.Parse("event EpochRun(uint16 indexed netuid, uint64 indexed epoch, uint64 blockNumber, uint256 emission, uint256 keeperFee, uint256 ownerEmission, address keeper)");
        NetworkContract.EpochRunEvent OldEvent()
        {
            var d = oldEvent.Decode(log.Topics, log.Data);
            return new NetworkContract.EpochRunEvent((ushort)(BigInteger)d.Values[0]!, (ulong)(BigInteger)d.Values[1]!, (ulong)(BigInteger)d.Values[2]!, (BigInteger)d.Values[3]!,
                (BigInteger)d.Values[4]!, (BigInteger)d.Values[5]!, (Address)d.Values[6]!);
        }
        if (OldEvent() != NetworkContract.EpochRunEvent.Decode(log) || NetworkContract.EpochRunEvent.Decode(log).Keeper != keeper)
        {
            throw new InvalidOperationException("EpochRun decodes differ.");
        }
        var topics = log.Topics.Select(t => (object)Hex.Encode(t)).ToArray();
        var hexData = Hex.Encode(log.Data);
        Row("decode an EpochRun log", Measure(seconds, () => OldEvent()), Measure(seconds, () => NetworkContract.EpochRunEvent.Decode(log)),
            "Nethereum typed EventDTO decode", Measure(seconds, () => new EventTopicDecoder().DecodeTopics<NetworkContract.EpochRunEventDTO>(topics, hexData)));

        if (hostile)
        {
            Hostile(seconds);
        }
        return calldata;
    }

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

    private static void Same(byte[] a, byte[] b, string what)
    {
        if (!a.AsSpan().SequenceEqual(b))
        {
            throw new InvalidOperationException($"{what}: the old codec and Nethereum differ.");
        }
    }

    /// <summary>The old generated NeuronView.FromAbi, over the old codec's object?[] tree.</summary>
    private static NeuronView OldNeuron(object? value)
    {
        var t = (object?[])value!;
        var a = (object?[])t[5]!;
        return new NeuronView((ushort)(BigInteger)t[0]!, (Address)t[1]!, (Address)t[2]!, (BigInteger)t[3]!, (BigInteger)t[4]!,
            new Axon((BigInteger)a[0]!, (byte)(BigInteger)a[1]!, (ushort)(BigInteger)a[2]!, (uint)(BigInteger)a[3]!, (ulong)(BigInteger)a[4]!),
            (ulong)(BigInteger)t[6]!, (ulong)(BigInteger)t[7]!, (bool)t[8]!, (bool)t[9]!, (ushort)(BigInteger)t[10]!, (ushort)(BigInteger)t[11]!,
            (ushort)(BigInteger)t[12]!, (ushort)(BigInteger)t[13]!, (BigInteger)t[14]!);
    }
}
