using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Intelligence.State.Stores;

namespace Intelligence.State.Tests;

/// <summary>
/// A real redis-server on a free loopback port with its own temp directory (AOF on, fsync always),
/// killed and removed on dispose. Can be killed (SIGKILL) and started again on the same port and data.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string[] _extraArgs;
    private readonly (string Cert, string Key)? _tls;
    private Process? _process;

    private RedisServer(string[] extraArgs, (string Cert, string Key)? tls)
    {
        _extraArgs = extraArgs;
        _tls = tls;
        Directory = Path.Combine(Path.GetTempPath(), "intelligence-redis-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
    }

    /// <summary>The loopback port.</summary>
    public int Port { get; private set; }

    /// <summary>The server's working directory (AOF files, log).</summary>
    public string Directory { get; }

    /// <summary>
    /// A StackExchange.Redis connection string for this server with timeouts suited to tests; tests about the kind of
    /// failure (not latency) pass a patient <paramref name="timeout"/> such as <see cref="Wait.PatientCommand"/>.
    /// <paramref name="extra"/> is appended as is (e.g. <c>password=…</c>).
    /// </summary>
    public string ConnectionString(TimeSpan? timeout = null, string? extra = null)
    {
        var ms = (int)(timeout ?? TimeSpan.FromSeconds(10)).TotalMilliseconds;
        var text = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"127.0.0.1:{Port},connectTimeout=5000,asyncTimeout={ms},syncTimeout={ms},connectRetry=2");
        return extra is null ? text : text + "," + extra;
    }

    /// <summary>Redis stores over this server under a fresh key prefix (each test its own keys).</summary>
    public Task<StateStores> OpenStoresAsync(TimeSpan? timeout = null, TimeProvider? time = null, string? extra = null, string? prefix = null) =>
        StateStores.OpenAsync(new StateOptions { Redis = ConnectionString(timeout, extra), KeyPrefix = prefix ?? "test:" + Guid.NewGuid().ToString("N")[..12] + ":" }, time)
            .WaitAsync(Wait.Long);

    /// <summary>Starts a server; <paramref name="extraArgs"/> are extra redis-server flags.</summary>
    public static Task<RedisServer> StartAsync(params string[] extraArgs) => StartAsync(null, extraArgs);

    /// <summary>Starts a server that speaks only TLS (PEM certificate and key files) on its port.</summary>
    public static async Task<RedisServer> StartAsync((string Cert, string Key)? tls, params string[] extraArgs)
    {
        var server = new RedisServer(extraArgs, tls);
        for (var attempt = 0; ; attempt++)
        {
            server.Port = FreePort();
            try
            {
                await server.LaunchAsync();
                return server;
            }
            catch (InvalidOperationException) when (attempt < 4)
            {
                // Port taken between probing and binding (other test processes share the machine): pick another.
            }
        }
    }

    /// <summary>Kills the server with SIGKILL and waits until it has exited.</summary>
    public async Task KillAsync()
    {
        if (_process is { } p)
        {
            if (!p.HasExited)
            {
                p.Kill();
            }

            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            p.Dispose();
            _process = null;
        }
    }

    /// <summary>Starts the server again on the same port and data directory.</summary>
    public Task RestartAsync() => LaunchAsync();

    private async Task LaunchAsync()
    {
        var info = new ProcessStartInfo(Tools.Find("redis-server"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var port = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] listen = _tls is { } tls
            ? ["--port", "0", "--tls-port", port, "--tls-cert-file", tls.Cert, "--tls-key-file", tls.Key, "--tls-ca-cert-file", tls.Cert, "--tls-auth-clients", "no"]
            : ["--port", port];
        foreach (var arg in listen.Concat(new[]
        {
            "--bind", "127.0.0.1",
            "--dir", Directory, "--daemonize", "no", "--save", string.Empty,
            "--appendonly", "yes", "--appendfsync", "always", "--protected-mode", "no",
            "--logfile", Path.Combine(Directory, "redis.log"), "--enable-debug-command", "yes",
        }).Concat(_extraArgs))
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                _process = null;
                throw new InvalidOperationException("redis-server exited at start: " + ReadLog());
            }

            if (await AnswersPingAsync())
            {
                return;
            }

            await Task.Delay(10);
        }

        throw new TimeoutException("redis-server did not answer PING within 20 s: " + ReadLog());
    }

    private string ReadLog()
    {
        var log = Path.Combine(Directory, "redis.log");
        return File.Exists(log) ? File.ReadAllText(log) : "(no log)";
    }

    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await socket.ConnectAsync(IPAddress.Loopback, Port, cts.Token);
            Stream stream = new NetworkStream(socket);
            if (_tls is not null)
            {
                var ssl = new System.Net.Security.SslStream(stream, false, (_, _, _, _) => true);
                await ssl.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions { TargetHost = "localhost" }, cts.Token);
                stream = ssl;
            }

            await using var _ = stream;
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cts.Token);
            var buffer = new byte[64];
            var n = await stream.ReadAsync(buffer, cts.Token);
            var text = Encoding.ASCII.GetString(buffer, 0, n);
            return text.StartsWith("+PONG", StringComparison.Ordinal) || text.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException or System.Security.Authentication.AuthenticationException)
        {
            return false;
        }
    }

    /// <summary>A port that was free a moment ago on 127.0.0.1.</summary>
    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Kills the server and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Finds a tool in INTELLIGENCE_TOOLS_DIR/bin, the repository's .tools/bin, then PATH.</summary>
public static class Tools
{
    /// <summary>Full path of <paramref name="name"/>; throws with what to install when absent.</summary>
    public static string Find(string name)
    {
        var candidates = new List<string>();
        if (Environment.GetEnvironmentVariable("INTELLIGENCE_TOOLS_DIR") is { Length: > 0 } toolsDir)
        {
            candidates.Add(Path.Combine(toolsDir, "bin", name));
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Intelligence.sln")))
            {
                candidates.Add(Path.Combine(dir.FullName, ".tools", "bin", name));
                break;
            }
        }

        foreach (var path in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            candidates.Add(Path.Combine(path, name));
        }

        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"{name} not found in .tools/bin or PATH; install the Debian redis-server package (tools/bootstrap.sh does)");
    }
}

/// <summary>One redis-server per test class.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    /// <summary>The server.</summary>
    public RedisServer Server { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

    /// <inheritdoc />
    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Waiting on conditions with a deadline (never a bare sleep as synchronisation).</summary>
public static class Wait
{
    /// <summary>Default limit for any awaited step in these tests.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Command timeout for tests whose commands must survive a kill, a restart and a reconnect, or thousands of
    /// fsync'd writes, on a slow shared machine: the test is about what fails, not how fast.
    /// </summary>
    public static readonly TimeSpan PatientCommand = TimeSpan.FromSeconds(60);

    /// <summary>Outer limit for a step that may itself wait up to <see cref="PatientCommand"/>.</summary>
    public static readonly TimeSpan Long = TimeSpan.FromSeconds(120);

    /// <summary>Polls <paramref name="condition"/> until true; throws after <paramref name="limit"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan? limit = null, string what = "condition")
    {
        var deadline = DateTime.UtcNow + (limit ?? Timeout);
        while (!await condition().WaitAsync(limit ?? Timeout))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{what} not met within {(limit ?? Timeout).TotalSeconds} s");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>Awaits <paramref name="task"/> with the default timeout.</summary>
    public static Task<T> T<T>(ValueTask<T> task) => task.AsTask().WaitAsync(Timeout);

    /// <summary>Awaits <paramref name="task"/> with the default timeout.</summary>
    public static Task<T> T<T>(Task<T> task) => task.WaitAsync(Timeout);

    /// <summary>Awaits <paramref name="task"/> with the default timeout.</summary>
    public static Task T(Task task) => task.WaitAsync(Timeout);

    /// <summary>Awaits <paramref name="task"/> with <paramref name="limit"/>.</summary>
    public static Task<T> T<T>(Task<T> task, TimeSpan limit) => task.WaitAsync(limit);

    /// <summary>Awaits <paramref name="task"/> with <paramref name="limit"/>.</summary>
    public static Task T(Task task, TimeSpan limit) => task.WaitAsync(limit);
}
