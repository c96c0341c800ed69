using Intelligence.Chain.Fuzz;

namespace Intelligence.Chain.Tests;

/// <summary>Short, seeded runs of the fuzz targets in tools/Intelligence.Chain.Fuzz.</summary>
public class FuzzSmokeTests
{
    public static TheoryData<string> Targets()
    {
        var data = new TheoryData<string>();
        foreach (var t in FuzzTargets.All)
        {
            data.Add(t.Name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task Target_ThousandsOfMutatedInputs_OnlyTypedErrors(string name)
    {
        var target = FuzzTargets.All.Single(t => t.Name == name);
        foreach (var seed in target.Seeds)
        {
            target.Run(seed);
        }
        // Run off the test thread so a hang fails the test at the timeout instead of stalling the suite.
        var run = Task.Run(() => Fuzzer.Run(target, seed: 4242, iterations: 5000, duration: TimeSpan.FromSeconds(20)));
        var result = await run.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(result.Failure is null, $"{name}: {result.Failure} on input {Convert.ToHexStringLower(result.FailingInput ?? [])}");
        Assert.True(result.Executions > 100, $"{name} ran only {result.Executions} inputs");
    }
}
