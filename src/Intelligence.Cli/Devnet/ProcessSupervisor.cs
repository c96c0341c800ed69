using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Intelligence.Cli.Devnet;

/// <summary>A child process started by <see cref="ProcessSupervisor"/>, its output copied line by line to a log file.</summary>
internal sealed class SupervisedProcess
{
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Queue<string> _tail = new();

    internal SupervisedProcess(string name, Process process, string logPath, string? readyPrefix)
    {
        Name = name;
        Process = process;
        LogPath = logPath;
        ReadyPrefix = readyPrefix;
        if (readyPrefix is null)
        {
            _ready.TrySetResult("");
        }
    }

    public string Name { get; }
    public Process Process { get; }
    public int Pid => Process.Id;
    public string LogPath { get; }
    public string? ReadyPrefix { get; }

    /// <summary>The first stdout line that starts with the ready prefix (BINARIES.md), or an exception when the process exits first.</summary>
    public Task<string> Ready => _ready.Task;

    /// <summary>The last lines of output (for error messages).</summary>
    public string Tail()
    {
        lock (_tail)
        {
            return string.Join(Environment.NewLine, _tail);
        }
    }

    internal void OnLine(string line, bool stdout)
    {
        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > 20)
            {
                _tail.Dequeue();
            }
        }
        if (stdout && ReadyPrefix is not null && line.StartsWith(ReadyPrefix, StringComparison.Ordinal))
        {
            _ready.TrySetResult(line);
        }
    }

    internal void OnExit() =>
        _ready.TrySetException(new InvalidOperationException($"{Name} exited with status {SafeExitCode()} before it was ready; last output:{Environment.NewLine}{Tail()}"));

    private string SafeExitCode()
    {
        try
        {
            return Process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }
}

/// <summary>
/// Starts the devnet's child processes so that they cannot outlive it: on Linux each child is exec'd through
/// util-linux <c>setpriv --pdeathsig KILL</c>, so the kernel kills it when its parent dies, even by kill -9.
/// The parent-death signal follows the thread that forked the child, so every child is forked from one dedicated
/// thread that lives as long as the supervisor (a thread-pool thread could retire and take the children with it).
/// <see cref="StopAll"/> sends SIGTERM, waits, then kills what is left.
/// </summary>
internal sealed class ProcessSupervisor : IDisposable
{
    private readonly BlockingCollection<(ProcessStartInfo Start, TaskCompletionSource<Process> Done)> _queue = new();
    private readonly Thread _launcher;
    private readonly List<SupervisedProcess> _children = [];
    private readonly string? _setpriv;

    public ProcessSupervisor()
    {
        _setpriv = OperatingSystem.IsLinux() ? FindSetpriv() : null;
        if (OperatingSystem.IsLinux() && _setpriv is null)
        {
            throw new InvalidOperationException("setpriv (util-linux) is needed so the devnet's processes die with it: apt-get install util-linux");
        }
        _launcher = new Thread(Launch) { IsBackground = true, Name = "devnet-launcher" };
        _launcher.Start();
    }

    /// <summary>Every child started so far.</summary>
    public IReadOnlyList<SupervisedProcess> Children
    {
        get
        {
            lock (_children)
            {
                return [.. _children];
            }
        }
    }

    private static string? FindSetpriv() =>
        new[] { "/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv" }.FirstOrDefault(File.Exists);

    private void Launch()
    {
        foreach (var (start, done) in _queue.GetConsumingEnumerable())
        {
            try
            {
                done.TrySetResult(Process.Start(start) ?? throw new InvalidOperationException($"{start.FileName} did not start"));
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                done.TrySetException(e);
            }
        }
    }

    /// <summary>Starts <paramref name="executable"/> with its output in <paramref name="logPath"/> (appended).</summary>
    public async Task<SupervisedProcess> StartAsync(string name, string executable, IEnumerable<string> args, string logPath,
        IReadOnlyDictionary<string, string>? environment = null, string? readyPrefix = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        if (_setpriv is not null)
        {
            start.FileName = _setpriv;
            start.ArgumentList.Add("--pdeathsig");
            start.ArgumentList.Add("KILL");
            start.ArgumentList.Add("--");
            start.ArgumentList.Add(executable);
        }
        else
        {
            start.FileName = executable;
        }
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[k] = v;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var done = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        _queue.Add((start, done));
        var process = await done.Task.ConfigureAwait(false);
        var child = new SupervisedProcess(name, process, logPath, readyPrefix);
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var gate = new object();
        var open = 2;
        void Write(string? line, bool stdout)
        {
            lock (gate)
            {
                if (line is null)
                {
                    if (--open == 0)
                    {
                        log.Dispose();
                        child.OnExit();
                    }
                    return;
                }
                log.WriteLine(line);
            }
            child.OnLine(line, stdout);
        }
        process.OutputDataReceived += (_, e) => Write(e.Data, true);
        process.ErrorDataReceived += (_, e) => Write(e.Data, false);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        lock (_children)
        {
            _children.Add(child);
        }
        return child;
    }

    /// <summary>SIGTERM to every child (newest first), then SIGKILL to those still running after <paramref name="grace"/>.</summary>
    public void StopAll(TimeSpan grace)
    {
        var children = Children.Reverse().ToList();
        foreach (var c in children)
        {
            Terminate(c.Pid);
        }
        var deadline = DateTime.UtcNow + grace;
        foreach (var c in children)
        {
            var left = deadline - DateTime.UtcNow;
            if (left < TimeSpan.Zero || !c.Process.WaitForExit(left))
            {
                try
                {
                    c.Process.Kill(entireProcessTree: true);
                    c.Process.WaitForExit(5_000);
                }
                catch (InvalidOperationException)
                {
                    // exited meanwhile
                }
            }
        }
    }

    public void Dispose()
    {
        StopAll(TimeSpan.FromSeconds(5));
        _queue.CompleteAdding();
        foreach (var c in Children)
        {
            c.Process.Dispose();
        }
    }

    /// <summary>Sends SIGTERM (the children's graceful stop).</summary>
    public static void Terminate(int pid)
    {
        if (OperatingSystem.IsWindows())
        {
            try
            {
                Process.GetProcessById(pid).Kill(entireProcessTree: true);
            }
            catch (ArgumentException)
            {
                // gone
            }
            return;
        }
        _ = Kill(pid, 15);
    }

    /// <summary>SIGKILL.</summary>
    public static void ForceKill(int pid)
    {
        if (!OperatingSystem.IsWindows())
        {
            _ = Kill(pid, 9);
        }
    }

    /// <summary>True when a process with this pid exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var state = stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault();
                return state is not ('Z' or 'X' or '\0');
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return true;
            }
        }
        try
        {
            using var p = Process.GetProcessById(pid);
            return !p.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
