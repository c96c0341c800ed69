using System.Reflection;
using System.Runtime.InteropServices;
using Ort = Microsoft.ML.OnnxRuntime;

namespace Intelligence.Inference;

/// <summary>Process-wide facts about the loaded ONNX Runtime library (Microsoft.ML.OnnxRuntime underneath).</summary>
public static class OnnxRuntime
{
    /// <summary>
    /// Uses the library at <paramref name="libraryPath"/> instead of the <c>libonnxruntime.so</c> copied next to the
    /// program. Call before the first session is created; once the library is loaded the choice is fixed for the process.
    /// </summary>
    public static void Configure(string libraryPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(libraryPath);
        OrtEnvironment.Configure(Path.GetFullPath(libraryPath));
    }

    /// <summary>The version of the loaded library, e.g. "1.32.0" (loads it if needed).</summary>
    public static string Version => OrtEnvironment.Env.GetVersionString();

    /// <summary>Execution providers compiled into the loaded library, e.g. "CUDAExecutionProvider", "CPUExecutionProvider".</summary>
    public static IReadOnlyList<string> AvailableProviders => OrtEnvironment.Env.GetAvailableProviders();

    /// <summary>Ort objects (sessions, values, run options...) created by this library and not yet released.</summary>
    public static long LiveNativeObjects => NativeObjects.Live;
}

/// <summary>Counts the ONNX Runtime objects this library creates and releases, so tests can see that nothing leaks.</summary>
internal static class NativeObjects
{
    private static long s_live;

    public static long Live => Interlocked.Read(ref s_live);

    public static void Created() => Interlocked.Increment(ref s_live);

    public static void Released(int count = 1) => Interlocked.Add(ref s_live, -count);
}

/// <summary>The process-wide OrtEnv, created once with ONNX Runtime's own log at FATAL.</summary>
internal static class OrtEnvironment
{
    private const string LibraryName = "onnxruntime";
    private static readonly Lock Gate = new();
    private static string? s_configuredPath;
    private static Ort.OrtEnv? s_env;

    public static bool IsLoaded => s_env is not null;

    public static Ort.OrtEnv Env => s_env ?? EnsureCreated();

    public static void Configure(string path)
    {
        lock (Gate)
        {
            if (s_env is not null || Ort.OrtEnv.IsCreated)
            {
                throw new InvalidOperationException("ONNX Runtime is already loaded in this process; configure its path before first use.");
            }

            if (s_configuredPath is null)
            {
                // Microsoft.ML.OnnxRuntime imports "onnxruntime"; answer that name with the configured file.
                NativeLibrary.SetDllImportResolver(typeof(Ort.OrtEnv).Assembly, Resolve);
            }

            s_configuredPath = path;
        }
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == LibraryName && s_configuredPath is { } path ? NativeLibrary.Load(path) : 0;

    public static Ort.OrtEnv EnsureCreated()
    {
        if (s_env is { } existing)
        {
            return existing;
        }

        lock (Gate)
        {
            if (s_env is not null)
            {
                return s_env;
            }

            try
            {
                if (Ort.OrtEnv.IsCreated)
                {
                    s_env = Ort.OrtEnv.Instance();
                }
                else
                {
                    var creation = new Ort.EnvironmentCreationOptions
                    {
                        logId = "intelligence",
                        logLevel = Ort.OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
                    };
                    s_env = Ort.OrtEnv.CreateInstanceWithOptions(ref creation);
                }
            }
            catch (Exception e) when (IsMissingLibrary(e))
            {
                throw new OnnxRuntimeNotFoundException(
                    [$"{s_configuredPath ?? "libonnxruntime.so next to the program (" + AppContext.BaseDirectory + ")"}: {FirstLine(Innermost(e).Message)}"]);
            }

            return s_env;
        }
    }

    // .NET lists every probed path on further lines; the first says what failed, and error lines stay one line.
    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    private static bool IsMissingLibrary(Exception e) =>
        Innermost(e) is DllNotFoundException or EntryPointNotFoundException or BadImageFormatException;

    private static Exception Innermost(Exception e)
    {
        while (e is TypeInitializationException { InnerException: { } inner })
        {
            e = inner;
        }

        return e;
    }

    /// <summary>Our typed form of an error ONNX Runtime raised (same code and message).</summary>
    public static OnnxRuntimeException Translate(Ort.OnnxRuntimeException e)
    {
        // Ort's message is "[ErrorCode:Name] text": the code is read back from it, the text kept unchanged.
        var message = e.Message;
        var code = OrtErrorCode.Fail;
        if (message.StartsWith("[ErrorCode:", StringComparison.Ordinal) && message.IndexOf(']', StringComparison.Ordinal) is var end and > 0)
        {
            // The binding's ErrorCode enum is internal; ours shares its names for the codes we know.
            if (Enum.TryParse<OrtErrorCode>(message["[ErrorCode:".Length..end], out var parsed))
            {
                code = parsed;
            }

            message = message[(end + 1)..].TrimStart();
        }

        return new OnnxRuntimeException(code, message, e);
    }
}
