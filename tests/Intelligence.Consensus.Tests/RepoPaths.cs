namespace Intelligence.Consensus.Tests;

/// <summary>Finds the repository root (the folder holding Intelligence.sln) from the test's base directory.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = Find();

    public static string Fixtures => Path.Combine(Root, "tests", "fixtures", "consensus");

    private static string Find()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Intelligence.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException("Intelligence.sln not found above " + AppContext.BaseDirectory);
    }
}
