using Intelligence.Inference.Batching;
using Intelligence.Inference.Onnx;

namespace Intelligence.Inference.Tests;

public sealed class BatchingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static InferenceSession Mlp(out DenseLayer[] layers)
    {
        var rng = new Random(21);
        layers = [Reference.RandomLayer(rng, 64, 32), Reference.RandomLayer(rng, 32, 10)];
        return InferenceSession.FromBytes(OnnxGraphs.Mlp(layers));
    }

    [Fact]
    public async Task QueuedRequests_RunAsOneBatch_AndEachCallerGetsItsOwnRows()
    {
        using var session = Mlp(out var layers);
        var batcher = new DynamicBatcher(session, new BatchingOptions { MaxBatchSize = 64, MaxWait = TimeSpan.FromMilliseconds(1) }, null, start: false);
        await using var scope = new TimedDisposal(batcher, Timeout);
        var inputs = Enumerable.Range(0, 10).Select(i => Reference.RandomInput(new Random(300 + i), (1 + (i % 3)) * 64)).ToArray();

        var pending = inputs.Select(x => batcher.RunAsync(TensorValue.Create(x, x.Length / 64, 64))).ToArray();
        Assert.Equal(10, batcher.QueueLength);
        batcher.Start();
        var results = await Task.WhenAll(pending).WaitAsync(Timeout);

        for (var i = 0; i < inputs.Length; i++)
        {
            var rows = inputs[i].Length / 64;
            Assert.Equal([rows, 10L], results[i].Shape);
            Reference.AssertClose(Reference.Mlp(layers, inputs[i], rows, Activation.Relu, Activation.Softmax), results[i].As<float>().Span);
        }

        Assert.Equal(new BatchingStatistics(10, 1, 19), batcher.Statistics);
    }

    [Fact]
    public async Task MaxBatchSize_SplitsQueueIntoSeveralBatches()
    {
        using var session = Mlp(out var layers);
        var batcher = new DynamicBatcher(session, new BatchingOptions { MaxBatchSize = 4 }, null, start: false);
        await using var scope = new TimedDisposal(batcher, Timeout);
        var inputs = Enumerable.Range(0, 10).Select(i => Reference.RandomInput(new Random(400 + i), 64)).ToArray();

        var pending = inputs.Select(x => batcher.RunAsync(TensorValue.Create(x, 1, 64))).ToArray();
        batcher.Start();
        var results = await Task.WhenAll(pending).WaitAsync(Timeout);

        for (var i = 0; i < inputs.Length; i++)
        {
            Reference.AssertClose(Reference.Mlp(layers, inputs[i], 1, Activation.Relu, Activation.Softmax), results[i].As<float>().Span);
        }

        Assert.Equal(new BatchingStatistics(10, 3, 4), batcher.Statistics);
    }

    [Fact]
    public async Task ManyConcurrentCallers_EachGetsItsOwnResult()
    {
        using var session = Mlp(out var layers);
        var batcher = new DynamicBatcher(session, new BatchingOptions { MaxBatchSize = 32, MaxWait = TimeSpan.FromMilliseconds(2) });
        await using var scope = new TimedDisposal(batcher, Timeout);
        const int callers = 64;
        var inputs = Enumerable.Range(0, callers).Select(i => Reference.RandomInput(new Random(500 + i), 64)).ToArray();
        var expected = inputs.Select(x => Reference.Mlp(layers, x, 1, Activation.Relu, Activation.Softmax)).ToArray();

        var tasks = Enumerable.Range(0, callers).Select(async c =>
        {
            for (var k = 0; k < 20; k++)
            {
                var y = await batcher.RunAsync(TensorValue.Create(inputs[c], 1, 64)).WaitAsync(Timeout);
                Reference.AssertClose(expected[c], y.As<float>().Span);
            }
        });
        await Task.WhenAll(tasks).WaitAsync(Timeout);

        Assert.Equal(callers * 20, batcher.Statistics.Requests);
    }

    [Fact]
    public async Task FillingBatch_RunsAsSoonAsItIsFull_NotAtMaxWait()
    {
        using var session = Mlp(out var layers);
        // MaxWait far beyond the test's timeout: the batch can only finish in time if the worker wakes when it fills.
        var batcher = new DynamicBatcher(session, new BatchingOptions { MaxBatchSize = 8, MaxWait = TimeSpan.FromMinutes(10) });
        await using var scope = new TimedDisposal(batcher, Timeout);
        var inputs = Enumerable.Range(0, 8).Select(i => Reference.RandomInput(new Random(700 + i), 64)).ToArray();

        var first = batcher.RunAsync(TensorValue.Create(inputs[0], 1, 64));
        await WaitUntil(() => batcher.QueueLength == 0); // the worker holds the first request and waits for 7 more rows
        var rest = inputs.Skip(1).Select(x => batcher.RunAsync(TensorValue.Create(x, 1, 64))).ToArray();
        var results = await Task.WhenAll(rest.Prepend(first)).WaitAsync(Timeout);

        for (var i = 0; i < inputs.Length; i++)
        {
            Reference.AssertClose(Reference.Mlp(layers, inputs[i], 1, Activation.Relu, Activation.Softmax), results[i].As<float>().Span);
        }

        Assert.Equal(new BatchingStatistics(8, 1, 8), batcher.Statistics);
    }

    [Fact]
    public async Task Dispose_WhileABatchIsFilling_RunsItWithoutWaitingForMaxWait()
    {
        using var session = Mlp(out var layers);
        var batcher = new DynamicBatcher(session, new BatchingOptions { MaxBatchSize = 8, MaxWait = TimeSpan.FromMinutes(10) });
        var x = Reference.RandomInput(new Random(9), 64);
        var pending = batcher.RunAsync(TensorValue.Create(x, 1, 64));
        await WaitUntil(() => batcher.QueueLength == 0);

        await batcher.DisposeAsync().AsTask().WaitAsync(Timeout);

        Reference.AssertClose(Reference.Mlp(layers, x, 1, Activation.Relu, Activation.Softmax), (await pending.WaitAsync(Timeout)).As<float>().Span);
        Assert.Equal(new BatchingStatistics(1, 1, 1), batcher.Statistics);
    }

    [Fact]
    public async Task LoneRequest_RunsAfterMaxWait_WithoutAFullBatch()
    {
        using var session = Mlp(out var layers);
        var batcher = new DynamicBatcher(session, new BatchingOptions { MaxBatchSize = 64, MaxWait = TimeSpan.FromMilliseconds(20) });
        await using var scope = new TimedDisposal(batcher, Timeout);
        var x = Reference.RandomInput(new Random(8), 64);

        var y = await batcher.RunAsync(TensorValue.Create(x, 1, 64)).WaitAsync(Timeout);

        Reference.AssertClose(Reference.Mlp(layers, x, 1, Activation.Relu, Activation.Softmax), y.As<float>().Span);
        Assert.Equal(new BatchingStatistics(1, 1, 1), batcher.Statistics);
    }

    [Fact]
    public async Task Requests_AreBatchedInArrivalOrder_ALaterSmallerRequestNeverOvertakes()
    {
        using var session = Mlp(out var layers);
        var batcher = new DynamicBatcher(session, new BatchingOptions { MaxBatchSize = 4 }, null, start: false);
        await using var scope = new TimedDisposal(batcher, Timeout);
        int[] rows = [3, 2, 1, 2];
        var inputs = rows.Select((r, i) => Reference.RandomInput(new Random(900 + i), r * 64)).ToArray();

        var pending = inputs.Select((x, i) => batcher.RunAsync(TensorValue.Create(x, rows[i], 64))).ToArray();
        batcher.Start();
        var results = await Task.WhenAll(pending).WaitAsync(Timeout);

        for (var i = 0; i < inputs.Length; i++)
        {
            Reference.AssertClose(Reference.Mlp(layers, inputs[i], rows[i], Activation.Relu, Activation.Softmax), results[i].As<float>().Span);
        }

        // In order: [3], [2, 1], [2]. Filling gaps with later requests would give [3, 1], [2, 2].
        Assert.Equal(new BatchingStatistics(4, 3, 3), batcher.Statistics);
    }

    [Fact]
    public async Task CancelledWhileWaitingForRoom_CompletesAsCancelledAndIsNotRun()
    {
        using var session = Mlp(out _);
        var batcher = new DynamicBatcher(session, new BatchingOptions { QueueCapacity = 1 }, null, start: false);
        await using var scope = new TimedDisposal(batcher, Timeout);
        using var cts = new CancellationTokenSource();
        var x = TensorValue.Create(new float[64], 1, 64);
        var queued = batcher.RunAsync(x);
        var waiting = batcher.RunAsync(x, cts.Token);
        Assert.False(waiting.IsCompleted);

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Timeout));
        batcher.Start();
        await queued.WaitAsync(Timeout);
        Assert.Equal(1, batcher.Statistics.Requests);
    }

    [Fact]
    public async Task FullQueue_WithRejectWhenFull_RefusesWithTypedError()
    {
        using var session = Mlp(out _);
        var batcher = new DynamicBatcher(session, new BatchingOptions { QueueCapacity = 3, RejectWhenFull = true }, null, start: false);
        await using var scope = new TimedDisposal(batcher, Timeout);
        var x = TensorValue.Create(new float[64], 1, 64);
        var queued = Enumerable.Range(0, 3).Select(_ => batcher.RunAsync(x)).ToArray();

        var ex = await Assert.ThrowsAsync<BatchQueueFullException>(() => batcher.RunAsync(x).WaitAsync(Timeout));
        Assert.Equal(3, ex.Capacity);
        batcher.Start();
        await Task.WhenAll(queued).WaitAsync(Timeout);
    }

    [Fact]
    public async Task FullQueue_WithoutReject_MakesCallerWaitForRoom()
    {
        using var session = Mlp(out var layers);
        var batcher = new DynamicBatcher(session, new BatchingOptions { QueueCapacity = 2 }, null, start: false);
        await using var scope = new TimedDisposal(batcher, Timeout);
        var x = Reference.RandomInput(new Random(6), 64);
        var first = Enumerable.Range(0, 2).Select(_ => batcher.RunAsync(TensorValue.Create(x, 1, 64))).ToArray();

        var waiting = batcher.RunAsync(TensorValue.Create(x, 1, 64));
        Assert.False(waiting.IsCompleted);
        Assert.Equal(2, batcher.QueueLength);
        batcher.Start();

        var y = await waiting.WaitAsync(Timeout);
        Reference.AssertClose(Reference.Mlp(layers, x, 1, Activation.Relu, Activation.Softmax), y.As<float>().Span);
        await Task.WhenAll(first).WaitAsync(Timeout);
    }

    [Fact]
    public async Task BadRequest_FailsAloneWithTypedError()
    {
        using var session = Mlp(out _);
        var batcher = new DynamicBatcher(session);
        await using var scope = new TimedDisposal(batcher, Timeout);
        await Assert.ThrowsAsync<InputMismatchException>(() => batcher.RunAsync(TensorValue.Create(new float[63], 1, 63)).WaitAsync(Timeout));
        await Assert.ThrowsAsync<InvalidInputValueException>(() => batcher.RunAsync(TensorValue.Create(Enumerable.Repeat(float.NaN, 64).ToArray(), 1, 64)).WaitAsync(Timeout));
        Assert.Equal(0, batcher.Statistics.Requests);
    }

    [Fact]
    public async Task CancelledWhileQueued_CompletesAsCancelledAndIsNotRun()
    {
        using var session = Mlp(out _);
        var batcher = new DynamicBatcher(session, null, null, start: false);
        await using var scope = new TimedDisposal(batcher, Timeout);
        using var cts = new CancellationTokenSource();
        var x = TensorValue.Create(new float[64], 1, 64);
        var cancelled = batcher.RunAsync(x, cts.Token);
        var kept = batcher.RunAsync(x);

        cts.Cancel();
        batcher.Start();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Timeout));
        await kept.WaitAsync(Timeout);
        Assert.Equal(1, batcher.Statistics.Requests);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached in time");
            await Task.Delay(1);
        }
    }

    [Fact]
    public void ModelWithoutFreeBatchDimension_IsRejected()
    {
        using var session = InferenceSession.FromBytes(Models.SlowChain(4, 1));
        var ex = Assert.Throws<InferenceException>(() => new DynamicBatcher(session));
        Assert.Contains("free first (batch) dimension", ex.Message);
    }

    [Fact]
    public async Task AfterDispose_RunIsRefused()
    {
        using var session = Mlp(out _);
        var batcher = new DynamicBatcher(session);
        await batcher.DisposeAsync().AsTask().WaitAsync(Timeout);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => batcher.RunAsync(TensorValue.Create(new float[64], 1, 64)).WaitAsync(Timeout));
    }

    [Fact]
    public async Task MultiInputModel_StacksEveryInput()
    {
        var model = new OnnxModelBuilder()
            .AddInput("a", TensorElementType.Int64, "batch", 2)
            .AddInput("b", TensorElementType.Int64, "batch", 2)
            .AddOutput("sum", TensorElementType.Int64, "batch", 2)
            .AddNode("Add", ["a", "b"], ["sum"])
            .ToBytes();
        using var session = InferenceSession.FromBytes(model);
        var batcher = new DynamicBatcher(session, null, null, start: false);
        await using var scope = new TimedDisposal(batcher, Timeout);

        var one = batcher.RunAsync([new NamedTensor("a", TensorValue.Create([1L, 2], 1, 2)), new NamedTensor("b", TensorValue.Create([10L, 20], 1, 2))]);
        var two = batcher.RunAsync([new NamedTensor("b", TensorValue.Create([5L, 5, 7, 7], 2, 2)), new NamedTensor("a", TensorValue.Create([1L, 1, 2, 2], 2, 2))]);
        var mismatched = batcher.RunAsync([new NamedTensor("a", TensorValue.Create([1L, 2], 1, 2)), new NamedTensor("b", TensorValue.Create([1L, 2, 3, 4], 2, 2))]);
        batcher.Start();

        Assert.Equal(new long[] { 11, 22 }, (await one.WaitAsync(Timeout))["sum"].As<long>().ToArray());
        Assert.Equal(new long[] { 6, 6, 9, 9 }, (await two.WaitAsync(Timeout))["sum"].As<long>().ToArray());
        await Assert.ThrowsAsync<InputMismatchException>(() => mismatched.WaitAsync(Timeout));
        Assert.Equal(1, batcher.Statistics.Batches);
    }
}

/// <summary>Disposes a batcher at the end of a test, bounded by a timeout so a stuck worker fails the test instead of hanging it.</summary>
internal sealed class TimedDisposal(DynamicBatcher batcher, TimeSpan timeout) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await batcher.DisposeAsync().AsTask().WaitAsync(timeout);
}
