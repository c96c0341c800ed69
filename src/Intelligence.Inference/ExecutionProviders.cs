using System.Globalization;
using System.Text.RegularExpressions;
using Ort = Microsoft.ML.OnnxRuntime;

namespace Intelligence.Inference;

/// <summary>Why a provider could not be used: a sentence for logs and errors, and the library that failed to load.</summary>
/// <param name="Reason">What went wrong and what to install.</param>
/// <param name="MissingLibrary">The shared library that could not be loaded, when that is the cause.</param>
internal sealed record ProviderFailure(string Reason, string? MissingLibrary);

/// <summary>Appends ONNX Runtime's GPU execution providers and turns their failures into one clear sentence.</summary>
internal static partial class ExecutionProviders
{
    public const string CudaName = "CUDAExecutionProvider";
    public const string TensorRTName = "TensorrtExecutionProvider";

    // What the providers of Microsoft.ML.OnnxRuntime.Gpu.Linux 1.32.0 link against.
    private const string CudaInstallHint = "install the CUDA 13 runtime (cudart, cuBLAS/cuBLASLt, cuFFT, cuRAND) and cuDNN 9, "
        + "which ONNX Runtime 1.32's CUDA provider needs, and make them findable (ldconfig or LD_LIBRARY_PATH)";

    private const string TensorRTInstallHint = "install TensorRT 10 (libnvinfer) next to the CUDA 13 runtime and cuDNN 9";

    private const string GpuFlavourHint = "this program was built without the GPU provider libraries: import "
        + "src/Intelligence.Inference/build/Intelligence.Inference.Gpu.targets in its project (docs/inference.md)";

    /// <summary>The providers to try, in order, for a requested provider.</summary>
    public static ExecutionProvider[] Candidates(ExecutionProvider requested) => requested switch
    {
        ExecutionProvider.Auto => [ExecutionProvider.Cuda, ExecutionProvider.Cpu],
        ExecutionProvider.Cpu or ExecutionProvider.Cuda or ExecutionProvider.TensorRT => [requested],
        _ => throw new ArgumentOutOfRangeException(nameof(requested), requested, "Unknown execution provider."),
    };

    /// <summary>Appends <paramref name="provider"/> to the session options; null on success, else why not.</summary>
    public static ProviderFailure? TryAppend(Ort.SessionOptions sessionOptions, ExecutionProvider provider, InferenceSessionOptions settings)
    {
        var name = provider == ExecutionProvider.TensorRT ? TensorRTName : CudaName;
        var compiled = OnnxRuntime.AvailableProviders;
        if (!compiled.Contains(name))
        {
            return new ProviderFailure($"this ONNX Runtime build ({OnnxRuntime.Version}) has no {name}; it has {string.Join(", ", compiled)}", null);
        }

        try
        {
            if (provider == ExecutionProvider.TensorRT)
            {
                using var trt = new Ort.OrtTensorRTProviderOptions();
                trt.UpdateOptions(new Dictionary<string, string> { ["device_id"] = settings.CudaDeviceId.ToString(CultureInfo.InvariantCulture) });
                sessionOptions.AppendExecutionProvider_Tensorrt(trt);
            }

            // TensorRT hands the nodes it cannot take to the next provider: CUDA, then CPU.
            using var cuda = new Ort.OrtCUDAProviderOptions();
            var options = new Dictionary<string, string>
            {
                ["device_id"] = settings.CudaDeviceId.ToString(CultureInfo.InvariantCulture),
                ["cudnn_conv_algo_search"] = settings.CudnnConvolutionSearch switch
                {
                    CudnnConvolutionSearch.Heuristic => "HEURISTIC",
                    CudnnConvolutionSearch.Default => "DEFAULT",
                    _ => "EXHAUSTIVE",
                },
            };
            if (settings.CudaMemoryLimitBytes is { } limit)
            {
                options["gpu_mem_limit"] = limit.ToString(CultureInfo.InvariantCulture);
            }

            cuda.UpdateOptions(options);
            sessionOptions.AppendExecutionProvider_CUDA(cuda);
            return null;
        }
        catch (Ort.OnnxRuntimeException e)
        {
            return Describe(provider, e.Message);
        }
    }

    /// <summary>True when a session-creation error comes from a GPU provider rather than from the model.</summary>
    public static bool IsProviderFailure(string message) =>
        message.Contains("cuda", StringComparison.OrdinalIgnoreCase)
        || message.Contains("cudnn", StringComparison.OrdinalIgnoreCase)
        || message.Contains("cublas", StringComparison.OrdinalIgnoreCase)
        || message.Contains("tensorrt", StringComparison.OrdinalIgnoreCase)
        || message.Contains("nvinfer", StringComparison.OrdinalIgnoreCase);

    /// <summary>One sentence for a provider error: the library that did not load (if any), what to install, ORT's words.</summary>
    public static ProviderFailure Describe(ExecutionProvider provider, string runtimeMessage)
    {
        var missing = MissingLibrary(runtimeMessage);
        var hint = missing switch
        {
            null => provider == ExecutionProvider.TensorRT ? TensorRTInstallHint : CudaInstallHint,
            _ when missing.StartsWith("libonnxruntime_providers_", StringComparison.Ordinal) => GpuFlavourHint,
            _ when missing.StartsWith("libnvinfer", StringComparison.Ordinal) => TensorRTInstallHint,
            _ => CudaInstallHint,
        };
        var what = missing is null ? "it could not start" : $"{missing} could not be loaded";
        return new ProviderFailure($"{what}; {hint}. ONNX Runtime said: {runtimeMessage.Trim()}", missing);
    }

    /// <summary>The shared library named in a dlopen failure, e.g. libcublasLt.so.13 in "libcublasLt.so.13: cannot open shared object file".</summary>
    public static string? MissingLibrary(string message)
    {
        var cannotOpen = CannotOpen().Match(message);
        if (cannotOpen.Success)
        {
            return cannotOpen.Groups[1].Value;
        }

        var failedToLoad = FailedToLoad().Match(message);
        return failedToLoad.Success ? Path.GetFileName(failedToLoad.Groups[1].Value) : null;
    }

    [GeneratedRegex(@"(lib[\w.+-]*?\.so(?:\.\d+)*): cannot open shared object file")]
    private static partial Regex CannotOpen();

    [GeneratedRegex(@"Failed to load (?:shared )?library\s+(\S*?lib[\w.+-]*?\.so(?:\.\d+)*)")]
    private static partial Regex FailedToLoad();
}
