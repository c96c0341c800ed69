using System.Buffers;
using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Intelligence.Inference.Batching;

/// <summary>Settings for a <see cref="DynamicBatcher"/>.</summary>
public sealed class BatchingOptions
{
    /// <summary>Most rows (summed over requests) run together in one batch.</summary>
    public int MaxBatchSize { get; init; } = 64;

    /// <summary>Longest time the first request of a batch waits for others to join it.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Requests that may wait in the queue; beyond it callers wait or are refused (see <see cref="RejectWhenFull"/>).</summary>
    public int QueueCapacity { get; init; } = 1024;

    /// <summary>When the queue is full: refuse with <see cref="BatchQueueFullException"/> (true) or make the caller wait (false).</summary>
    public bool RejectWhenFull { get; init; }
}

/// <summary>Counters of a <see cref="DynamicBatcher"/>.</summary>
/// <param name="Requests">Requests run (completed or failed by the model).</param>
/// <param name="Batches">Native runs made.</param>
/// <param name="LargestBatchRows">Most rows run in one batch.</param>
public readonly record struct BatchingStatistics(long Requests, long Batches, long LargestBatchRows);

/// <summary>
/// Groups concurrent requests to one model into batched runs: a queue per model, up to
/// <see cref="BatchingOptions.MaxBatchSize"/> rows or <see cref="BatchingOptions.MaxWait"/>, results split back to
/// each caller, back-pressure when the queue is full. The model's inputs and outputs must all have a free first
/// (batch) dimension; requests are stacked along it.
/// </summary>
/// <remarks>
/// Costs per request are kept small because a batch of a small model runs in a few microseconds: a request that finds
/// room in the queue is written without an async state machine, and while a batch is filling the worker sleeps until
/// enough rows to fill it have arrived (or <see cref="BatchingOptions.MaxWait"/> passes) instead of waking for every
/// request. Callers' continuations always run on the thread pool, never on the worker.
/// </remarks>
public sealed class DynamicBatcher : IAsyncDisposable
{
    private readonly InferenceSession _session;
    private readonly BatchingOptions _options;
    private readonly ILogger _logger;
    private readonly Channel<Request> _queue;
    private readonly long _maxWaitTicks;
    private Task? _worker;
    private long _requests;
    private long _batches;
    private long _largest;
    private int _disposed;

    // Rows written to the queue and not yet taken by the worker. While the worker waits for a batch to fill it sets
    // _wakeAtRows to the rows that still fit and _more to a signal; the writer that brings the queue to that many rows
    // (or Dispose) completes the signal. A wake-up missed in a race costs at most MaxWait, never a hang: the wait for a
    // filling batch always has that deadline, and the wait for a first request uses the channel's own reader.
    private long _queuedRows;
    private long _wakeAtRows = long.MaxValue;
    private TaskCompletionSource? _more;

    /// <summary>Starts a batcher over <paramref name="session"/> (which it does not own).</summary>
    public DynamicBatcher(InferenceSession session, BatchingOptions? options = null, ILogger? logger = null)
        : this(session, options, logger, start: true)
    {
    }

    internal DynamicBatcher(InferenceSession session, BatchingOptions? options, ILogger? logger, bool start)
    {
        ArgumentNullException.ThrowIfNull(session);
        _session = session;
        _options = options ?? new BatchingOptions();
        _logger = logger ?? NullLogger.Instance;
        if (_options.MaxBatchSize < 1 || _options.QueueCapacity < 1 || _options.MaxWait < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxBatchSize and QueueCapacity must be positive and MaxWait non-negative.");
        }

        var fixedFirst = session.Inputs.Concat(session.Outputs.Where(o => o.IsTensor)).FirstOrDefault(t => !t.HasFreeFirstDimension);
        if (fixedFirst is not null)
        {
            throw new InferenceException(
                $"The model cannot be batched: '{fixedFirst.Name}' has shape {fixedFirst.ShapeText}, but every input and output needs a free first (batch) dimension.");
        }

        _maxWaitTicks = (long)(_options.MaxWait.TotalSeconds * Stopwatch.Frequency);
        _queue = Channel.CreateBounded<Request>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        if (start)
        {
            Start();
        }
    }

    /// <summary>Requests waiting in the queue.</summary>
    public int QueueLength => _queue.Reader.Count;

    /// <summary>Counters since the batcher started.</summary>
    public BatchingStatistics Statistics => new(Interlocked.Read(ref _requests), Interlocked.Read(ref _batches), Interlocked.Read(ref _largest));

    internal void Start() => _worker ??= Task.Run(WorkAsync);

    /// <summary>Queues a request for a single-input model and returns its first output.</summary>
    public Task<TensorValue> RunAsync(TensorValue input, CancellationToken cancellationToken = default)
    {
        if (Refusal<TensorValue>(cancellationToken) is { } refused)
        {
            return refused;
        }

        FirstOutputRequest request;
        try
        {
            if (_session.Inputs.Count != 1)
            {
                throw new InputMismatchException(_session.Inputs.Count == 0 ? "(none)" : _session.Inputs[0].Name,
                    $"the model has {_session.Inputs.Count} inputs; name them with RunAsync(IReadOnlyList<NamedTensor>)");
            }

            request = new FirstOutputRequest(_session.PrepareOnly(input), cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException<TensorValue>(e);
        }

        return Enqueue(request);
    }

    /// <summary>
    /// Queues a request (one or more rows along the first dimension of every input) and returns its own outputs.
    /// Inputs are checked at once, so a bad request fails alone without affecting its batch.
    /// </summary>
    /// <exception cref="BatchQueueFullException">The queue is full and <see cref="BatchingOptions.RejectWhenFull"/> is set.</exception>
    public Task<InferenceResult> RunAsync(IReadOnlyList<NamedTensor> inputs, CancellationToken cancellationToken = default)
    {
        if (Refusal<InferenceResult>(cancellationToken) is { } refused)
        {
            return refused;
        }

        AllOutputsRequest request;
        try
        {
            ArgumentNullException.ThrowIfNull(inputs);
            var ordered = _session.Prepare(inputs);
            var rows = ordered[0].ShapeArray[0];
            for (var i = 1; i < ordered.Length; i++)
            {
                if (ordered[i].ShapeArray[0] != rows)
                {
                    throw new InputMismatchException(_session.Inputs[i].Name, $"has {ordered[i].ShapeArray[0]} rows but '{_session.Inputs[0].Name}' has {rows}");
                }
            }

            request = new AllOutputsRequest(ordered, cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException<InferenceResult>(e);
        }

        return Enqueue(request);
    }

    private Task<T>? Refusal<T>(CancellationToken cancellationToken) =>
        Volatile.Read(ref _disposed) != 0 ? Task.FromException<T>(new ObjectDisposedException(nameof(DynamicBatcher)))
        : cancellationToken.IsCancellationRequested ? Task.FromCanceled<T>(cancellationToken)
        : null;

    // A request that finds room in the queue is written without an async state machine.
    private Task<T> Enqueue<T>(Request<T> request)
    {
        if (_queue.Writer.TryWrite(request))
        {
            Added(request.Rows);
            return request.Task;
        }

        return AdmitWhenRoomAsync(request);
    }

    private async Task<T> AdmitWhenRoomAsync<T>(Request<T> request)
    {
        if (_options.RejectWhenFull)
        {
            request.Dispose();
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            throw new BatchQueueFullException(_options.QueueCapacity);
        }

        try
        {
            await _queue.Writer.WriteAsync(request, request.CancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            request.Dispose();
            throw new ObjectDisposedException(nameof(DynamicBatcher));
        }
        catch
        {
            request.Dispose();
            throw;
        }

        Added(request.Rows);
        return await request.Task.ConfigureAwait(false);
    }

    private void Added(long rows)
    {
        if (Interlocked.Add(ref _queuedRows, rows) >= Volatile.Read(ref _wakeAtRows))
        {
            WakeWorker();
        }
    }

    private void WakeWorker() => Interlocked.Exchange(ref _more, null)?.TrySetResult();

    private bool TryTake(ChannelReader<Request> reader, [NotNullWhen(true)] out Request? request)
    {
        while (reader.TryRead(out request))
        {
            Interlocked.Add(ref _queuedRows, -request.Rows);
            if (!request.IsCompleted)
            {
                return true; // else cancelled while queued
            }
        }

        return false;
    }

    private async Task WorkAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Request>(_options.MaxBatchSize);
        var timer = new CancellationTokenSource(); // reused between waits: one timer, not one per wait
        Request? carried = null;
        while (true)
        {
            if (carried is null)
            {
                if (!TryTake(reader, out carried))
                {
                    if (!await reader.WaitToReadAsync().ConfigureAwait(false))
                    {
                        timer.Dispose();
                        return;
                    }

                    continue;
                }
            }

            batch.Add(carried);
            var rows = carried.Rows;
            carried = null;
            var until = Stopwatch.GetTimestamp() + _maxWaitTicks;
            while (rows < _options.MaxBatchSize)
            {
                if (TryTake(reader, out var next))
                {
                    if (rows + next.Rows > _options.MaxBatchSize || !Stackable(batch[0], next))
                    {
                        carried = next;
                        break;
                    }

                    batch.Add(next);
                    rows += next.Rows;
                    continue;
                }

                var remaining = until - Stopwatch.GetTimestamp();
                if (remaining <= 0 || reader.Completion.IsCompleted)
                {
                    break;
                }

                // Sleep until the rows that still fit have been queued, or the deadline.
                // Interlocked writes: a full fence before reading the count, so either the writer sees the threshold or
                // the worker sees the writer's rows.
                var more = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Interlocked.Exchange(ref _more, more);
                Interlocked.Exchange(ref _wakeAtRows, _options.MaxBatchSize - rows);
                if (Volatile.Read(ref _queuedRows) < _options.MaxBatchSize - rows && Volatile.Read(ref _disposed) == 0)
                {
                    if (!timer.TryReset())
                    {
                        timer.Dispose();
                        timer = new CancellationTokenSource();
                    }

                    using (timer.Token.UnsafeRegister(static s => ((TaskCompletionSource)s!).TrySetResult(), more))
                    {
                        timer.CancelAfter(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency));
                        await more.Task.ConfigureAwait(false);
                    }
                }

                Volatile.Write(ref _wakeAtRows, long.MaxValue);
                Interlocked.CompareExchange(ref _more, null, more);
            }

            Execute(batch, rows);
            batch.Clear();
        }
    }

    /// <summary>Two requests stack when every input has the same element type and the same dimensions after the first.</summary>
    private static bool Stackable(Request a, Request b)
    {
        for (var i = 0; i < a.Inputs.Length; i++)
        {
            var (x, y) = (a.Inputs[i].ShapeArray, b.Inputs[i].ShapeArray);
            if (x.Length != y.Length || a.Inputs[i].ElementType != b.Inputs[i].ElementType || !x.AsSpan(1).SequenceEqual(y.AsSpan(1)))
            {
                return false;
            }
        }

        return true;
    }

    private void Execute(List<Request> batch, long rows)
    {
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _requests, batch.Count);
        long largest;
        while (rows > (largest = Interlocked.Read(ref _largest)) && Interlocked.CompareExchange(ref _largest, rows, largest) != largest)
        {
        }

        if (batch.Count == 1)
        {
            var only = batch[0];
            try
            {
                only.Complete(_session.RunPrepared(only.Inputs, only.CancellationToken, null), 0, whole: true);
            }
            catch (Exception ex)
            {
                only.Fail(ex);
            }

            return;
        }

        var rented = new byte[batch[0].Inputs.Length][];
        try
        {
            var stacked = new TensorValue[rented.Length];
            for (var i = 0; i < stacked.Length; i++)
            {
                var total = 0;
                foreach (var request in batch)
                {
                    total += request.Inputs[i].ByteLength;
                }

                rented[i] = ArrayPool<byte>.Shared.Rent(total);
                var offset = 0;
                foreach (var request in batch)
                {
                    var bytes = request.Inputs[i].Bytes;
                    bytes.CopyTo(rented[i].AsSpan(offset));
                    offset += bytes.Length;
                }

                stacked[i] = new ByteTensorValue(batch[0].Inputs[i].ElementType, rented[i].AsMemory(0, total), batch[0].Inputs[i].ShapeWithRows(rows));
            }

            var result = _session.RunPrepared(stacked, CancellationToken.None, null);
            foreach (var output in result)
            {
                if (output.Value.ShapeArray.Length == 0 || output.Value.ShapeArray[0] != rows)
                {
                    throw new InferenceException(
                        $"Output '{output.Name}' has shape [{string.Join(", ", output.Value.ShapeArray)}]; a batchable model must return one row per input row ({rows}).");
                }
            }

            long start = 0;
            foreach (var request in batch)
            {
                request.Complete(result, start, whole: false);
                start += request.Rows;
            }
        }
        catch (Exception ex)
        {
            InferenceLog.BatchFailed(_logger, batch.Count, ex.Message);
            foreach (var request in batch)
            {
                request.Fail(ex);
            }
        }
        finally
        {
            foreach (var buffer in rented)
            {
                if (buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
    }

    /// <summary>Stops taking requests, runs those already queued, and waits for the worker to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        WakeWorker();
        if (_worker is null)
        {
            Start();
        }

        await _worker!.ConfigureAwait(false);
    }

    /// <summary>A queued request: its checked inputs in model order, and how its caller is answered.</summary>
    private abstract class Request : IDisposable
    {
        private readonly CancellationTokenRegistration _registration;

        protected Request(TensorValue[] inputs, CancellationToken cancellationToken)
        {
            Inputs = inputs;
            Rows = inputs[0].ShapeArray[0];
            CancellationToken = cancellationToken;
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.UnsafeRegister(static (state, token) => ((Request)state!).Cancel(token), this);
            }
        }

        public TensorValue[] Inputs { get; }

        public long Rows { get; }

        public CancellationToken CancellationToken { get; }

        public abstract bool IsCompleted { get; }

        /// <summary>Answers with rows [start, start + Rows) of <paramref name="result"/> (all of it when <paramref name="whole"/>).</summary>
        public abstract void Complete(InferenceResult result, long start, bool whole);

        public abstract void Fail(Exception error);

        public void Dispose() => _registration.Dispose();

        protected abstract void Cancel(CancellationToken token);
    }

    private abstract class Request<T>(TensorValue[] inputs, CancellationToken cancellationToken) : Request(inputs, cancellationToken)
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _completion.Task;

        public override bool IsCompleted => _completion.Task.IsCompleted;

        public override void Complete(InferenceResult result, long start, bool whole)
        {
            _completion.TrySetResult(Answer(result, start, whole));
            Dispose();
        }

        public override void Fail(Exception error)
        {
            if (error is OperationCanceledException && CancellationToken.IsCancellationRequested)
            {
                _completion.TrySetCanceled(CancellationToken);
            }
            else
            {
                _completion.TrySetException(error);
            }

            Dispose();
        }

        protected override void Cancel(CancellationToken token) => _completion.TrySetCanceled(token);

        protected abstract T Answer(InferenceResult result, long start, bool whole);
    }

    /// <summary>RunAsync(TensorValue): only the first output is sliced out for the caller.</summary>
    private sealed class FirstOutputRequest(TensorValue[] inputs, CancellationToken cancellationToken) : Request<TensorValue>(inputs, cancellationToken)
    {
        protected override TensorValue Answer(InferenceResult result, long start, bool whole) =>
            whole ? result[0].Value : result[0].Value.SliceRows(start, Rows);
    }

    /// <summary>RunAsync(IReadOnlyList&lt;NamedTensor&gt;): every output, sliced.</summary>
    private sealed class AllOutputsRequest(TensorValue[] inputs, CancellationToken cancellationToken) : Request<InferenceResult>(inputs, cancellationToken)
    {
        protected override InferenceResult Answer(InferenceResult result, long start, bool whole)
        {
            if (whole)
            {
                return result;
            }

            var own = new NamedTensor[result.Count];
            for (var o = 0; o < own.Length; o++)
            {
                own[o] = new NamedTensor(result[o].Name, result[o].Value.SliceRows(start, Rows));
            }

            return new InferenceResult(own);
        }
    }
}
