using System.Diagnostics;

namespace Intelligence.Protocol.Tests;

/// <summary>Finds the repository and its toolchain (.tools) the way the brief says: env var, then walk up to Intelligence.sln.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string ToolsDir =>
        Environment.GetEnvironmentVariable("INTELLIGENCE_TOOLS_DIR") is { Length: > 0 } dir ? dir : Path.Combine(Root, ".tools");

    public static string NodeModules => Path.Combine(ToolsDir, "npm", "node_modules");

    public static string ProtoRoot => Path.Combine(Root, "src", "Intelligence.Protocol", "Protos");

    /// <summary>Managed heap after full collections: for "memory stays flat" checks.</summary>
    public static long SettledMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>
    /// Heap growth across <paramref name="samples"/> runs of <paramref name="round"/> (after the caller's warm-up):
    /// settled memory is read before and after each run, and the lower of the first two readings is compared with
    /// the lower of the last two, so a transient spike in one reading does not count while a steady leak does.
    /// </summary>
    public static async Task<(long Growth, string Readings)> SteadyHeapGrowthAsync(Func<Task> round, int samples = 5)
    {
        var readings = new List<long> { SettledMemory() };
        for (var i = 0; i < samples; i++)
        {
            await round();
            readings.Add(SettledMemory());
        }

        var growth = Math.Min(readings[^1], readings[^2]) - Math.Min(readings[0], readings[1]);
        return (growth, string.Join(", ", readings.Select(r => (r / 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) + " KiB")));
    }

    public static string NodeScript(string name) => Path.Combine(Root, "tests", "node", "protocol", name);

    private static string FindRoot()
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

        throw new InvalidOperationException("Intelligence.sln not found above the current directory or the test assembly.");
    }
}

/// <summary>A node script run as a real process: stdout lines are collected, the process is killed on dispose.</summary>
internal sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly System.Text.StringBuilder _stderr = new();
    private readonly SemaphoreSlim _lineAdded = new(0);

    private NodeProcess(Process process) => _process = process;

    public static NodeProcess Start(string script, params string[] args)
    {
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(script);
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.Environment["NODE_PATH"] = Repo.NodeModules;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var node = new NodeProcess(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (node._lines)
            {
                node._lines.Add(e.Data);
            }

            node._lineAdded.Release();
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (node._stderr)
                {
                    node._stderr.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    public string StandardError
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Waits for a stdout line starting with <paramref name="prefix"/> and returns the rest.</summary>
    public async Task<string> WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var seen = 0;
        while (true)
        {
            lock (_lines)
            {
                for (; seen < _lines.Count; seen++)
                {
                    if (_lines[seen].StartsWith(prefix, StringComparison.Ordinal))
                    {
                        return _lines[seen][prefix.Length..].Trim();
                    }
                }
            }

            if (_process.HasExited)
            {
                throw new InvalidOperationException($"node exited with {_process.ExitCode} before printing '{prefix}': {StandardError}");
            }

            try
            {
                await _lineAdded.WaitAsync(TimeSpan.FromMilliseconds(200), cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"node did not print '{prefix}' within {timeout}: {StandardError}");
            }
        }
    }

    /// <summary>Waits for the process to exit by itself and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }

        _process.Dispose();
        _lineAdded.Dispose();
    }
}

/// <summary>
/// Classes with a "memory stays flat" test: GC.GetTotalMemory is process-wide, so they run alone, not beside
/// other classes whose allocations would read as growth.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapMeasuringCollection
{
    public const string Name = "heap measuring (serial)";
}
