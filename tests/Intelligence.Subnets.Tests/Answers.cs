namespace Intelligence.Subnets.Tests;

/// <summary>Builds miner responses from plain arrays, and simple plain-C# models used as honest miners.</summary>
internal static class Answers
{
    public static readonly TimeSpan Fast = TimeSpan.FromMilliseconds(20);

    public static MinerResponse Response(string hotkey, string output, long[] shape, float[] values, TimeSpan? latency = null)
        => new(hotkey, [SubnetTensor.FromFloats(output, shape, values)], latency ?? Fast) { SignedBytes = new byte[] { 1, 2, 3 } };

    public static float[] Features(SubnetQuery query) => query.Inputs[0].ToFloats();

    /// <summary>Nearest class centroid on standardised features; probabilities by softmax of -distance / temperature.</summary>
    public static float[] NearestCentroid(TabularDataset train, float[] rows, int count, double temperature)
    {
        var d = train.FeatureCount;
        var mean = new double[d];
        var sd = new double[d];
        for (var j = 0; j < d; j++)
        {
            mean[j] = train.Features.Average(r => r[j]);
            sd[j] = Math.Sqrt(train.Features.Average(r => (r[j] - mean[j]) * (r[j] - mean[j]))) + 1e-6;
        }
        var centroids = new double[train.Classes][];
        for (var c = 0; c < train.Classes; c++)
        {
            var members = Enumerable.Range(0, train.Count).Where(i => train.Labels[i] == c).ToArray();
            centroids[c] = [.. Enumerable.Range(0, d).Select(j => members.Average(i => (train.Features[i][j] - mean[j]) / sd[j]))];
        }
        var output = new float[count * train.Classes];
        for (var r = 0; r < count; r++)
        {
            var logits = new double[train.Classes];
            for (var c = 0; c < train.Classes; c++)
            {
                var dist = 0.0;
                for (var j = 0; j < d; j++)
                {
                    var z = ((rows[(r * d) + j] - mean[j]) / sd[j]) - centroids[c][j];
                    dist += z * z;
                }
                logits[c] = -Math.Sqrt(dist) / temperature;
            }
            var max = logits.Max();
            var exp = logits.Select(l => Math.Exp(l - max)).ToArray();
            var sum = exp.Sum();
            for (var c = 0; c < train.Classes; c++)
            {
                output[(r * train.Classes) + c] = (float)(exp[c] / sum);
            }
        }
        return output;
    }

    /// <summary>Random probability rows (normalised uniforms), what a miner guessing at random would send.</summary>
    public static float[] RandomProbabilities(int rows, int classes, int seed)
    {
        var rng = new Random(seed);
        var output = new float[rows * classes];
        for (var r = 0; r < rows; r++)
        {
            var u = Enumerable.Range(0, classes).Select(_ => rng.NextDouble() + 1e-3).ToArray();
            var sum = u.Sum();
            for (var c = 0; c < classes; c++)
            {
                output[(r * classes) + c] = (float)(u[c] / sum);
            }
        }
        return output;
    }
}
