using System.Diagnostics;

namespace Intelligence.Chain.Tests;

/// <summary>Finds the shared toolchain (.tools/bin) and runs cast with a timeout.</summary>
internal static class Tools
{
    private static readonly Lazy<string> BinDir = new(FindBinDir);

    public static string Cast => Path.Combine(BinDir.Value, "cast");

    public static string Anvil => Path.Combine(BinDir.Value, "anvil");

    public static string RepoRoot
    {
        get
        {
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "Intelligence.sln")))
                    {
                        return dir.FullName;
                    }
                }
            }
            throw new InvalidOperationException("Intelligence.sln not found above the test directory.");
        }
    }

    private static string FindBinDir()
    {
        var env = Environment.GetEnvironmentVariable("INTELLIGENCE_TOOLS_DIR");
        if (!string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, "bin", "cast")))
        {
            return Path.Combine(env, "bin");
        }
        var fromRepo = Path.Combine(RepoRoot, ".tools", "bin");
        if (File.Exists(Path.Combine(fromRepo, "cast")))
        {
            return fromRepo;
        }
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            if (dir.Length > 0 && File.Exists(Path.Combine(dir, "cast")))
            {
                return dir;
            }
        }
        throw new InvalidOperationException("cast not found: run tools/bootstrap.sh or set INTELLIGENCE_TOOLS_DIR.");
    }

    /// <summary>Runs cast and returns trimmed stdout; a non-zero exit fails with stderr.</summary>
    public static string RunCast(params string[] args) => Run(Cast, args, stdin: null);

    public static string Run(string file, IEnumerable<string> args, string? stdin, int timeoutMs = 60_000)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
            process.StandardInput.Close();
        }
        var stdoutTask = process.StandardOutput.ReadToEndAsync();
        var stderrTask = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{Path.GetFileName(file)} {string.Join(' ', args)} did not finish in {timeoutMs} ms");
        }
        process.WaitForExit();
        var stdout = stdoutTask.Result;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} exited {process.ExitCode}: {stderrTask.Result}");
        }
        return stdout.Trim();
    }
}
