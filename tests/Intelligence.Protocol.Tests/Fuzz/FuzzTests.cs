using System.Globalization;

namespace Intelligence.Protocol.Tests.Fuzz;

/// <summary>Smoke-runs the fuzz target in the normal suite; INTELLIGENCE_FUZZ_ITERATIONS runs it longer.</summary>
public sealed class FuzzTests
{
    [Fact]
    public void SignatureMetadata_Fuzz_OnlyTypedRejectionsOrRoundTrips()
    {
        var iterations = int.TryParse(Environment.GetEnvironmentVariable("INTELLIGENCE_FUZZ_ITERATIONS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 20_000;
        var ran = 0;
        foreach (var input in SignatureMetadataFuzzTarget.Corpus(iterations, seed: 7))
        {
            SignatureMetadataFuzzTarget.Run(input);
            ran++;
        }

        Assert.Equal(iterations, ran);
    }
}
