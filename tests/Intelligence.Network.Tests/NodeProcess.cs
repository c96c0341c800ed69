using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Intelligence.Network.Tests;

/// <summary>Paths of the checkout and its build outputs.</summary>
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

    /// <summary>The build configuration of this test assembly (Release or Debug).</summary>
    public static string Configuration =>
        AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";

    /// <summary>The built dll of a binary project, e.g. ("Intelligence.Miner", "intelligence-miner").</summary>
    public static string Binary(string project, string assembly) =>
        Path.Combine(Root(), "src", project, "bin", Configuration, "net10.0", assembly + ".dll");

    /// <summary>The toolchain folder: INTELLIGENCE_TOOLS_DIR, else .tools next to Intelligence.sln.</summary>
    public static string ToolsDir()
    {
        var env = Environment.GetEnvironmentVariable("INTELLIGENCE_TOOLS_DIR");
        return !string.IsNullOrEmpty(env) && File.Exists(Path.Combine(env, "bin", "anvil")) ? env : Path.Combine(Root(), ".tools");
    }
}

/// <summary>
/// A miner or validator started from its built binary as a real process; every output line is kept so a test can
/// wait for one (the ready line, a log line) instead of sleeping. Killed on dispose.
/// </summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _changed = new(0);
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    /// <summary>Every line so far, stdout and stderr interleaved as they came.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    public string Output => string.Join('\n', _lines);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <c>dotnet dll args</c> in <paramref name="workingDirectory"/>.</summary>
    public static NodeProcess Start(string name, string dll, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is not built (dotnet build Intelligence.sln -c {RepoPaths.Configuration})");
        }
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        start.Environment.Remove("INTELLIGENCE_WALLET_PASSWORD");
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[k] = v;
        }
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var node = new NodeProcess(process, name);
        process.OutputDataReceived += (_, e) => node.Add(e.Data);
        process.ErrorDataReceived += (_, e) => node.Add(e.Data);
        process.Exited += (_, _) => node._exited.TrySetResult();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    private void Add(string? line)
    {
        if (line is null)
        {
            return;
        }
        _lines.Enqueue(line);
        _changed.Release();
    }

    /// <summary>Waits for a line matching <paramref name="match"/>; fails with the output when the process exits or time runs out.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, string what)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var hit = _lines.FirstOrDefault(match);
            if (hit is not null)
            {
                return hit;
            }
            if (_process.HasExited && _exited.Task.IsCompleted)
            {
                // WaitForExitAsync returns once the redirected output has reached end of file: every line is in.
                await _process.WaitForExitAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
                hit = _lines.FirstOrDefault(match);
                return hit ?? throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}) before {what}:\n{Tail()}");
            }
            try
            {
                await Task.WhenAny(_changed.WaitAsync(cts.Token), _exited.Task).WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"{Name}: no {what} within {timeout}:\n{Tail()}");
            }
        }
    }

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _exited.Task.WaitAsync(timeout);
        await _process.WaitForExitAsync().WaitAsync(timeout);
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, then waits for the exit.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill!.WaitForExitAsync().WaitAsync(timeout);
        }
        return await WaitForExitAsync(timeout);
    }

    /// <summary>SIGKILL: no chance to clean up.</summary>
    public void KillHard()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public string Tail(int lines = 60)
    {
        var all = Lines;
        var sb = new StringBuilder();
        foreach (var l in all.Skip(Math.Max(0, all.Count - lines)))
        {
            sb.Append("  [").Append(Name).Append("] ").AppendLine(l);
        }
        return sb.ToString();
    }

    public void Dispose()
    {
        KillHard();
        _process.Dispose();
        _changed.Dispose();
    }
}
