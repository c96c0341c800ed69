using System.Buffers;
using Intelligence.Inference.Onnx;

namespace Intelligence.Inference.Tests;

public sealed class SessionTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static InferenceSession DigitsLikeMlp(out DenseLayer[] layers, InferenceSessionOptions? options = null)
    {
        var rng = new Random(42);
        layers = [Reference.RandomLayer(rng, 64, 32), Reference.RandomLayer(rng, 32, 10)];
        return InferenceSession.FromBytes(OnnxGraphs.Mlp(layers), options);
    }

    [Fact]
    public void Run_AllElementTypes_RoundTripThroughRuntime()
    {
        using var session = InferenceSession.FromBytes(Models.AllTypes());
        Half[] h = [(Half)1.5f, (Half)(-2f), (Half)0.125f];

        var result = session.Run(
        [
            new NamedTensor("h", TensorValue.Create(h, 3)),
            new NamedTensor("i64", TensorValue.Create([1L, -2L, long.MaxValue - 30], 3)),
            new NamedTensor("i32", TensorValue.Create([7, 11], 2)),
            new NamedTensor("b", TensorValue.Create([true, false], 2)),
            new NamedTensor("u8", TensorValue.Create(new byte[] { 0, 128, 255 }, 3)),
            new NamedTensor("d", TensorValue.Create([1.0, 2.0], 2)),
        ]);

        Assert.Equal(7, result.Count);
        Assert.Equal(h, result["h_out"].As<Half>().ToArray());
        Assert.Equal([1.5f, -2f, 0.125f], result["h_as_float"].As<float>().ToArray());
        Assert.Equal([11L, 18L, long.MaxValue], result["i64_out"].As<long>().ToArray());
        Assert.Equal([21, -22], result["i32_out"].As<int>().ToArray());
        Assert.Equal([false, true], result["b_out"].As<bool>().ToArray());
        Assert.Equal(new byte[] { 0, 128, 255 }, result["u8_out"].As<byte>().ToArray());
        Assert.Equal([1.25, 1.0], result["d_out"].As<double>().ToArray());
        Assert.Equal(TensorElementType.Float16, session.Inputs[0].ElementType);
        Assert.Equal(TensorElementType.Bool, session.Outputs[4].ElementType);
    }

    [Fact]
    public void Run_WithPooledMemorySlice_UsesItInPlace()
    {
        using var session = DigitsLikeMlp(out var layers);
        var rng = new Random(9);
        var x = Reference.RandomInput(rng, 3 * 64);
        var rented = ArrayPool<float>.Shared.Rent(1024);
        try
        {
            x.CopyTo(rented, 5);
            var y = session.Run(TensorValue.Create(rented.AsMemory(5, x.Length), 3, 64)).As<float>();
            Reference.AssertClose(Reference.Mlp(layers, x, 3, Activation.Relu, Activation.Softmax), y.Span);
            Assert.Equal(x, rented.AsSpan(5, x.Length).ToArray());
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    [Fact]
    public void Run_WrongInputName_ThrowsInputMismatch()
    {
        using var session = DigitsLikeMlp(out _);
        var ex = Assert.Throws<InputMismatchException>(() =>
            session.Run([new NamedTensor("pixels", TensorValue.Create(new float[64], 1, 64))]));
        Assert.Equal("pixels", ex.InputName);
        Assert.Contains("'input'", ex.Message);
    }

    [Fact]
    public void Run_MissingAndRepeatedInputs_ThrowInputMismatch()
    {
        using var session = InferenceSession.FromBytes(Models.AllTypes());
        Assert.Throws<InputMismatchException>(() => session.Run([new NamedTensor("i32", TensorValue.Create([1, 2], 2))]));
        var one = TensorValue.Create([1, 2], 2);
        var ex = Assert.Throws<InputMismatchException>(() => session.Run([new NamedTensor("i32", one), new NamedTensor("i32", one)]));
        Assert.Contains("more than once", ex.Message);
    }

    [Fact]
    public void Run_WrongElementType_ThrowsInputMismatch()
    {
        using var session = DigitsLikeMlp(out _);
        var ex = Assert.Throws<InputMismatchException>(() => session.Run(TensorValue.Create(new double[64], 1, 64)));
        Assert.Contains("expected Float elements, got Double", ex.Message);
    }

    [Theory]
    [InlineData(new long[] { 1, 63 })]
    [InlineData(new long[] { 64 })]
    [InlineData(new long[] { 1, 1, 64 })]
    public void Run_WrongShape_ThrowsInputMismatch(long[] shape)
    {
        using var session = DigitsLikeMlp(out _);
        var count = (int)shape.Aggregate(1L, (a, b) => a * b);
        var ex = Assert.Throws<InputMismatchException>(() => session.Run(TensorValue.Create(new float[count], shape)));
        Assert.Contains("expected shape [batch, 64]", ex.Message);
    }

    [Fact]
    public void TensorValue_DataNotMatchingShape_IsRejected() =>
        Assert.Throws<ArgumentException>(() => TensorValue.Create(new float[10], 2, 4));

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Run_NonFiniteInput_ThrowsInvalidInputValue(float bad)
    {
        using var session = DigitsLikeMlp(out _);
        var x = new float[2 * 64];
        x[77] = bad;
        var ex = Assert.Throws<InvalidInputValueException>(() => session.Run(TensorValue.Create(x, 2, 64)));
        Assert.Equal("input", ex.InputName);
    }

    [Fact]
    public void Run_NonFiniteInputAllowedByOptions_PropagatesNaN()
    {
        using var session = DigitsLikeMlp(out _, new InferenceSessionOptions { RejectNonFiniteInputs = false });
        var x = new float[64];
        x[3] = float.NaN;
        var y = session.Run(TensorValue.Create(x, 1, 64)).As<float>();
        Assert.Contains(y.ToArray(), float.IsNaN);
    }

    [Fact]
    public void FromBytes_CorruptModel_ThrowsModelLoad()
    {
        var garbage = new byte[512];
        new Random(4).NextBytes(garbage);
        var ex = Assert.Throws<ModelLoadException>(() => InferenceSession.FromBytes(garbage));
        Assert.IsType<OnnxRuntimeException>(ex.InnerException);
    }

    [Fact]
    public void FromBytes_TruncatedModel_ThrowsModelLoad()
    {
        var model = OnnxGraphs.Mlp([Reference.RandomLayer(new Random(1), 64, 10)]);
        Assert.Throws<ModelLoadException>(() => InferenceSession.FromBytes(model.AsMemory(0, model.Length / 2)));
    }

    [Fact]
    public void FromBytes_UnknownOperator_ThrowsModelLoad()
    {
        var model = new OnnxModelBuilder()
            .AddInput("x", TensorElementType.Float, 2)
            .AddOutput("y", TensorElementType.Float, 2)
            .AddNode("NoSuchOperator", ["x"], ["y"])
            .ToBytes();
        var ex = Assert.Throws<ModelLoadException>(() => InferenceSession.FromBytes(model));
        Assert.Contains("NoSuchOperator", ex.Message);
    }

    [Fact]
    public void FromFile_MissingOrCorruptFile_ThrowsModelLoad()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"absent-{Guid.NewGuid():N}.onnx");
        Assert.IsType<FileNotFoundException>(Assert.Throws<ModelLoadException>(() => InferenceSession.FromFile(missing)).InnerException);

        var corrupt = Path.Combine(Path.GetTempPath(), $"corrupt-{Guid.NewGuid():N}.onnx");
        try
        {
            File.WriteAllText(corrupt, "this is not an onnx model");
            var ex = Assert.Throws<ModelLoadException>(() => InferenceSession.FromFile(corrupt));
            Assert.DoesNotContain("Load model from", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(corrupt);
        }
    }

    [Fact]
    public void FromFile_FolderOrEmptyFile_SaysWhatItIs()
    {
        var folder = Directory.CreateTempSubdirectory("intelligence-model-").FullName;
        try
        {
            var ex = Assert.Throws<ModelLoadException>(() => InferenceSession.FromFile(folder));
            Assert.Contains("this is a folder", ex.Message, StringComparison.Ordinal);

            var empty = Path.Combine(folder, "empty.onnx");
            File.WriteAllBytes(empty, []);
            ex = Assert.Throws<ModelLoadException>(() => InferenceSession.FromFile(empty));
            Assert.Contains("the file is empty", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [InlineData("Load model from /m.onnx failed:No graph was found in the protobuf.", "not a valid ONNX model (No graph was found in the protobuf)")]
    [InlineData("Load model from /m.onnx failed:Protobuf parsing failed.", "not a valid ONNX model (Protobuf parsing failed)")]
    [InlineData("This is an invalid model. Error: unknown op", "This is an invalid model. Error: unknown op")]
    public void LoadFailure_RuntimeMessages_ReadAsSentences(string runtime, string expected) =>
        Assert.Equal(expected, InferenceSession.LoadFailure(runtime));

    [Fact]
    public async Task Run_ManyConcurrentCallersOnOneSession_EachGetsItsOwnResult()
    {
        using var session = DigitsLikeMlp(out var layers, new InferenceSessionOptions { IntraOpThreads = 1 });
        const int callers = 16;
        var inputs = Enumerable.Range(0, callers).Select(i => Reference.RandomInput(new Random(100 + i), 64)).ToArray();
        var expected = inputs.Select(x => Reference.Mlp(layers, x, 1, Activation.Relu, Activation.Softmax)).ToArray();

        // Dedicated threads, so the blocking callers do not starve the thread pool other tests use.
        var tasks = Enumerable.Range(0, callers).Select(c => Task.Factory.StartNew(() =>
        {
            for (var k = 0; k < 200; k++)
            {
                var y = session.Run(TensorValue.Create(inputs[c], 1, 64)).As<float>();
                Reference.AssertClose(expected[c], y.Span);
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default));

        await Task.WhenAll(tasks).WaitAsync(Timeout);
    }

    // A model that takes seconds on one thread (1200 chained 512x512 MatMuls; 3.6 s measured on an idle core here,
    // where the old 256x400 chain took ~0.25 s): cancellation or the deadline, not the model finishing, must be what
    // ends these runs, however late the cancel or the deadline timer lands on a loaded machine.
    private const int SlowN = 512;
    private const int SlowSteps = 1200;

    [Fact]
    public async Task Run_CancelledWhileNativeRunInFlight_ThrowsOperationCanceled()
    {
        using var session = InferenceSession.FromBytes(Models.SlowChain(SlowN, SlowSteps), new InferenceSessionOptions { IntraOpThreads = 1 });
        using var started = new ManualResetEventSlim();
        session.NativeRunStarting = started.Set;
        using var cts = new CancellationTokenSource();
        var run = Task.Factory.StartNew(() => session.Run(TensorValue.Create(new float[SlowN * SlowN], SlowN, SlowN), cts.Token),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        Assert.True(started.Wait(Timeout));
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Dispose_WhileNativeRunInFlight_KeepsTheSessionUntilTheRunEnds()
    {
        var session = InferenceSession.FromBytes(Models.SlowChain(SlowN, SlowSteps), new InferenceSessionOptions { IntraOpThreads = 1 });
        using var started = new ManualResetEventSlim();
        session.NativeRunStarting = started.Set;
        using var cts = new CancellationTokenSource();
        var run = Task.Factory.StartNew(() => session.Run(TensorValue.Create(new float[SlowN * SlowN], SlowN, SlowN), cts.Token),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        Assert.True(started.Wait(Timeout));
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Run(TensorValue.Create(new float[SlowN * SlowN], SlowN, SlowN)));
        cts.Cancel();

        // The in-flight run ends through its own cancellation, on a native session that is still alive.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Run_PastDeadlineMidRun_ThrowsDeadlineExceeded()
    {
        using var session = InferenceSession.FromBytes(Models.SlowChain(SlowN, SlowSteps), new InferenceSessionOptions { IntraOpThreads = 1 });
        var run = Task.Factory.StartNew(() => session.Run(TensorValue.Create(new float[SlowN * SlowN], SlowN, SlowN), deadline: TimeSpan.FromMilliseconds(20)),
            CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        var ex = await Assert.ThrowsAsync<InferenceDeadlineExceededException>(() => run.WaitAsync(Timeout));
        Assert.Equal(TimeSpan.FromMilliseconds(20), ex.Deadline);
    }

    [Fact]
    public void Run_DeadlinePassedBeforeNativeRun_ThrowsDeadlineExceeded()
    {
        using var session = DigitsLikeMlp(out _);
        // The hook runs after Run has fixed its deadline, so waiting 5 ms from the hook's own start always passes the
        // 1 ms deadline (a clock started before Run would not, when Run itself is slow to reach the hook).
        session.NativeRunStarting = () =>
        {
            var hook = System.Diagnostics.Stopwatch.StartNew();
            Assert.True(SpinWait.SpinUntil(() => hook.ElapsedMilliseconds > 5, Timeout));
        };
        Assert.Throws<InferenceDeadlineExceededException>(() =>
            session.Run(TensorValue.Create(new float[64], 1, 64), deadline: TimeSpan.FromMilliseconds(1)));
    }

    [Fact]
    public void Run_NonPositiveDeadline_IsRefused()
    {
        using var session = DigitsLikeMlp(out _);
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Run(TensorValue.Create(new float[64], 1, 64), deadline: TimeSpan.Zero));
    }

    [Fact]
    public void Run_AlreadyCancelledToken_DoesNotRun()
    {
        using var session = DigitsLikeMlp(out _);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => session.Run(TensorValue.Create(new float[64], 1, 64), cts.Token));
    }

    [Fact]
    public void Run_CancellableTokenNotCancelled_CompletesNormally()
    {
        using var session = DigitsLikeMlp(out var layers);
        using var cts = new CancellationTokenSource();
        var x = Reference.RandomInput(new Random(8), 64);
        var y = session.Run(TensorValue.Create(x, 1, 64), cts.Token, TimeSpan.FromSeconds(30)).As<float>();
        Reference.AssertClose(Reference.Mlp(layers, x, 1, Activation.Relu, Activation.Softmax), y.Span);
    }

    [Theory]
    [InlineData(GraphOptimizationLevel.None, 1, 1, false, true)]
    [InlineData(GraphOptimizationLevel.Basic, 2, 1, false, false)]
    [InlineData(GraphOptimizationLevel.Extended, 1, 2, true, false)]
    [InlineData(GraphOptimizationLevel.All, 0, 0, true, true)]
    public void Options_ThreadsSpinningAndOptimisationLevels_GiveSameResults(GraphOptimizationLevel level, int intra, int inter, bool parallel, bool spin)
    {
        var options = new InferenceSessionOptions
        {
            GraphOptimization = level, IntraOpThreads = intra, InterOpThreads = inter, ParallelExecution = parallel, AllowThreadSpinning = spin,
        };
        using var session = DigitsLikeMlp(out var layers, options);
        var x = Reference.RandomInput(new Random(12), 5 * 64);
        var y = session.Run(TensorValue.Create(x, 5, 64)).As<float>();
        Reference.AssertClose(Reference.Mlp(layers, x, 5, Activation.Relu, Activation.Softmax), y.Span);
    }

    [Fact]
    public void Options_NegativeCounts_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DigitsLikeMlp(out _, new InferenceSessionOptions { IntraOpThreads = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => DigitsLikeMlp(out _, new InferenceSessionOptions { InterOpThreads = -2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => DigitsLikeMlp(out _, new InferenceSessionOptions { CudaDeviceId = -1 }));
    }

    [Fact]
    public void Run_AfterDispose_ThrowsObjectDisposed()
    {
        var session = DigitsLikeMlp(out _);
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Run(TensorValue.Create(new float[64], 1, 64)));
    }
}
