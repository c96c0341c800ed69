namespace Intelligence.Consensus.Tests;

/// <summary>
/// An independent float64 model of subtensor's dense epoch (pallets/subtensor/src/epoch/run_epoch.rs, <c>epoch_dense</c>),
/// written from its semantics, both bond modes (<c>Yuma3On</c> off and on), liquid alpha off. It works on the same
/// input as <see cref="YumaEpoch"/> and shares no code with it: plain dense matrices of doubles, no fixed point.
/// Where our epoch deliberately differs (docs/consensus.md section 9) the model takes our side, so that the comparison
/// measures arithmetic only: the permits an epoch masks with are the ones it hands out (subtensor masks with those of
/// the previous epoch, which are the same while stakes keep their order); money is not modelled.
/// </summary>
internal static class SubtensorModel
{
    public sealed record Result(
        double[] Stake, double[] ActiveStake, double[] Consensus, double[] ValidatorTrust, double[] Incentive, double[] Dividends,
        bool[] Permit, int[,] Bonds);

    public static Result Run(EpochInput x)
    {
        var hp = x.Hyperparameters;
        int n = x.Neurons.Count;
        ulong block = x.Block;

        // Activity: inactive when lastUpdate + cutoff < block (no overflow for our bounded inputs is assumed in
        // subtensor; here the sum is taken in decimal to stay exact).
        var active = new bool[n];
        for (int i = 0; i < n; i++)
        {
            active[i] = (decimal)x.Neurons[i].LastUpdate + hp.ActivityCutoff >= block;
        }

        // Recently registered columns: the last tempo block is at or before the registration.
        ulong lastTempo = block > hp.Tempo ? block - hp.Tempo : 0;
        var recentlyRegistered = new bool[n];
        for (int j = 0; j < n; j++)
        {
            recentlyRegistered[j] = lastTempo <= x.Neurons[j].RegisteredAt;
        }

        // Stake below the threshold is dropped, then normalised.
        var raw = new double[n];
        for (int i = 0; i < n; i++)
        {
            raw[i] = x.Neurons[i].Stake >= hp.StakeThreshold ? (double)x.Neurons[i].Stake : 0;
        }
        var stake = Normalized(raw);

        // Top-k non-zero stakes hold permits (ties to the lower UID, as our epoch breaks them).
        var permit = new bool[n];
        foreach (int i in Enumerable.Range(0, n).Where(i => raw[i] > 0).OrderByDescending(i => x.Neurons[i].Stake).ThenBy(i => i).Take(hp.MaxValidators))
        {
            permit[i] = true;
        }

        // Active stake: inactive and non-validator stake removed, normalised.
        var activeStake = Normalized(Enumerable.Range(0, n).Select(i => active[i] && permit[i] ? stake[i] : 0).ToArray());

        // Weights: rows of non-validators, the diagonal and entries older than the target's registration removed;
        // rows normalised.
        var w = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int j = 0; j < n; j++)
            {
                bool outdated = x.Neurons[i].LastUpdate <= x.Neurons[j].RegisteredAt;
                w[i, j] = permit[i] && i != j && !outdated ? x.Weights[i, j] : 0;
                sum += w[i, j];
            }
            for (int j = 0; j < n; j++)
            {
                w[i, j] = sum > 0 ? w[i, j] / sum : 0;
            }
        }

        // Consensus: per column, the stake-weighted median with majority kappa.
        double kappa = hp.KappaPpm / 1e6;
        double totalActive = activeStake.Sum();
        var consensus = new double[n];
        for (int j = 0; j < n; j++)
        {
            consensus[j] = Median(activeStake, w, j, kappa * totalActive);
        }

        // Clip at consensus; validator trust; ranks and incentive.
        var clipped = new double[n, n];
        var trust = new double[n];
        var ranks = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                clipped[i, j] = Math.Min(w[i, j], consensus[j]);
                trust[i] += clipped[i, j];
                ranks[j] += clipped[i, j] * activeStake[i];
            }
        }
        var incentive = Normalized(ranks);

        // Bond weights interpolate between the weights and the clipped weights by the bonds penalty.
        double beta = hp.BondsPenaltyPpm / 1e6;
        double alpha = 1 - (hp.BondsMovingAveragePpm / 1e6);
        var wb = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                wb[i, j] = ((1 - beta) * w[i, j]) + (beta * clipped[i, j]);
            }
        }

        var ema = new double[n, n];
        double[] dividends;
        var stored = new int[n, n];
        if (hp.Yuma3)
        {
            // Bonds as fixed proportions of u16; the EMA moves each pair towards its bond weight.
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double old = recentlyRegistered[j] ? 0 : x.Bonds[i, j] / 65535.0;
                    ema[i, j] = (alpha * wb[i, j]) + ((1 - alpha) * old);
                }
            }
            var normalised = ColumnNormalized(ema);
            var bonded = new double[n];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    bonded[i] += normalised[i, j] * incentive[j];
                }
            }
            dividends = Normalized(Enumerable.Range(0, n).Select(i => bonded[i] * activeStake[i]).ToArray());
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    stored[i, j] = permit[i] ? (int)Math.Floor(ema[i, j] * 65535) : 0;
                }
            }
        }
        else
        {
            // Original Yuma: old bonds (raw u16) without recently registered columns, column-normalised; the delta
            // W_b o S column-normalised; their EMA column-normalised; dividends = B^T I.
            var old = new double[n, n];
            var delta = new double[n, n];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    old[i, j] = recentlyRegistered[j] ? 0 : x.Bonds[i, j];
                    delta[i, j] = wb[i, j] * activeStake[i];
                }
            }
            old = ColumnNormalized(old);
            delta = ColumnNormalized(delta);
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    ema[i, j] = (alpha * delta[i, j]) + ((1 - alpha) * old[i, j]);
                }
            }
            ema = ColumnNormalized(ema);
            var d = new double[n];
            for (int i = 0; i < n; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    d[i] += ema[i, j] * incentive[j];
                }
            }
            dividends = Normalized(d);
            // Stored: column max-upscaled; only rows that keep a permit keep their bonds.
            for (int j = 0; j < n; j++)
            {
                double max = 0;
                for (int i = 0; i < n; i++)
                {
                    max = Math.Max(max, ema[i, j]);
                }
                for (int i = 0; i < n; i++)
                {
                    stored[i, j] = permit[i] && max > 0 ? (int)Math.Floor(ema[i, j] / max * 65535) : 0;
                }
            }
        }

        return new Result(stake, activeStake, consensus, trust, incentive, dividends, permit, stored);
    }

    /// <summary>The largest weight v of column j (0 included) whose supporters (weight >= v) hold at least <paramref name="need"/>.</summary>
    private static double Median(double[] stake, double[,] w, int j, double need)
    {
        int n = stake.Length;
        var entries = Enumerable.Range(0, n).Where(i => stake[i] > 0).Select(i => (weight: w[i, j], stake: stake[i]))
            .OrderByDescending(e => e.weight).ToList();
        double acc = 0;
        for (int e = 0; e < entries.Count; e++)
        {
            acc += entries[e].stake;
            bool groupEnds = e + 1 == entries.Count || entries[e + 1].weight != entries[e].weight;
            // A relative slack of 1e-12 absorbs the float summation order at kappa = 1.
            if (groupEnds && acc >= need * (1 - 1e-12))
            {
                return entries[e].weight;
            }
        }
        return 0;
    }

    private static double[] Normalized(double[] v)
    {
        double sum = v.Sum();
        return v.Select(x => sum > 0 ? x / sum : 0).ToArray();
    }

    private static double[,] ColumnNormalized(double[,] m)
    {
        int n = m.GetLength(0);
        var result = new double[n, n];
        for (int j = 0; j < n; j++)
        {
            double sum = 0;
            for (int i = 0; i < n; i++)
            {
                sum += m[i, j];
            }
            for (int i = 0; i < n; i++)
            {
                result[i, j] = sum > 0 ? m[i, j] / sum : 0;
            }
        }
        return result;
    }
}
