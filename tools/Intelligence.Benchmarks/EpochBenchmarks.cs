using BenchmarkDotNet.Attributes;
using Intelligence.Consensus;
using Intelligence.Consensus.Cases;

namespace Intelligence.Benchmarks;

/// <summary>
/// One Yuma epoch on dense synthetic subnets (every validator weights every UID and holds bonds on it).
/// Targets on one core: 256x64 under 1 ms, 4096x256 under 100 ms. <see cref="ParseAndRun"/> is the whole
/// <c>epoch simulate</c> path (JSON in, result out) next to the bare epoch.
/// </summary>
[MemoryDiagnoser]
public class EpochBenchmarks
{
    private EpochInput _input = null!;
    private string _json = null!;

    /// <summary>Subnet shape: UIDs x validators.</summary>
    [Params("256x64", "1024x128", "4096x256")]
    public string Shape { get; set; } = "256x64";

    /// <summary>Builds the case once per shape.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var parts = Shape.Split('x');
        _input = SyntheticCases.Dense(int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture), seed: 1);
        _json = CaseWriter.WriteCase(_input, indented: false);
    }

    /// <summary>The epoch alone.</summary>
    [Benchmark(Baseline = true)]
    public EpochResult Run() => YumaEpoch.Run(_input);

    /// <summary>Parse the case JSON, run the epoch, write the result JSON.</summary>
    [Benchmark]
    public string ParseAndRun() => CaseWriter.WriteResult(YumaEpoch.Run(CaseReader.Parse(_json)));
}
