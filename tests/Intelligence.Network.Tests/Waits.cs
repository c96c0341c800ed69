using Intelligence.Testing;

namespace Intelligence.Network.Tests;

/// <summary>The network tests' wait on a condition: fails the test with what was being waited for and the logs.</summary>
internal static class Waits
{
    /// <summary>Waits until <paramref name="condition"/> holds; an endpoint that does not answer yet counts as not yet.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        async Task<bool> Check()
        {
            try
            {
                return await condition();
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }
        if (!await Poll.UntilAsync(Check, timeout))
        {
            Assert.Fail($"condition not met within {timeout}: {describe()}");
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, describe);
}
