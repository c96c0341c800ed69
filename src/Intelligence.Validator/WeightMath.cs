namespace Intelligence.Validator;

/// <summary>Turns moving-average scores into the u16 weights the contract takes.</summary>
public static class WeightMath
{
    /// <summary>
    /// Normalises non-negative scores: shares s_i / sum(s), each capped at <paramref name="maxWeightLimit"/> (the excess
    /// redistributed over the uncapped UIDs), then scaled so the largest is 65535 and rounded. UIDs that end at 0 are
    /// dropped. Null when fewer than <paramref name="minAllowedWeights"/> UIDs (at least one) keep a weight.
    /// </summary>
    public static (ushort[] Uids, ushort[] Weights)? Normalize(IReadOnlyList<(ushort Uid, double Score)> scores, double maxWeightLimit, int minAllowedWeights)
    {
        ArgumentNullException.ThrowIfNull(scores);
        var live = scores.Where(s => double.IsFinite(s.Score) && s.Score > 0).OrderBy(s => s.Uid).ToArray();
        var total = live.Sum(s => s.Score);
        if (live.Length == 0 || total <= 0)
        {
            return null;
        }
        var shares = live.Select(s => s.Score / total).ToArray();
        if (maxWeightLimit < 1 && maxWeightLimit * live.Length >= 1)
        {
            var capped = new bool[shares.Length];
            for (var round = 0; round < shares.Length; round++)
            {
                var over = Enumerable.Range(0, shares.Length).Where(i => !capped[i] && shares[i] > maxWeightLimit).ToArray();
                if (over.Length == 0)
                {
                    break;
                }
                foreach (var i in over)
                {
                    capped[i] = true;
                    shares[i] = maxWeightLimit;
                }
                var free = Enumerable.Range(0, shares.Length).Where(i => !capped[i]).ToArray();
                var rest = 1 - capped.Count(c => c) * maxWeightLimit;
                var freeSum = free.Sum(i => shares[i]);
                foreach (var i in free)
                {
                    shares[i] = freeSum > 0 ? shares[i] / freeSum * rest : rest / free.Length;
                }
            }
        }
        var max = shares.Max();
        var weights = shares.Select(s => (ushort)Math.Round(s / max * ushort.MaxValue)).ToArray();
        var keep = Enumerable.Range(0, live.Length).Where(i => weights[i] > 0).ToArray();
        if (keep.Length < Math.Max(1, minAllowedWeights))
        {
            return null;
        }
        return ([.. keep.Select(i => live[i].Uid)], [.. keep.Select(i => weights[i])]);
    }
}
