using System.Numerics;

namespace Intelligence.Consensus.Tests;

/// <summary>
/// A second, deliberately naive implementation of docs/consensus.md: dense n x n matrices, BigInteger arithmetic,
/// a brute-force median (try every candidate value). It shares no code with YumaEpoch, so agreement on random cases
/// checks both the optimised implementation and that the document says enough to reproduce it.
/// </summary>
internal static class SpecModel
{
    private static readonly BigInteger One = BigInteger.One << 32;
    private const int Ppm = 1_000_000;

    public static EpochResult Run(EpochInput x)
    {
        var hp = x.Hyperparameters;
        int n = x.Neurons.Count;
        BigInteger block = x.Block;

        var active = new bool[n];
        var st = new BigInteger[n];
        for (int i = 0; i < n; i++)
        {
            var neuron = x.Neurons[i];
            active[i] = (BigInteger)neuron.LastUpdate + hp.ActivityCutoff >= block;
            st[i] = neuron.Stake >= hp.StakeThreshold ? (BigInteger)neuron.Stake : BigInteger.Zero;
        }
        var stakeQ = Normalize(st);

        var byStake = Enumerable.Range(0, n).Where(i => !st[i].IsZero).OrderByDescending(i => st[i]).ThenBy(i => i).ToList();
        var permit = new bool[n];
        foreach (int i in byStake.Take(hp.MaxValidators))
        {
            permit[i] = true;
        }
        var activeQ = Normalize(Enumerable.Range(0, n).Select(i => active[i] && permit[i] ? st[i] : BigInteger.Zero).ToArray());

        bool Kept(int i, int j) => permit[i] && i != j && x.Neurons[i].LastUpdate > x.Neurons[j].RegisteredAt;

        var w = new BigInteger[n, n];
        for (int i = 0; i < n; i++)
        {
            BigInteger rowSum = 0;
            for (int j = 0; j < n; j++)
            {
                rowSum += Kept(i, j) ? x.Weights[i, j] : 0;
            }
            for (int j = 0; j < n; j++)
            {
                w[i, j] = rowSum.IsZero || !Kept(i, j) ? 0 : x.Weights[i, j] * One / rowSum;
            }
        }

        BigInteger total = activeQ.Aggregate(BigInteger.Zero, (s, v) => s + v);
        var consensus = new BigInteger[n];
        for (int j = 0; j < n; j++)
        {
            if (total.IsZero)
            {
                continue;
            }
            var candidates = Enumerable.Range(0, n).Where(i => !activeQ[i].IsZero).Select(i => w[i, j]).Append(BigInteger.Zero);
            consensus[j] = candidates
                .Where(v => Ppm * Enumerable.Range(0, n).Where(i => !activeQ[i].IsZero && w[i, j] >= v).Aggregate(BigInteger.Zero, (s, i) => s + activeQ[i]) >= hp.KappaPpm * total)
                .Max();
        }

        var clipped = new BigInteger[n, n];
        var trust = new BigInteger[n];
        var rank = new BigInteger[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                clipped[i, j] = BigInteger.Min(w[i, j], consensus[j]);
                trust[i] += clipped[i, j];
                rank[j] += activeQ[i] * clipped[i, j];
            }
        }
        var incentive = Normalize(rank);

        BigInteger beta = hp.BondsPenaltyPpm;
        BigInteger alpha = Ppm - hp.BondsMovingAveragePpm;
        bool Recent(int j) => (BigInteger)x.Neurons[j].RegisteredAt + hp.Tempo >= block;
        var delta = new BigInteger[n, n];
        var old = new BigInteger[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                var bondWeight = (((Ppm - beta) * w[i, j]) + (beta * clipped[i, j])) / Ppm;
                delta[i, j] = hp.Yuma3 ? bondWeight : activeQ[i] * bondWeight;
                old[i, j] = Recent(j) ? 0 : hp.Yuma3 ? x.Bonds[i, j] * One / 65535 : x.Bonds[i, j];
            }
        }
        if (!hp.Yuma3)
        {
            ColumnNormalize(delta);
            ColumnNormalize(old);
        }
        var ema = new BigInteger[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                ema[i, j] = ((alpha * delta[i, j]) + ((Ppm - alpha) * old[i, j])) / Ppm;
            }
        }
        var bonds = (BigInteger[,])ema.Clone();
        ColumnNormalize(bonds);

        var d = new BigInteger[n];
        var newBonds = new SparseU16Matrix.Builder(n);
        for (int j = 0; j < n; j++)
        {
            BigInteger max = 0;
            for (int i = 0; i < n; i++)
            {
                max = BigInteger.Max(max, ema[i, j]);
            }
            for (int i = 0; i < n; i++)
            {
                d[i] += bonds[i, j] * rank[j];
                if (permit[i])
                {
                    newBonds.Set(i, j, (ushort)(hp.Yuma3 ? ema[i, j] * 65535 / One : max.IsZero ? 0 : ema[i, j] * 65535 / max));
                }
            }
        }
        if (hp.Yuma3)
        {
            for (int i = 0; i < n; i++)
            {
                d[i] = d[i] * activeQ[i] / One;
            }
        }
        var dividends = Normalize(d);

        // Money.
        BigInteger e = (BigInteger)x.Emission;
        BigInteger rest = e - (e * hp.OwnerCutPpm / Ppm);
        BigInteger sumI = Sum(incentive), sumD = Sum(dividends);
        BigInteger pm = 0, pv = 0;
        var v = dividends;
        if (sumI > 0 && sumD > 0)
        {
            pm = rest / 2;
            pv = rest - pm;
        }
        else if (sumI > 0)
        {
            pm = rest;
        }
        else
        {
            v = Sum(activeQ) > 0 ? activeQ : stakeQ;
            pv = Sum(v) > 0 ? rest : 0;
        }
        BigInteger sumV = Sum(v);
        var emission = new UInt128[n];
        BigInteger paid = 0;
        for (int u = 0; u < n; u++)
        {
            BigInteger amount = (pm.IsZero ? 0 : pm * incentive[u] / sumI) + (pv.IsZero ? 0 : pv * v[u] / sumV);
            emission[u] = (UInt128)amount;
            paid += amount;
        }

        return new EpochResult
        {
            Active = active,
            ValidatorPermit = permit,
            Stake = ToUlong(stakeQ),
            ActiveStake = ToUlong(activeQ),
            Rank = rank.Select(r => (ulong)(r / One)).ToArray(),
            Consensus = ToUlong(consensus),
            ValidatorTrust = ToUlong(trust),
            Incentive = ToUlong(incentive),
            Dividends = ToUlong(dividends),
            Emission = emission,
            OwnerEmission = (UInt128)(e - paid),
            Bonds = newBonds.Build(),
        };
    }

    private static BigInteger Sum(BigInteger[] v) => v.Aggregate(BigInteger.Zero, (s, x) => s + x);

    private static BigInteger[] Normalize(BigInteger[] v)
    {
        var s = Sum(v);
        return v.Select(x => s.IsZero ? BigInteger.Zero : x * One / s).ToArray();
    }

    private static void ColumnNormalize(BigInteger[,] m)
    {
        int n = m.GetLength(0);
        for (int j = 0; j < n; j++)
        {
            BigInteger s = 0;
            for (int i = 0; i < n; i++)
            {
                s += m[i, j];
            }
            for (int i = 0; i < n; i++)
            {
                m[i, j] = s.IsZero ? 0 : m[i, j] * One / s;
            }
        }
    }

    private static ulong[] ToUlong(BigInteger[] v) => v.Select(x => (ulong)x).ToArray();
}
