namespace Intelligence.Inference.Bench.Old;

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
