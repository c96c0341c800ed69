using System.Globalization;
using System.Numerics;
using Intelligence.Chain;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Rpc;
using Intelligence.Consensus;

namespace Intelligence.Node;

/// <summary>What the C# epoch computed for one on-chain epoch, and every field where the chain disagrees.</summary>
public sealed record ParityReport(ulong Block, int Uids, EpochResult Result, IReadOnlyList<string> Differences)
{
    /// <summary>True when the chain stored exactly what <see cref="YumaEpoch"/> computes.</summary>
    public bool Ok => Differences.Count == 0;
}

/// <summary>
/// Replays an on-chain epoch with <see cref="YumaEpoch"/>: reads the state <c>runEpoch</c> saw (the block before
/// the epoch's; each call pinned to a block), runs the C# epoch on it with the emission the event reports
/// minus the keeper fee, and compares per-UID emission, incentive, dividends, consensus, validator trust,
/// permits, activity, the owner's emission and the new bonds with what the contract stored.
/// </summary>
public sealed class EpochParity(EthClient eth, Address network, uint ownerCutPpm)
{
    private readonly NetworkViewsContract _views = new(eth, network);

    /// <summary>Checks the epoch announced by <paramref name="run"/>.</summary>
    public async Task<ParityReport> CheckAsync(NetworkContract.EpochRunEvent run, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        var netuid = run.Netuid;
        var before = run.BlockNumber - 1;
        var input = await ReadInputAsync(netuid, before, run.Emission - run.KeeperFee, run.BlockNumber, ct).ConfigureAwait(false);
        var result = YumaEpoch.Run(input);

        var differences = new List<string>();
        void Expect<T>(string what, T chain, T ours)
        {
            if (!EqualityComparer<T>.Default.Equals(chain, ours))
            {
                differences.Add(string.Create(CultureInfo.InvariantCulture, $"{what}: chain {chain}, C# {ours}"));
            }
        }

        if (run.KeeperFee != run.Emission / 1000)
        {
            differences.Add(string.Create(CultureInfo.InvariantCulture, $"keeper fee: chain {run.KeeperFee}, expected emission / 1000 = {run.Emission / 1000}"));
        }
        Expect("owner emission", run.OwnerEmission, (BigInteger)result.OwnerEmission);
        var after = await _views.AtBlock(run.BlockNumber).GetMetagraphAsync(netuid, ct).ConfigureAwait(false);
        Expect("UIDs", after.Count, input.Neurons.Count);
        for (var u = 0; u < Math.Min(after.Count, input.Neurons.Count); u++)
        {
            var n = after[u];
            var uid = u.ToString(CultureInfo.InvariantCulture);
            Expect($"uid {uid} emission", n.Emission, (BigInteger)result.Emission[u]);
            Expect($"uid {uid} incentive (u16)", n.Incentive, ToU16(result.Incentive[u]));
            Expect($"uid {uid} dividends (u16)", n.Dividends, ToU16(result.Dividends[u]));
            Expect($"uid {uid} consensus (u16)", n.Consensus, ToU16(result.Consensus[u]));
            Expect($"uid {uid} validator trust (u16)", n.ValidatorTrust, ToU16(result.ValidatorTrust[u]));
            Expect($"uid {uid} validator permit", n.ValidatorPermit, result.ValidatorPermit[u]);
            Expect($"uid {uid} active", n.Active, result.Active[u]);
            var bonds = await _views.AtBlock(run.BlockNumber).GetBondsAsync(netuid, (ushort)u, ct).ConfigureAwait(false);
            for (var j = 0; j < bonds.Count; j++)
            {
                Expect($"bond [{uid}][{j.ToString(CultureInfo.InvariantCulture)}]", bonds[j], result.Bonds[u, j]);
            }
        }
        return new ParityReport(run.BlockNumber, input.Neurons.Count, result, differences);
    }

    /// <summary>
    /// The C# twin on live state: the epoch <paramref name="netuid"/> would run at <paramref name="epochBlock"/> with
    /// <paramref name="emission"/> (after the keeper fee), computed on the state at <paramref name="block"/>.
    /// </summary>
    public async Task<(EpochResult Result, int Uids)> PredictAsync(ushort netuid, ulong block, BigInteger emission, ulong epochBlock, CancellationToken ct)
    {
        var input = await ReadInputAsync(netuid, block, emission, epochBlock, ct).ConfigureAwait(false);
        return (YumaEpoch.Run(input), input.Neurons.Count);
    }

    /// <summary>The epoch input exactly as Network._epochInput assembles it at <paramref name="block"/>.</summary>
    private async Task<EpochInput> ReadInputAsync(ushort netuid, ulong block, BigInteger emission, ulong epochBlock, CancellationToken ct)
    {
        var views = _views.AtBlock(block);
        var h = await views.HyperparametersAsync(netuid, ct).ConfigureAwait(false);
        var neurons = await views.GetMetagraphAsync(netuid, ct).ConfigureAwait(false);
        var weights = new SparseU16Matrix.Builder(neurons.Count);
        var bonds = new SparseU16Matrix.Builder(neurons.Count);
        for (var i = 0; i < neurons.Count; i++)
        {
            var w = await views.GetWeightsAsync(netuid, (ushort)i, ct).ConfigureAwait(false);
            var b = await views.GetBondsAsync(netuid, (ushort)i, ct).ConfigureAwait(false);
            for (var j = 0; j < neurons.Count; j++)
            {
                weights.Set(i, j, w[j]);
                bonds.Set(i, j, b[j]);
            }
        }
        return new EpochInput
        {
            Hyperparameters = new Consensus.Hyperparameters
            {
                Tempo = (ushort)Math.Min(h.Tempo, ushort.MaxValue), // the contract bounds tempo to u16 (old-bond reset)
                Yuma3 = h.Yuma3,
                KappaPpm = h.Kappa,
                BondsMovingAveragePpm = h.BondsMovingAverage,
                BondsPenaltyPpm = h.BondsPenalty,
                MaxValidators = h.MaxValidators,
                MaxUids = h.MaxUids,
                ActivityCutoff = h.ActivityCutoff,
                OwnerCutPpm = ownerCutPpm,
                StakeThreshold = (UInt128)h.StakeThreshold,
            },
            Block = epochBlock,
            Emission = (UInt128)emission,
            // The contract uses min(stake snapshot, live pool stake): the view's effective stake.
            Neurons = neurons.Select(n => new Neuron((UInt128)n.EffectiveStake, n.LastUpdate, n.RegisteredAt)).ToArray(),
            Weights = weights.Build(),
            Bonds = bonds.Build(),
        };
    }

    /// <summary>floor(q32 * 65535 / 2^32): how the contract stores a Q32 fraction.</summary>
    private static ushort ToU16(ulong q32) => (ushort)((q32 * 65535UL) >> 32);
}
