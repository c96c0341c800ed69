using System.Runtime.InteropServices;
using Intelligence.Inference.Native;

namespace Intelligence.Inference;

/// <summary>Process-wide facts about the loaded ONNX Runtime library.</summary>
public static unsafe class OnnxRuntime
{
    /// <summary>
    /// Uses the library at <paramref name="libraryPath"/> instead of searching for it. Call before the first
    /// session is created; once the library is loaded the choice is fixed for the process.
    /// </summary>
    public static void Configure(string libraryPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(libraryPath);
        if (OrtNative.IsLoaded)
        {
            throw new InvalidOperationException("ONNX Runtime is already loaded in this process; configure its path before first use.");
        }

        OrtNative.ConfiguredPath = libraryPath;
    }

    /// <summary>The version of the loaded library, e.g. "1.30.0" (loads it if needed).</summary>
    public static string Version => OrtNative.Version;

    /// <summary>Execution providers compiled into the loaded library, e.g. "CPUExecutionProvider".</summary>
    public static IReadOnlyList<string> AvailableProviders
    {
        get
        {
            var api = OrtNative.Api;
            byte** names;
            int count;
            OrtNative.Check(api->GetAvailableProviders(&names, &count));
            try
            {
                var result = new string[count];
                for (var i = 0; i < count; i++)
                {
                    result[i] = Marshal.PtrToStringUTF8((nint)names[i]) ?? string.Empty;
                }

                return result;
            }
            finally
            {
                OrtNative.Check(api->ReleaseAvailableProviders(names, count));
            }
        }
    }

    /// <summary>Ort objects (sessions, values, options...) created by this process and not yet released.</summary>
    public static long LiveNativeObjects => OrtHandle.Live;
}

/// <summary>The process-wide OrtEnv and the CPU memory description shared by all sessions.</summary>
internal static unsafe class OrtEnvironment
{
    // ORT_LOGGING_LEVEL_FATAL: ONNX Runtime's own stderr log stays quiet; its errors reach us as statuses and become
    // typed exceptions or our own log lines (e.g. the single CUDA fallback warning).
    private const int LoggingLevelFatal = 4;
    private const int ArenaAllocator = 1; // OrtArenaAllocator
    private const int MemTypeDefault = 0; // OrtMemTypeDefault

    private static readonly Lock Gate = new();
    private static OrtEnvHandle? s_env;
    private static OrtMemoryInfoHandle? s_cpu;

    public static OrtEnvHandle Env
    {
        get
        {
            Initialise();
            return s_env!;
        }
    }

    public static OrtMemoryInfoHandle CpuMemory
    {
        get
        {
            Initialise();
            return s_cpu!;
        }
    }

    private static void Initialise()
    {
        if (s_cpu is not null)
        {
            return;
        }

        lock (Gate)
        {
            if (s_cpu is not null)
            {
                return;
            }

            var api = OrtNative.Api;
            nint env;
            fixed (byte* logId = "intelligence"u8)
            {
                OrtNative.Check(api->CreateEnv(LoggingLevelFatal, logId, &env));
            }

            s_env = new OrtEnvHandle(env);
            nint info;
            OrtNative.Check(api->CreateCpuMemoryInfo(ArenaAllocator, MemTypeDefault, &info));
            s_cpu = new OrtMemoryInfoHandle(info);
        }
    }
}
