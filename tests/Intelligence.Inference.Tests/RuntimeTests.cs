using System.Runtime.InteropServices;
using Intelligence.Inference.Native;
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

    [Fact]
    public void Locator_NothingFound_ThrowsTypedErrorNamingBootstrap()
    {
        var absent = Path.Combine(Path.GetTempPath(), $"no-ort-{Guid.NewGuid():N}", "libonnxruntime.so.1");
        var ex = Assert.Throws<OnnxRuntimeNotFoundException>(() =>
            LibraryLocator.Load(null, [absent], ["libintelligence-no-such-onnxruntime.so.9"]));
        Assert.Contains("tools/bootstrap.sh", ex.Message);
        Assert.Equal(2, ex.Searched.Count);
        Assert.Contains(absent, ex.Searched[0]);
    }

    [Fact]
    public void Locator_ConfiguredPathNotALibrary_IsFinal()
    {
        var fake = Path.Combine(Path.GetTempPath(), $"fake-ort-{Guid.NewGuid():N}.so");
        File.WriteAllText(fake, "not a shared library");
        try
        {
            var ex = Assert.Throws<OnnxRuntimeNotFoundException>(() =>
                LibraryLocator.Load(fake, LibraryLocator.CandidateFiles(fake, null, []), ["libonnxruntime.so.1"]));
            Assert.Single(ex.Searched);
            Assert.Contains("not a loadable library", ex.Searched[0]);
        }
        finally
        {
            File.Delete(fake);
        }
    }

    [Fact]
    public void Locator_FindsToolchainLibraryByWalkingUpToSolution()
    {
        var root = LibraryLocator.FindRepositoryRoot(AppContext.BaseDirectory);
        Assert.NotNull(root);
        var candidates = LibraryLocator.CandidateFiles(null, Environment.GetEnvironmentVariable(LibraryLocator.ToolsDirVariable), [AppContext.BaseDirectory]);
        Assert.Contains(Path.Combine(root, ".tools", "lib", "libonnxruntime.so.1"), candidates);

        var handle = LibraryLocator.Load(null, candidates, []);
        Assert.NotEqual(0, handle);
        Assert.NotEqual(0, NativeLibrary.GetExport(handle, "OrtGetApiBase"));
        NativeLibrary.Free(handle);
    }

    [Fact]
    public void CudaProvider_IsSelectable_AndFailsWithTypedErrorWhenUnavailable()
    {
        var model = OnnxGraphs.LinearAutoregressive([1f], [0f], 1, 1);
        var logger = new ListLogger();
        InferenceSession? session = null;
        var ex = Record.Exception(() => session = InferenceSession.FromBytes(model, new InferenceSessionOptions { Provider = ExecutionProvider.Cuda, CudaDeviceId = 0, CudaMemoryLimitBytes = 1L << 30 }, logger));
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
                Assert.False(string.IsNullOrWhiteSpace(unavailable.Reason));
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
        }
        else
        {
            Assert.Empty(fallbacks);
        }
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
