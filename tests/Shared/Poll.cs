namespace Intelligence.Testing;

/// <summary>
/// Waits on a condition, not on time: polls it until it holds or the timeout passes. The pause between polls only
/// keeps the poll cheap; nothing depends on its length. Linked into the test projects that wait on other processes.
/// </summary>
internal static class Poll
{
    /// <summary>True once <paramref name="condition"/> holds; false when <paramref name="timeout"/> passed first.</summary>
    public static async Task<bool> UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan? every = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition().WaitAsync(timeout))
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }
            await Task.Delay(every ?? TimeSpan.FromMilliseconds(200));
        }
        return true;
    }

    /// <summary>True once <paramref name="condition"/> holds; false when <paramref name="timeout"/> passed first.</summary>
    public static Task<bool> UntilAsync(Func<bool> condition, TimeSpan timeout, TimeSpan? every = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, every);
}
