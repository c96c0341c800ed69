using Intelligence.Inference.Onnx;

namespace Intelligence.Inference.Tests;

public sealed class RuntimeTests
{
    [Fact]
    public void Runtime_ReportsVersionAndCpuProvider()
    {
        Assert.Matches(@"^1\.\d+\.\d+", OnnxRuntime.Version);
        Assert.Contains("CPUExecutionProvider", OnnxRuntime.AvailableProviders);
    }

    [Fact]
    public void Configure_AfterLibraryLoaded_IsRefused()
    {
        _ = OnnxRuntime.Version; // loads the library first, so the call below cannot change the process's choice
        Assert.Throws<InvalidOperationException>(() => OnnxRuntime.Configure("/elsewhere/libonnxruntime.so.1"));
        Assert.Throws<ArgumentException>(() => OnnxRuntime.Configure(" "));
    }

    // Where CUDA loads (a GPU machine with the CUDA 13 runtime and cuDNN 9), the run must happen on it; where it does
    // not (this machine: the provider library is here, libcublasLt.so.13 is not), the error must be typed and name
    // the library that is missing, never a crash or a silent CPU run.
    [Fact]
    public void CudaProvider_RunsOnCuda_OrFailsWithTypedErrorNamingTheMissingLibrary()
    {
        var model = OnnxGraphs.LinearAutoregressive([1f], [0f], 1, 1);
        var logger = new ListLogger();
        InferenceSession? session = null;
        var ex = Record.Exception(() => session = InferenceSession.FromBytes(model, new InferenceSessionOptions
        {
            Provider = ExecutionProvider.Cuda, CudaDeviceId = 0, CudaMemoryLimitBytes = 1L << 30, CudnnConvolutionSearch = CudnnConvolutionSearch.Heuristic,
        }, logger));
        using (session)
        {
            if (ex is null)
            {
                Assert.Equal(ExecutionProvider.Cuda, session!.ActiveProvider);
                Assert.Equal([5f], session.Run(TensorValue.Create([5f], 1, 1)).As<float>().ToArray());
            }
            else
            {
                var unavailable = Assert.IsType<ExecutionProviderUnavailableException>(ex);
                Assert.Equal(ExecutionProvider.Cuda, unavailable.Provider);
                Assert.NotNull(unavailable.MissingLibrary);
                Assert.Matches(@"^lib[\w.+-]+\.so(\.\d+)*$", unavailable.MissingLibrary);
                Assert.Contains(unavailable.MissingLibrary, unavailable.Message);
                Assert.Contains("CUDA 13 runtime", unavailable.Reason);
                Assert.Contains("cuDNN 9", unavailable.Reason);
                Assert.DoesNotContain(logger.Messages, m => m.Contains("falling back", StringComparison.Ordinal));
            }
        }
    }

    [Fact]
    public void TensorRTProvider_RunsOnIt_OrFailsWithTypedError()
    {
        var model = OnnxGraphs.LinearAutoregressive([1f], [0f], 1, 1);
        InferenceSession? session = null;
        var ex = Record.Exception(() => session = InferenceSession.FromBytes(model, new InferenceSessionOptions { Provider = ExecutionProvider.TensorRT }));
        using (session)
        {
            if (ex is null)
            {
                Assert.Equal(ExecutionProvider.TensorRT, session!.ActiveProvider);
                Assert.Equal([5f], session.Run(TensorValue.Create([5f], 1, 1)).As<float>().ToArray());
            }
            else
            {
                var unavailable = Assert.IsType<ExecutionProviderUnavailableException>(ex);
                Assert.Equal(ExecutionProvider.TensorRT, unavailable.Provider);
                Assert.NotNull(unavailable.MissingLibrary);
            }
        }
    }

    [Fact]
    public void AutoProvider_FallsBackToCpuWithOneLogLineSayingWhy()
    {
        var logger = new ListLogger();
        using var session = InferenceSession.FromBytes(OnnxGraphs.LinearAutoregressive([2f], [1f], 1, 1), new InferenceSessionOptions { Provider = ExecutionProvider.Auto }, logger);

        Assert.Equal([7f], session.Run(TensorValue.Create([3f], 1, 1)).As<float>().ToArray());
        var fallbacks = logger.Messages.Where(m => m.Contains("falling back to CPU", StringComparison.Ordinal)).ToList();
        if (session.ActiveProvider == ExecutionProvider.Cpu)
        {
            var line = Assert.Single(fallbacks);
            Assert.StartsWith("Warning: CUDA execution provider unavailable", line);
            Assert.Matches(@"lib[\w.+-]+\.so(\.\d+)* could not be loaded", line);
            Assert.Contains("CUDA 13 runtime", line);
            Assert.DoesNotContain('\n', line);
        }
        else
        {
            Assert.Equal(ExecutionProvider.Cuda, session.ActiveProvider);
            Assert.Empty(fallbacks);
        }
    }

    [Theory]
    [InlineData("/usr/lib/libonnxruntime_providers_cuda.so with error: libcublasLt.so.13: cannot open shared object file: No such file or directory", "libcublasLt.so.13", "CUDA 13 runtime")]
    [InlineData("Failed to load library libonnxruntime_providers_cuda.so with error: libonnxruntime_providers_cuda.so: cannot open shared object file: No such file or directory", "libonnxruntime_providers_cuda.so", "Intelligence.Inference.Gpu.targets")]
    [InlineData("libnvinfer.so.10: cannot open shared object file: No such file or directory", "libnvinfer.so.10", "TensorRT 10")]
    public void ProviderFailure_NamesTheMissingLibraryAndWhatToInstall(string runtimeMessage, string library, string hint)
    {
        var failure = ExecutionProviders.Describe(ExecutionProvider.Cuda, runtimeMessage);
        Assert.Equal(library, failure.MissingLibrary);
        Assert.StartsWith($"{library} could not be loaded; ", failure.Reason);
        Assert.Contains(hint, failure.Reason);
    }

    [Fact]
    public void ProviderFailure_WithoutALibraryName_StillSaysWhatToInstall()
    {
        var failure = ExecutionProviders.Describe(ExecutionProvider.Cuda, "CUDA failure 100: no CUDA-capable device is detected");
        Assert.Null(failure.MissingLibrary);
        Assert.Contains("cuDNN 9", failure.Reason);
        Assert.True(ExecutionProviders.IsProviderFailure("CUDA failure 100: no CUDA-capable device is detected"));
        Assert.False(ExecutionProviders.IsProviderFailure("Protobuf parsing failed."));
    }
}

[Collection(SerialCollection.Name)]
public sealed class HandleLeakTests
{
    [Fact]
    public void TenThousandRuns_ReleaseEveryNativeObject()
    {
        var rng = new Random(3);
        using var session = InferenceSession.FromBytes(OnnxGraphs.Mlp([Reference.RandomLayer(rng, 64, 16), Reference.RandomLayer(rng, 16, 10)]));
        var x = TensorValue.Create(Reference.RandomInput(rng, 64), 1, 64);
        using var cts = new CancellationTokenSource();
        session.Run(x);
        var before = OnnxRuntime.LiveNativeObjects;

        for (var i = 0; i < 10_000; i++)
        {
            // Every third run also creates run options (cancellable token and deadline).
            var y = i % 3 == 0 ? session.Run(x, cts.Token, TimeSpan.FromMinutes(1)) : session.Run(x);
            Assert.Equal(10, y.ElementCount);
        }

        Assert.Equal(before, OnnxRuntime.LiveNativeObjects);
    }

    [Fact]
    public void FailedRunsAndLoads_ReleaseEveryNativeObject()
    {
        var rng = new Random(4);
        var model = OnnxGraphs.Mlp([Reference.RandomLayer(rng, 8, 2)]);
        using (InferenceSession.FromBytes(model))
        {
        }

        var before = OnnxRuntime.LiveNativeObjects;
        for (var i = 0; i < 200; i++)
        {
            using var session = InferenceSession.FromBytes(model);
            Assert.Throws<InputMismatchException>(() => session.Run(TensorValue.Create(new float[9], 1, 9)));
            Assert.Throws<ModelLoadException>(() => InferenceSession.FromBytes(model.AsMemory(0, 40)));
        }

        Assert.Equal(before, OnnxRuntime.LiveNativeObjects);
    }
}
