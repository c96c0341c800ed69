using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Ort = Microsoft.ML.OnnxRuntime;

namespace Intelligence.Inference;

/// <summary>
/// A loaded ONNX model on Microsoft.ML.OnnxRuntime. Thread-safe: any number of threads may call
/// <see cref="Run(IReadOnlyList{NamedTensor}, CancellationToken, TimeSpan?)"/> at once. Inputs are validated against
/// the model before ONNX Runtime sees them, and passed to it without copying.
/// </summary>
public sealed class InferenceSession : IDisposable
{
    private readonly Ort.InferenceSession _session;
    private readonly InferenceSessionOptions _options;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames; // tensor outputs only
    private readonly int[] _fetchedOutputs; // indices into Outputs of the tensor outputs

    // Per tensor output, where each dimension comes from (a fixed size, or an input's dimension with the same symbolic
    // name); null when some output's shape cannot be known before the run. Known shapes let ONNX Runtime write the
    // outputs straight into the managed arrays we return (no native allocation, no copy).
    private OutputDimension[][]? _outputPlans;

    // Shared by runs that can be neither cancelled nor timed out: it is never terminated, so sharing is safe.
    private readonly Ort.RunOptions _plainRunOptions;

    // 1 for the owner plus 1 per run in flight; the native session is released when it reaches 0, so Dispose never
    // frees a session a run is still using.
    private int _references = 1;
    private int _disposed;

    private InferenceSession(Ort.InferenceSession session, InferenceSessionOptions options, ExecutionProvider provider)
    {
        _session = session;
        _options = options;
        ActiveProvider = provider;
        Inputs = session.InputNames.Select(n => Describe(n, session.InputMetadata[n])).ToArray();
        Outputs = session.OutputNames.Select(n => Describe(n, session.OutputMetadata[n])).ToArray();
        _inputIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Inputs.Count; i++)
        {
            _inputIndex[Inputs[i].Name] = i;
        }

        _inputNames = Inputs.Select(i => i.Name).ToArray();
        _fetchedOutputs = Enumerable.Range(0, Outputs.Count).Where(i => Outputs[i].IsTensor).ToArray();
        _outputNames = _fetchedOutputs.Select(i => Outputs[i].Name).ToArray();
        _outputPlans = PlanOutputs();
        _plainRunOptions = new Ort.RunOptions();
        NativeObjects.Created();
    }

    /// <summary>Where one output dimension's size comes from: <see cref="Fixed"/>, or input <see cref="Input"/>'s axis <see cref="Axis"/>.</summary>
    private readonly record struct OutputDimension(long Fixed, int Input, int Axis);

    private OutputDimension[][]? PlanOutputs()
    {
        var plans = new OutputDimension[_fetchedOutputs.Length][];
        for (var o = 0; o < plans.Length; o++)
        {
            var info = Outputs[_fetchedOutputs[o]];
            if (TensorElementTypes.SizeOf(info.ElementType) == 0)
            {
                return null;
            }

            var dims = new OutputDimension[info.Shape.Count];
            for (var d = 0; d < dims.Length; d++)
            {
                if (info.Shape[d] >= 0)
                {
                    dims[d] = new OutputDimension(info.Shape[d], -1, -1);
                    continue;
                }

                var name = info.SymbolicDimensions[d];
                var found = false;
                for (var i = 0; !found && name.Length > 0 && i < Inputs.Count; i++)
                {
                    for (var a = 0; a < Inputs[i].Shape.Count; a++)
                    {
                        if (Inputs[i].Shape[a] < 0 && Inputs[i].SymbolicDimensions[a] == name)
                        {
                            dims[d] = new OutputDimension(0, i, a);
                            found = true;
                            break;
                        }
                    }
                }

                if (!found)
                {
                    return null;
                }
            }

            plans[o] = dims;
        }

        return plans;
    }

    private unsafe InferenceResult RunIntoManagedOutputs(OutputDimension[][] plans, Ort.RunOptions runOptions, Ort.OrtValue[] inputs, TensorValue[] ordered)
    {
        var count = plans.Length;
        var results = new NamedTensor[count];
        var pins = new MemoryHandle[count];
        var values = new Ort.OrtValue[count];
        var created = 0;
        try
        {
            var memory = Ort.OrtMemoryInfo.DefaultInstance;
            for (; created < count; created++)
            {
                var plan = plans[created];
                var shape = new long[plan.Length];
                for (var d = 0; d < shape.Length; d++)
                {
                    shape[d] = plan[d].Input < 0 ? plan[d].Fixed : ordered[plan[d].Input].ShapeArray[plan[d].Axis];
                }

                var output = Allocate(Outputs[_fetchedOutputs[created]].ElementType, shape);
                results[created] = new NamedTensor(_outputNames[created], output);
                pins[created] = output.Pin();
                values[created] = Ort.OrtValue.CreateTensorValueWithData(
                    memory, (Ort.Tensors.TensorElementType)(int)output.ElementType, shape, (nint)pins[created].Pointer, output.ByteLength);
                NativeObjects.Created();
            }

            _session.Run(runOptions, _inputNames, inputs, _outputNames, values);
            return new InferenceResult(results);
        }
        finally
        {
            for (var i = 0; i < created; i++)
            {
                values[i].Dispose();
                NativeObjects.Released();
            }

            foreach (var pin in pins)
            {
                pin.Dispose(); // a default handle (never pinned) does nothing
            }
        }
    }

    private static TensorValue Allocate(TensorElementType type, long[] shape)
    {
        var n = checked((int)TensorValue.CountElements(shape));
        return type switch
        {
            TensorElementType.Float => new TensorValue<float>(new float[n], shape),
            TensorElementType.Float16 => new TensorValue<Half>(new Half[n], shape),
            TensorElementType.Int64 => new TensorValue<long>(new long[n], shape),
            TensorElementType.Int32 => new TensorValue<int>(new int[n], shape),
            TensorElementType.Bool => new TensorValue<bool>(new bool[n], shape),
            TensorElementType.UInt8 => new TensorValue<byte>(new byte[n], shape),
            TensorElementType.Double => new TensorValue<double>(new double[n], shape),
            TensorElementType.Int8 => new TensorValue<sbyte>(new sbyte[n], shape),
            TensorElementType.Int16 => new TensorValue<short>(new short[n], shape),
            TensorElementType.UInt16 => new TensorValue<ushort>(new ushort[n], shape),
            TensorElementType.UInt32 => new TensorValue<uint>(new uint[n], shape),
            TensorElementType.UInt64 => new TensorValue<ulong>(new ulong[n], shape),
            var other => throw new InferenceException($"Output element type {other} is not supported."),
        };
    }

    /// <summary>The ONNX Runtime session underneath (for the benchmark's raw baseline).</summary>
    internal Ort.InferenceSession Native => _session;

    /// <summary>Test hook: called on the running thread just before the native run starts.</summary>
    internal Action? NativeRunStarting { get; set; }

    /// <summary>The model's inputs, in graph order.</summary>
    public IReadOnlyList<TensorInfo> Inputs { get; }

    /// <summary>The model's outputs, in graph order.</summary>
    public IReadOnlyList<TensorInfo> Outputs { get; }

    /// <summary>
    /// The execution provider the session actually uses (after an <see cref="ExecutionProvider.Auto"/> fallback, CPU):
    /// report it in health checks and logs.
    /// </summary>
    public ExecutionProvider ActiveProvider { get; }

    /// <summary>Loads a model from an .onnx file.</summary>
    public static InferenceSession FromFile(string path, InferenceSessionOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new ModelLoadException(full, "this is a folder; give the path of an .onnx file", new FileNotFoundException(null, full));
        }
        if (!File.Exists(full))
        {
            throw new ModelLoadException(full, "no such file", new FileNotFoundException(null, full));
        }
        if (new FileInfo(full).Length == 0)
        {
            throw new ModelLoadException(full, "the file is empty (0 bytes), not an ONNX model");
        }

        return Create(full, options, logger, so => new Ort.InferenceSession(full, so));
    }

    /// <summary>Loads a model from its serialized bytes.</summary>
    public static InferenceSession FromBytes(ReadOnlyMemory<byte> model, InferenceSessionOptions? options = null, ILogger? logger = null)
    {
        if (model.IsEmpty)
        {
            throw new ModelLoadException("bytes", "the model is empty");
        }

        // ONNX Runtime's managed API takes a whole array; copy only when given a slice.
        var bytes = MemoryMarshal.TryGetArray(model, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length
            ? segment.Array
            : model.ToArray();
        return Create("bytes", options, logger, so => new Ort.InferenceSession(bytes, so));
    }

    private static InferenceSession Create(string source, InferenceSessionOptions? options, ILogger? logger, Func<Ort.SessionOptions, Ort.InferenceSession> factory)
    {
        options ??= InferenceSessionOptions.Default;
        logger ??= NullLogger.Instance;
        ArgumentOutOfRangeException.ThrowIfNegative(options.IntraOpThreads, nameof(options.IntraOpThreads));
        ArgumentOutOfRangeException.ThrowIfNegative(options.InterOpThreads, nameof(options.InterOpThreads));
        ArgumentOutOfRangeException.ThrowIfNegative(options.CudaDeviceId, nameof(options.CudaDeviceId));
        if (options.CudaMemoryLimitBytes is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.CudaMemoryLimitBytes, "CudaMemoryLimitBytes must be positive when set.");
        }

        OrtEnvironment.EnsureCreated();
        string? fallbackReason = null;
        foreach (var candidate in ExecutionProviders.Candidates(options.Provider))
        {
            using var sessionOptions = CreateOptions(options);
            if (candidate != ExecutionProvider.Cpu)
            {
                var failure = ExecutionProviders.TryAppend(sessionOptions, candidate, options);
                if (failure is not null)
                {
                    if (options.Provider != ExecutionProvider.Auto)
                    {
                        throw new ExecutionProviderUnavailableException(candidate, failure.Reason, failure.MissingLibrary);
                    }

                    fallbackReason = failure.Reason;
                    continue;
                }
            }

            Ort.InferenceSession native;
            try
            {
                native = factory(sessionOptions);
            }
            catch (Ort.OnnxRuntimeException e) when (candidate != ExecutionProvider.Cpu && ExecutionProviders.IsProviderFailure(e.Message))
            {
                // The provider library loaded but could not start (no device, driver too old, out of memory...).
                var reason = ExecutionProviders.Describe(candidate, e.Message);
                if (options.Provider != ExecutionProvider.Auto)
                {
                    throw new ExecutionProviderUnavailableException(candidate, reason.Reason, reason.MissingLibrary);
                }

                fallbackReason = reason.Reason;
                continue;
            }
            catch (Ort.OnnxRuntimeException e)
            {
                var ort = OrtEnvironment.Translate(e);
                throw new ModelLoadException(source, LoadFailure(ort.RuntimeMessage), ort);
            }

            NativeObjects.Created();
            if (fallbackReason is not null)
            {
                InferenceLog.CudaFallback(logger, fallbackReason);
            }

            var session = new InferenceSession(native, options, candidate);
            InferenceLog.ModelLoaded(logger, source, candidate, session.Inputs.Count, session.Outputs.Count);
            return session;
        }

        throw new UnreachableException("The CPU provider is always the last candidate.");
    }

    /// <summary>
    /// ONNX Runtime's load errors start "Load model from PATH failed:" (the path is already in our message) and name
    /// protobuf when the bytes are no ONNX model at all: say that in words and keep the runtime's own detail.
    /// </summary>
    internal static string LoadFailure(string runtimeMessage)
    {
        var text = runtimeMessage;
        const string Failed = " failed:";
        if (text.StartsWith("Load model from ", StringComparison.Ordinal) && text.IndexOf(Failed, StringComparison.Ordinal) is var at and > 0)
        {
            text = text[(at + Failed.Length)..].Trim();
        }
        return text.Contains("protobuf", StringComparison.OrdinalIgnoreCase)
            ? $"not a valid ONNX model ({text.TrimEnd('.')})"
            : text;
    }

    private static Ort.SessionOptions CreateOptions(InferenceSessionOptions options)
    {
        var so = new Ort.SessionOptions();
        try
        {
            so.IntraOpNumThreads = options.IntraOpThreads;
            so.InterOpNumThreads = options.InterOpThreads;
            so.GraphOptimizationLevel = (Ort.GraphOptimizationLevel)(int)options.GraphOptimization;
            so.ExecutionMode = options.ParallelExecution ? Ort.ExecutionMode.ORT_PARALLEL : Ort.ExecutionMode.ORT_SEQUENTIAL;
            // ONNX Runtime's own log stays at FATAL: its errors reach us as exceptions and become typed errors or our
            // single fallback line.
            so.LogSeverityLevel = Ort.OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL;
            if (!options.AllowThreadSpinning)
            {
                // Keys from onnxruntime_session_options_config_keys.h.
                so.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
                so.AddSessionConfigEntry("session.inter_op.allow_spinning", "0");
            }

            return so;
        }
        catch
        {
            so.Dispose();
            throw;
        }
    }

    private static TensorInfo Describe(string name, Ort.NodeMetadata metadata)
    {
        if (!metadata.IsTensor)
        {
            return new TensorInfo(name, false, TensorElementType.Undefined, [], []);
        }

        var dims = metadata.Dimensions.Select(d => d < 0 ? -1L : d).ToArray();
        var symbols = metadata.SymbolicDimensions.Select(s => s ?? string.Empty).ToArray();
        if (symbols.Length != dims.Length)
        {
            symbols = new string[dims.Length];
            Array.Fill(symbols, string.Empty);
        }

        return new TensorInfo(name, true, (TensorElementType)(int)metadata.ElementDataType, dims, symbols);
    }

    /// <summary>Runs a model that has exactly one input and returns its first tensor output.</summary>
    public TensorValue Run(TensorValue input, CancellationToken cancellationToken = default, TimeSpan? deadline = null)
    {
        if (Inputs.Count != 1)
        {
            throw new InputMismatchException(Inputs.Count == 0 ? "(none)" : Inputs[0].Name,
                $"the model has {Inputs.Count} inputs; name them with Run(IReadOnlyList<NamedTensor>)");
        }

        return Run([new NamedTensor(Inputs[0].Name, input)], cancellationToken, deadline)[0].Value;
    }

    /// <summary>
    /// Runs the model on named inputs (every model input exactly once) and returns every tensor output.
    /// The run is terminated when <paramref name="cancellationToken"/> fires or <paramref name="deadline"/> passes.
    /// </summary>
    /// <exception cref="InputMismatchException">An input is unknown, missing, repeated, or of the wrong type or shape.</exception>
    /// <exception cref="InvalidInputValueException">A float input holds NaN or infinity (when rejected by the options).</exception>
    /// <exception cref="InferenceDeadlineExceededException">The deadline passed before the run finished.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    public InferenceResult Run(IReadOnlyList<NamedTensor> inputs, CancellationToken cancellationToken = default, TimeSpan? deadline = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        return RunPrepared(Prepare(inputs), cancellationToken, deadline);
    }

    /// <summary>Runs inputs already checked by <see cref="Prepare"/>, in model input order.</summary>
    internal unsafe InferenceResult RunPrepared(TensorValue[] ordered, CancellationToken cancellationToken, TimeSpan? deadline)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        deadline ??= _options.DefaultDeadline;
        if (deadline is { } requested && requested <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(deadline), requested, "A deadline must be positive.");
        }

        AddReference();
        var inputCount = ordered.Length;
        var pins = new MemoryHandle[inputCount];
        var values = new Ort.OrtValue[inputCount];
        var created = 0;
        var deadlineAt = deadline is { } limit ? Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency) : (long?)null;
        Ort.RunOptions? ownOptions = null;
        CancellationTokenSource? deadlineSource = null;
        CancellationTokenRegistration cancelRegistration = default;
        CancellationTokenRegistration deadlineRegistration = default;
        try
        {
            // Zero copy: the managed memory is pinned and wrapped; ONNX Runtime only reads it during Run, and the
            // values are released before the memory is unpinned.
            var memory = Ort.OrtMemoryInfo.DefaultInstance;
            for (; created < inputCount; created++)
            {
                var value = ordered[created];
                pins[created] = value.Pin();
                values[created] = Ort.OrtValue.CreateTensorValueWithData(
                    memory, (Ort.Tensors.TensorElementType)(int)value.ElementType, value.ShapeArray, (nint)pins[created].Pointer, value.ByteLength);
                NativeObjects.Created();
            }

            var runOptions = _plainRunOptions;
            if (cancellationToken.CanBeCanceled || deadline is not null)
            {
                ownOptions = new Ort.RunOptions();
                NativeObjects.Created();
                runOptions = ownOptions;
                if (cancellationToken.CanBeCanceled)
                {
                    cancelRegistration = cancellationToken.UnsafeRegister(static o => ((Ort.RunOptions)o!).Terminate = true, ownOptions);
                }

                if (deadline is { } d)
                {
                    deadlineSource = new CancellationTokenSource(d);
                    deadlineRegistration = deadlineSource.Token.UnsafeRegister(static o => ((Ort.RunOptions)o!).Terminate = true, ownOptions);
                }
            }

            NativeRunStarting?.Invoke();
            if (deadlineAt is { } at && Stopwatch.GetTimestamp() >= at)
            {
                throw new InferenceDeadlineExceededException(deadline!.Value);
            }

            Exception Failure(Ort.OnnxRuntimeException e)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (deadlineSource is { IsCancellationRequested: true } || Stopwatch.GetTimestamp() >= deadlineAt)
                {
                    throw new InferenceDeadlineExceededException(deadline!.Value);
                }

                return OrtEnvironment.Translate(e);
            }

            if (_outputPlans is { } plans)
            {
                try
                {
                    return RunIntoManagedOutputs(plans, runOptions, values, ordered);
                }
                catch (Ort.OnnxRuntimeException e)
                {
                    // Cancelled or past the deadline: say so. Anything else may be an output whose real shape is not
                    // the one its symbolic dimensions promise: run again with outputs ONNX Runtime allocates.
                    _ = Failure(e);
                }
            }

            Ort.IDisposableReadOnlyCollection<Ort.OrtValue> outputs;
            try
            {
                outputs = _session.Run(runOptions, _inputNames, values, _outputNames);
            }
            catch (Ort.OnnxRuntimeException e)
            {
                throw Failure(e);
            }

            // The allocated path worked where the bound one failed: the model's output metadata cannot be trusted.
            _outputPlans = null;
            using (outputs)
            {
                var results = new NamedTensor[outputs.Count];
                var i = 0;
                foreach (var output in outputs)
                {
                    results[i] = new NamedTensor(_outputNames[i], CopyOut(output));
                    i++;
                }

                return new InferenceResult(results);
            }
        }
        finally
        {
            // Registrations first: disposing one waits for a callback in progress, so Terminate never touches
            // released run options.
            cancelRegistration.Dispose();
            deadlineRegistration.Dispose();
            deadlineSource?.Dispose();
            if (ownOptions is not null)
            {
                ownOptions.Dispose();
                NativeObjects.Released();
            }

            for (var i = 0; i < created; i++)
            {
                values[i].Dispose();
                NativeObjects.Released();
            }

            for (var i = 0; i < inputCount; i++)
            {
                pins[i].Dispose();
            }

            ReleaseReference();
        }
    }

    /// <summary>Checks named inputs against the model and returns them in model input order.</summary>
    internal TensorValue[] Prepare(IReadOnlyList<NamedTensor> inputs)
    {
        var ordered = new TensorValue[Inputs.Count];
        foreach (var (name, value) in inputs)
        {
            if (name is null || !_inputIndex.TryGetValue(name, out var index))
            {
                throw new InputMismatchException(name ?? "(null)",
                    $"the model has no such input; its inputs are {string.Join(", ", Inputs.Select(i => $"'{i.Name}'"))}");
            }

            if (ordered[index] is not null)
            {
                throw new InputMismatchException(name, "given more than once");
            }

            ArgumentNullException.ThrowIfNull(value);
            Validate(Inputs[index], value);
            ordered[index] = value;
        }

        for (var i = 0; i < ordered.Length; i++)
        {
            if (ordered[i] is null)
            {
                throw new InputMismatchException(Inputs[i].Name, "missing: every model input must be given");
            }
        }

        return ordered;
    }

    /// <summary>Checks the only input of a single-input model (the caller has checked there is one) and returns it as the ordered inputs.</summary>
    internal TensorValue[] PrepareOnly(TensorValue input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Validate(Inputs[0], input);
        return [input];
    }

    private void Validate(TensorInfo info, TensorValue value)
    {
        if (!info.IsTensor)
        {
            throw new InputMismatchException(info.Name, "the input is not a tensor; only tensor inputs are supported");
        }

        if (value.ElementType != info.ElementType)
        {
            throw new InputMismatchException(info.Name, $"expected {info.ElementType} elements, got {value.ElementType}");
        }

        var shape = value.ShapeArray;
        var ok = shape.Length == info.Shape.Count;
        for (var d = 0; ok && d < shape.Length; d++)
        {
            ok = info.Shape[d] < 0 || info.Shape[d] == shape[d];
        }

        if (!ok)
        {
            throw new InputMismatchException(info.Name, $"expected shape {info.ShapeText}, got [{string.Join(", ", shape)}]");
        }

        if (_options.RejectNonFiniteInputs && !IsFinite(value))
        {
            throw new InvalidInputValueException(info.Name, "holds NaN or infinity");
        }
    }

    internal static bool IsFinite(TensorValue value) => value switch
    {
        TensorValue<float> f => AllFinite(f.Span),
        TensorValue<double> d => AllFinite(d.Span),
        TensorValue<Half> h => AllFiniteHalf(h.Span),
        _ => true,
    };

    private static bool AllFinite<T>(ReadOnlySpan<T> span)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // x - x is 0 for every finite x and NaN for NaN and infinities.
        var i = 0;
        if (Vector.IsHardwareAccelerated && span.Length >= Vector<T>.Count)
        {
            var vectors = MemoryMarshal.Cast<T, Vector<T>>(span);
            foreach (var v in vectors)
            {
                if (!Vector.EqualsAll(v - v, Vector<T>.Zero))
                {
                    return false;
                }
            }

            i = vectors.Length * Vector<T>.Count;
        }

        for (; i < span.Length; i++)
        {
            if (!T.IsFinite(span[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool AllFiniteHalf(ReadOnlySpan<Half> span)
    {
        foreach (var h in span)
        {
            if (!Half.IsFinite(h))
            {
                return false;
            }
        }

        return true;
    }

    private static TensorValue CopyOut(Ort.OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var shape = info.Shape;
        ReadOnlySpan<byte> bytes = value.GetTensorMutableRawData();
        return (TensorElementType)(int)info.ElementDataType switch
        {
            TensorElementType.Float => Copy<float>(bytes, shape),
            TensorElementType.Float16 => Copy<Half>(bytes, shape),
            TensorElementType.Int64 => Copy<long>(bytes, shape),
            TensorElementType.Int32 => Copy<int>(bytes, shape),
            TensorElementType.Bool => Copy<bool>(bytes, shape),
            TensorElementType.UInt8 => Copy<byte>(bytes, shape),
            TensorElementType.Double => Copy<double>(bytes, shape),
            TensorElementType.Int8 => Copy<sbyte>(bytes, shape),
            TensorElementType.Int16 => Copy<short>(bytes, shape),
            TensorElementType.UInt16 => Copy<ushort>(bytes, shape),
            TensorElementType.UInt32 => Copy<uint>(bytes, shape),
            TensorElementType.UInt64 => Copy<ulong>(bytes, shape),
            var other => throw new InferenceException($"Output element type {other} is not supported."),
        };
    }

    private static TensorValue<T> Copy<T>(ReadOnlySpan<byte> bytes, long[] shape)
        where T : unmanaged => new(MemoryMarshal.Cast<byte, T>(bytes).ToArray(), shape);

    private void AddReference()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            ObjectDisposedException.ThrowIf(current == 0, this);
            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return;
            }
        }
    }

    private void ReleaseReference()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            _session.Dispose();
            _plainRunOptions.Dispose();
            NativeObjects.Released(2);
        }
    }

    /// <summary>Releases the native session once no run is using it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            ReleaseReference();
        }
    }
}
