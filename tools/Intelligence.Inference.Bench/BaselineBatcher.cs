using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using Intelligence.Inference.Batching;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Intelligence.Inference.Bench;

// The batcher as it was before this round, kept in the bench only to be measured next to its replacement in one run.
/// <summary>
/// Groups concurrent requests to one model into batched runs: a queue per model, up to
/// <see cref="BatchingOptions.MaxBatchSize"/> rows or <see cref="BatchingOptions.MaxWait"/>, results split back to
/// each caller, back-pressure when the queue is full. The model's inputs and outputs must all have a free first
/// (batch) dimension; requests are stacked along it.
/// </summary>
internal sealed class BaselineBatcher : IAsyncDisposable
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

    /// <summary>Starts a batcher over <paramref name="session"/> (which it does not own).</summary>
    public BaselineBatcher(InferenceSession session, BatchingOptions? options = null, ILogger? logger = null)
        : this(session, options, logger, start: true)
    {
    }

    internal BaselineBatcher(InferenceSession session, BatchingOptions? options, ILogger? logger, bool start)
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
    public async Task<TensorValue> RunAsync(TensorValue input, CancellationToken cancellationToken = default)
    {
        if (_session.Inputs.Count != 1)
        {
            throw new InputMismatchException(_session.Inputs.Count == 0 ? "(none)" : _session.Inputs[0].Name,
                $"the model has {_session.Inputs.Count} inputs; name them with RunAsync(IReadOnlyList<NamedTensor>)");
        }

        var result = await RunAsync([new NamedTensor(_session.Inputs[0].Name, input)], cancellationToken).ConfigureAwait(false);
        return result[0].Value;
    }

    /// <summary>
    /// Queues a request (one or more rows along the first dimension of every input) and returns its own outputs.
    /// Inputs are checked at once, so a bad request fails alone without affecting its batch.
    /// </summary>
    /// <exception cref="BatchQueueFullException">The queue is full and <see cref="BatchingOptions.RejectWhenFull"/> is set.</exception>
    public async Task<InferenceResult> RunAsync(IReadOnlyList<NamedTensor> inputs, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        var ordered = _session.Prepare(inputs);
        var rows = ordered[0].ShapeArray[0];
        for (var i = 1; i < ordered.Length; i++)
        {
            if (ordered[i].ShapeArray[0] != rows)
            {
                throw new InputMismatchException(_session.Inputs[i].Name, $"has {ordered[i].ShapeArray[0]} rows but '{_session.Inputs[0].Name}' has {rows}");
            }
        }

        var request = new Request(ordered, rows, cancellationToken);
        if (_options.RejectWhenFull)
        {
            if (!_queue.Writer.TryWrite(request))
            {
                request.Dispose();
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
                throw new BatchQueueFullException(_options.QueueCapacity);
            }
        }
        else
        {
            try
            {
                await _queue.Writer.WriteAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                request.Dispose();
                throw new ObjectDisposedException(nameof(BaselineBatcher));
            }
        }

        return await request.Completion.Task.ConfigureAwait(false);
    }

    private async Task WorkAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Request>(_options.MaxBatchSize);
        var wait = new CancellationTokenSource(); // reused between waits: one timer, not one per wait
        Request? carried = null;
        while (true)
        {
            if (carried is null)
            {
                if (!await reader.WaitToReadAsync().ConfigureAwait(false))
                {
                    wait.Dispose();
                    return;
                }

                if (!reader.TryRead(out carried) || carried.Completion.Task.IsCompleted)
                {
                    carried = null;
                    continue;
                }
            }

            batch.Add(carried);
            var rows = carried.Rows;
            carried = null;
            var until = Stopwatch.GetTimestamp() + _maxWaitTicks;
            while (rows < _options.MaxBatchSize)
            {
                if (reader.TryRead(out var next))
                {
                    if (next.Completion.Task.IsCompleted)
                    {
                        continue; // cancelled while queued
                    }

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
                if (remaining <= 0)
                {
                    break;
                }

                if (!wait.TryReset())
                {
                    wait.Dispose();
                    wait = new CancellationTokenSource();
                }

                wait.CancelAfter(TimeSpan.FromSeconds((double)remaining / Stopwatch.Frequency));
                try
                {
                    if (!await reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                    {
                        break;
                    }
                }
                catch (OperationCanceledException)
                {
                    break;
                }
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
                only.Complete(_session.RunPrepared(only.Inputs, only.CancellationToken, null));
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
                var total = batch.Sum(r => r.Inputs[i].ByteLength);
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
                var own = new NamedTensor[result.Count];
                for (var o = 0; o < own.Length; o++)
                {
                    own[o] = new NamedTensor(result[o].Name, result[o].Value.SliceRows(start, request.Rows));
                }

                request.Complete(new InferenceResult(own));
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
        if (_worker is null)
        {
            Start();
        }

        await _worker!.ConfigureAwait(false);
    }

    private sealed class Request : IDisposable
    {
        private readonly CancellationTokenRegistration _registration;

        public Request(TensorValue[] inputs, long rows, CancellationToken cancellationToken)
        {
            Inputs = inputs;
            Rows = rows;
            CancellationToken = cancellationToken;
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.UnsafeRegister(
                    static (state, token) => ((Request)state!).Completion.TrySetCanceled(token), this);
            }
        }

        public TensorValue[] Inputs { get; }

        public long Rows { get; }

        public CancellationToken CancellationToken { get; }

        public TaskCompletionSource<InferenceResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Complete(InferenceResult result)
        {
            Completion.TrySetResult(result);
            Dispose();
        }

        public void Fail(Exception error)
        {
            if (error is OperationCanceledException && CancellationToken.IsCancellationRequested)
            {
                Completion.TrySetCanceled(CancellationToken);
            }
            else
            {
                Completion.TrySetException(error);
            }

            Dispose();
        }

        public void Dispose() => _registration.Dispose();
    }
}
