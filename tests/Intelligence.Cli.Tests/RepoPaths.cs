namespace Intelligence.Cli.Tests;

/// <summary>Finds the checkout (the folder holding Intelligence.sln) and its toolchain folder.</summary>
internal static class RepoPaths
{
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Intelligence.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Intelligence.sln not found above " + AppContext.BaseDirectory);
    }
}
