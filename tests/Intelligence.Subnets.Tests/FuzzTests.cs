using Intelligence.Subnets.Diagnosis;
using Intelligence.Subnets.Digits;
using Intelligence.Subnets.Forecast;

namespace Intelligence.Subnets.Tests;

/// <summary>Seeded fuzzing of the scoring path: arbitrary responses never crash scoring and always get a score in [0,1].</summary>
public sealed class FuzzTests
{
    public static TheoryData<string> Subnets => ["digits", "diagnosis", "forecast"];

    [Theory]
    [MemberData(nameof(Subnets))]
    public void Score_ArbitraryResponses_NeverThrowsAndStaysInUnitInterval(string name)
    {
        ISubnet subnet = name switch
        {
            "digits" => new DigitsSubnet(),
            "diagnosis" => new DiagnosisSubnet(),
            _ => new ForecastSubnet(),
        };
        var rng = new Random(name.Length);
        var types = Enum.GetValues<TensorElementType>();
        var output = subnet.Schema.Outputs[0];
        for (var round = 0; round < 100; round++)
        {
            var q = subnet.CreateQueryBatch(rng);
            if (subnet is ForecastSubnet f)
            {
                f.Advance(f.Options.Horizon);
            }
            var responses = new List<MinerResponse>();
            for (var m = 0; m < 8; m++)
            {
                var type = rng.Next(3) == 0 ? types[rng.Next(types.Length)] : TensorElementType.Float32;
                long[] shape = rng.Next(3) == 0
                    ? [.. Enumerable.Range(0, rng.Next(0, 4)).Select(_ => (long)rng.Next(0, 12))]
                    : output.ShapeFor(q.BatchSize);
                var count = shape.Aggregate(1L, (a, d) => a * d);
                var bytes = new byte[count * TensorElementTypes.SizeOf(type)];
                rng.NextBytes(bytes);
                if (rng.Next(2) == 0 && type == TensorElementType.Float32)
                {
                    // Plausible values (often valid probabilities) rather than raw bit patterns.
                    var values = Enumerable.Range(0, (int)count).Select(_ => (float)rng.NextDouble()).ToArray();
                    Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
                }
                var name2 = rng.Next(5) == 0 ? "x" : output.Name;
                responses.Add(new MinerResponse($"m{m}", [new SubnetTensor(name2, type, shape, bytes)], TimeSpan.FromMilliseconds(rng.Next(0, 20_000))));
            }

            var scores = subnet.Score(q, responses);

            Assert.Equal(responses.Count, scores.Count);
            Assert.All(scores, s => Assert.InRange(s.Score, 0.0, 1.0));
            Assert.All(scores.Where(s => s.Reason != ScoreReason.Scored), s => Assert.Equal(0.0, s.Score));
        }
    }
}
