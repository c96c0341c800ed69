using System.Globalization;
using System.Numerics;
using Intelligence.Consensus;
using Intelligence.Consensus.Cases;

namespace Intelligence.Explorer.Indexing;

/// <summary>What the chain credited in one epoch, the state it ran on, and whether the C# twin agrees.</summary>
public sealed record EpochRecord
{
    /// <summary>The EpochRun event.</summary>
    public required EpochRun Run { get; init; }

    /// <summary>The metagraph right after the epoch (what the chain credited and stored).</summary>
    public required IReadOnlyList<NeuronState> After { get; init; }

    /// <summary>The weights matrix the epoch ran on (row = validator UID, one u16 per UID).</summary>
    public required ushort[][] Weights { get; init; }

    /// <summary>The bonds the epoch stored (row = validator UID).</summary>
    public required ushort[][] Bonds { get; init; }

    /// <summary>The registration burn right after the epoch.</summary>
    public required BigInteger Burn { get; init; }

    /// <summary>The token's total supply right after the epoch.</summary>
    public required BigInteger Supply { get; init; }

    /// <summary>Issuance accrued by the ledger right after the epoch.</summary>
    public required BigInteger Issuance { get; init; }

    /// <summary>The case file (docs/consensus.md section 5) that reproduces the epoch, or null when it could not be read.</summary>
    public string? Case { get; init; }

    /// <summary>"identical", "differs" or "unavailable".</summary>
    public required string Verdict { get; init; }

    /// <summary>Each field where the chain and the C# epoch disagree, or why the replay could not run.</summary>
    public required IReadOnlyList<string> Differences { get; init; }
}

/// <summary>
/// Replays an on-chain epoch with <see cref="YumaEpoch"/>: reads the state <c>runEpoch</c> saw (the block before the
/// epoch's), builds the same input the contract assembles (effective stake, last update, registration block, weights,
/// bonds, the event's emission minus the keeper fee), and compares the C# result with what the chain stored.
/// </summary>
public sealed class EpochReplay(ChainReader chain, uint ownerCutPpm)
{
    /// <summary>Reads and checks the epoch announced by <paramref name="run"/>.</summary>
    public async Task<EpochRecord> ReplayAsync(EpochRun run, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(run);
        var block = run.Block;
        var after = await chain.MetagraphAsync(run.Netuid, block, ct).ConfigureAwait(false);
        var bondsAfter = await RowsAsync(after.Count, u => chain.BondsRowAsync(run.Netuid, u, block, ct)).ConfigureAwait(false);
        var burn = await chain.BurnCostAsync(run.Netuid, block, ct).ConfigureAwait(false);
        var supply = await chain.TotalSupplyAsync(block, ct).ConfigureAwait(false);
        var issuance = await chain.AccruedIssuanceAsync(block, ct).ConfigureAwait(false);

        var before = block - 1;
        var parameters = await chain.ParametersAsync(run.Netuid, before, ct).ConfigureAwait(false);
        var neurons = await chain.MetagraphAsync(run.Netuid, before, ct).ConfigureAwait(false);
        var weights = await RowsAsync(neurons.Count, u => chain.WeightsRowAsync(run.Netuid, u, before, ct)).ConfigureAwait(false);
        var bondsBefore = await RowsAsync(neurons.Count, u => chain.BondsRowAsync(run.Netuid, u, before, ct)).ConfigureAwait(false);

        var input = new EpochInput
        {
            Hyperparameters = new Hyperparameters
            {
                Tempo = (ushort)Math.Min(parameters.Tempo, ushort.MaxValue), // informational for the epoch itself
                KappaPpm = parameters.Kappa,
                BondsMovingAveragePpm = parameters.BondsMovingAverage,
                BondsPenaltyPpm = parameters.BondsPenalty,
                MaxValidators = parameters.MaxValidators,
                MaxUids = parameters.MaxUids,
                ActivityCutoff = parameters.ActivityCutoff,
                OwnerCutPpm = ownerCutPpm,
                StakeThreshold = (UInt128)parameters.StakeThreshold,
                ImmunityPeriod = parameters.ImmunityPeriod,
                WeightsRateLimit = parameters.WeightsRateLimit,
                CommitReveal = parameters.CommitReveal,
            },
            Block = block,
            Emission = (UInt128)(run.Emission - run.KeeperFee),
            // The contract uses min(stake snapshot, live pool stake): the view's effective stake.
            Neurons = neurons.Select(n => new Neuron((UInt128)n.EffectiveStake, n.LastUpdate, n.RegisteredAt)).ToArray(),
            Weights = ToMatrix(weights),
            Bonds = ToMatrix(bondsBefore),
        };
        var result = YumaEpoch.Run(input);
        var differences = Compare(run, after, bondsAfter, neurons.Count, result);
        return new EpochRecord
        {
            Run = run,
            After = after,
            Weights = weights,
            Bonds = bondsAfter,
            Burn = burn,
            Supply = supply,
            Issuance = issuance,
            Case = CaseWriter.WriteCase(input),
            Verdict = differences.Count == 0 ? "identical" : "differs",
            Differences = differences,
        };
    }

    /// <summary>
    /// The record of an epoch whose state the node cannot serve (a pruned node answers an error for old blocks): the
    /// event's figures only, verdict "unavailable" with the node's reason.
    /// </summary>
    public static EpochRecord Unavailable(EpochRun run, string reason)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new EpochRecord
        {
            Run = run,
            After = [],
            Weights = [],
            Bonds = [],
            Burn = BigInteger.Zero,
            Supply = BigInteger.Zero,
            Issuance = BigInteger.Zero,
            Case = null,
            Verdict = "unavailable",
            Differences = [string.Create(CultureInfo.InvariantCulture, $"the node did not serve the state at blocks {run.Block - 1} and {run.Block}: {reason}")],
        };
    }

    /// <summary>Each field where the chain's stored result differs from <paramref name="result"/>.</summary>
    internal static List<string> Compare(EpochRun run, IReadOnlyList<NeuronState> after, ushort[][] bondsAfter, int inputCount, EpochResult result)
    {
        var differences = new List<string>();
        void Expect<T>(string what, T chain, T ours)
        {
            if (!EqualityComparer<T>.Default.Equals(chain, ours))
            {
                differences.Add(string.Create(CultureInfo.InvariantCulture, $"{what}: chain {chain}, C# {ours}"));
            }
        }

        Expect("keeper fee", run.KeeperFee, run.Emission / 1000);
        Expect("owner emission", run.OwnerEmission, (BigInteger)result.OwnerEmission);
        Expect("UIDs", after.Count, inputCount);
        for (var u = 0; u < Math.Min(after.Count, inputCount); u++)
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
            for (var j = 0; j < bondsAfter[u].Length && j < inputCount; j++)
            {
                Expect($"bond [{uid}][{j.ToString(CultureInfo.InvariantCulture)}]", bondsAfter[u][j], result.Bonds[u, j]);
            }
        }
        return differences;
    }

    /// <summary>floor(q32 * 65535 / 2^32): how the contract stores a Q32 fraction.</summary>
    internal static ushort ToU16(ulong q32) => (ushort)((q32 * 65535UL) >> 32);

    private static SparseU16Matrix ToMatrix(ushort[][] rows)
    {
        var builder = new SparseU16Matrix.Builder(rows.Length);
        for (var i = 0; i < rows.Length; i++)
        {
            for (var j = 0; j < rows[i].Length && j < rows.Length; j++)
            {
                builder.Set(i, j, rows[i][j]);
            }
        }
        return builder.Build();
    }

    private static async Task<ushort[][]> RowsAsync(int count, Func<ushort, Task<ushort[]>> read)
    {
        var rows = new ushort[count][];
        for (var u = 0; u < count; u++)
        {
            rows[u] = await read((ushort)u).ConfigureAwait(false);
        }
        return rows;
    }
}
