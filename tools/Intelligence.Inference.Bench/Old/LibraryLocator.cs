using System.Reflection;
using System.Runtime.InteropServices;

namespace Intelligence.Inference.Bench.Old;

/// <summary>
/// Finds and loads the ONNX Runtime shared library: the configured path, then the toolchain folder
/// (<c>INTELLIGENCE_TOOLS_DIR/lib</c>, or the repository's <c>.tools/lib</c> found by walking up to
/// <c>Intelligence.sln</c>), then the system search path.
/// </summary>
internal static class LibraryLocator
{
    /// <summary>Environment variable naming the library file explicitly.</summary>
    public const string LibraryPathVariable = "INTELLIGENCE_ONNXRUNTIME_LIBRARY";

    /// <summary>Environment variable naming the toolchain folder (set by tools/test.sh).</summary>
    public const string ToolsDirVariable = "INTELLIGENCE_TOOLS_DIR";

    private const string SolutionFile = "Intelligence.sln";

    /// <summary>File names of the library on this operating system, most specific first.</summary>
    public static IReadOnlyList<string> FileNames { get; } =
        OperatingSystem.IsWindows() ? ["onnxruntime.dll"]
        : OperatingSystem.IsMacOS() ? ["libonnxruntime.dylib"]
        : ["libonnxruntime.so.1", "libonnxruntime.so"];

    /// <summary>Candidate files in search order (configured path first, then the toolchain folders).</summary>
    public static List<string> CandidateFiles(string? configuredPath, string? toolsDir, IEnumerable<string> startDirectories)
    {
        var files = new List<string>();
        if (!string.IsNullOrWhiteSpace(configuredPath))
        {
            files.Add(Path.GetFullPath(configuredPath));
        }

        if (!string.IsNullOrWhiteSpace(toolsDir))
        {
            files.AddRange(FileNames.Select(f => Path.Combine(Path.GetFullPath(toolsDir), "lib", f)));
        }

        foreach (var start in startDirectories)
        {
            var root = FindRepositoryRoot(start);
            if (root is not null)
            {
                files.AddRange(FileNames.Select(f => Path.Combine(root, ".tools", "lib", f)));
            }
        }

        return files.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The nearest folder at or above <paramref name="start"/> that holds Intelligence.sln.</summary>
    public static string? FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    /// <summary>
    /// Loads the first candidate that exists and loads, else the first system name that loads.
    /// A configured path that fails is final: the caller asked for that file.
    /// </summary>
    public static nint Load(string? configuredPath, IReadOnlyList<string> candidates, IReadOnlyList<string> systemNames)
    {
        var tried = new List<string>();
        foreach (var file in candidates)
        {
            if (!File.Exists(file))
            {
                tried.Add($"{file} (absent)");
                continue;
            }

            if (NativeLibrary.TryLoad(file, out var handle))
            {
                OrtNative.LoadedFrom = file;
                return handle;
            }

            tried.Add($"{file} (not a loadable library)");
            if (configuredPath is not null && file == Path.GetFullPath(configuredPath))
            {
                throw new InvalidOperationException("libonnxruntime not found: " + string.Join("; ", tried));
            }
        }

        foreach (var name in systemNames)
        {
            if (NativeLibrary.TryLoad(name, out var handle))
            {
                OrtNative.LoadedFrom = name;
                return handle;
            }

            tried.Add($"{name} (system search path)");
        }

        throw new InvalidOperationException("libonnxruntime not found: " + string.Join("; ", tried));
    }

    /// <summary>Loads the library using the process configuration (explicit path, environment, repository).</summary>
    public static nint LoadForProcess(string? configuredPath)
    {
        configuredPath ??= Environment.GetEnvironmentVariable(LibraryPathVariable);
        var starts = new[] { AppContext.BaseDirectory, Environment.CurrentDirectory };
        var candidates = CandidateFiles(configuredPath, Environment.GetEnvironmentVariable(ToolsDirVariable), starts);
        return Load(configuredPath, candidates, FileNames);
    }
}

/// <summary>Loads <c>OrtGetApiBase</c> through a DllImport resolver and hands out the API table.</summary>
internal static unsafe partial class OrtNative
{
    private const string LibraryName = "onnxruntime";

    private static readonly Lock Gate = new();
    private static nint s_library;
    private static OrtApi* s_api;
    private static string? s_version;

    /// <summary>Path set by the bench before first use.</summary>
    internal static string? ConfiguredPath { get; set; }

    /// <summary>The file (or system name) the library was loaded from.</summary>
    internal static string LoadedFrom { get; set; } = "(not loaded)";

    static OrtNative()
    {
        NativeLibrary.SetDllImportResolver(typeof(OrtNative).Assembly, Resolve);
    }

    [LibraryImport(LibraryName)]
    private static partial OrtApiBase* OrtGetApiBase();

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == LibraryName ? s_library : 0;

    /// <summary>The OrtApi table; loads the library on first use and throws a typed error when it cannot.</summary>
    public static OrtApi* Api
    {
        get
        {
            var api = s_api;
            return api != null ? api : Initialise();
        }
    }

    /// <summary>The library's version string, e.g. "1.30.0".</summary>
    public static string Version
    {
        get
        {
            _ = Api;
            return s_version!;
        }
    }

    /// <summary>True once the library has been loaded in this process.</summary>
    public static bool IsLoaded => s_api != null;

    private static OrtApi* Initialise()
    {
        lock (Gate)
        {
            if (s_api != null)
            {
                return s_api;
            }

            if (s_library == 0)
            {
                s_library = LibraryLocator.LoadForProcess(ConfiguredPath);
            }

            var basePtr = OrtGetApiBase();
            var api = basePtr->GetApi(OrtApi.Version);
            var version = Marshal.PtrToStringUTF8((nint)basePtr->GetVersionString()) ?? "unknown";
            if (api == null)
            {
                throw new OnnxRuntimeException(OrtErrorCode.Fail,
                    $"ONNX Runtime {version} does not provide C API version {OrtApi.Version}; install 1.13 or later with tools/bootstrap.sh.");
            }

            s_version = version;
            s_api = api;
            return api;
        }
    }

    /// <summary>Throws a typed exception for a non-null OrtStatus, releasing the status in all cases.</summary>
    public static void Check(nint status)
    {
        if (status != 0)
        {
            ThrowStatus(status);
        }
    }

    /// <summary>Reads the code and message of a non-null status, releases it and returns the exception to throw.</summary>
    public static OnnxRuntimeException ToException(nint status)
    {
        var api = Api;
        OrtErrorCode code;
        string message;
        try
        {
            code = (OrtErrorCode)api->GetErrorCode(status);
            message = Marshal.PtrToStringUTF8((nint)api->GetErrorMessage(status)) ?? "(no message)";
        }
        finally
        {
            api->ReleaseStatus(status);
        }

        return new OnnxRuntimeException(code, message);
    }

    private static void ThrowStatus(nint status) => throw ToException(status);
}
