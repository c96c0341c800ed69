using System.Buffers;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Intelligence.Inference.Bench.Old;

/// <summary>
/// The C-API binding this project used before Microsoft.ML.OnnxRuntime.Managed (kept in the bench only for the
/// old-vs-new comparison; CPU only). A loaded ONNX model. Thread-safe: any number of threads may call <see cref="Run(IReadOnlyList{NamedTensor}, CancellationToken, TimeSpan?)"/>
/// at once. Inputs are validated against the model before ONNX Runtime sees them.
/// </summary>
public sealed unsafe class OldInferenceSession : IDisposable
{
    private readonly OrtSessionHandle _session;
    private readonly InferenceSessionOptions _options;
    private readonly Dictionary<string, int> _inputIndex;
    private readonly byte[][] _inputNames; // pinned, NUL-terminated UTF-8
    private readonly byte[][] _outputNames; // pinned, tensor outputs only
    private readonly int[] _fetchedOutputs; // indices into Outputs of the tensor outputs

    private OldInferenceSession(OrtSessionHandle session, InferenceSessionOptions options, ExecutionProvider provider)
    {
        _session = session;
        _options = options;
        ActiveProvider = provider;
        Inputs = ReadInfos(session, input: true);
        Outputs = ReadInfos(session, input: false);
        _inputIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Inputs.Count; i++)
        {
            _inputIndex[Inputs[i].Name] = i;
        }

        _inputNames = Inputs.Select(i => PinnedUtf8(i.Name)).ToArray();
        _fetchedOutputs = Enumerable.Range(0, Outputs.Count).Where(i => Outputs[i].IsTensor).ToArray();
        _outputNames = _fetchedOutputs.Select(i => PinnedUtf8(Outputs[i].Name)).ToArray();
    }

    /// <summary>The native session (for the benchmark's raw C API baseline).</summary>
    internal OrtSessionHandle Handle => _session;

    /// <summary>Test hook: called on the running thread just before the native run starts.</summary>
    internal Action? NativeRunStarting { get; set; }

    /// <summary>The model's inputs, in graph order.</summary>
    public IReadOnlyList<TensorInfo> Inputs { get; }

    /// <summary>The model's outputs, in graph order.</summary>
    public IReadOnlyList<TensorInfo> Outputs { get; }

    /// <summary>The execution provider the session actually uses.</summary>
    public ExecutionProvider ActiveProvider { get; }

    /// <summary>Loads a model from an .onnx file.</summary>
    public static OldInferenceSession FromFile(string path, InferenceSessionOptions? options = null, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new ModelLoadException(full, "the file does not exist", new FileNotFoundException(null, full));
        }

        var nativePath = OperatingSystem.IsWindows()
            ? Encoding.Unicode.GetBytes(full + "\0")
            : Encoding.UTF8.GetBytes(full + "\0");
        return Create(full, options, logger, (api, env, opts) =>
        {
            nint session;
            fixed (byte* p = nativePath)
            {
                return (api->CreateSession(env, p, opts, &session), session);
            }
        });
    }

    /// <summary>Loads a model from its serialized bytes.</summary>
    public static OldInferenceSession FromBytes(ReadOnlyMemory<byte> model, InferenceSessionOptions? options = null, ILogger? logger = null)
    {
        if (model.IsEmpty)
        {
            throw new ModelLoadException("bytes", "the model is empty");
        }

        return Create("bytes", options, logger, (api, env, opts) =>
        {
            nint session;
            fixed (byte* p = model.Span)
            {
                return (api->CreateSessionFromArray(env, p, (nuint)model.Length, opts, &session), session);
            }
        });
    }

    private delegate (nint Status, nint Session) SessionFactory(OrtApi* api, nint env, nint options);

    private static OldInferenceSession Create(string source, InferenceSessionOptions? options, ILogger? logger, SessionFactory factory)
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

        var api = OrtNative.Api;
        var env = OrtEnvironment.Env;

        _ = logger;
        using var sessionOptions = CreateOptions(api, options);
        var (status, raw) = factory(api, env.DangerousGetHandle(), sessionOptions.DangerousGetHandle());
        if (status != 0)
        {
            var ort = OrtNative.ToException(status);
            throw new ModelLoadException(source, ort.RuntimeMessage, ort);
        }

        return new OldInferenceSession(new OrtSessionHandle(raw), options, ExecutionProvider.Cpu);
    }

    private static OrtSessionOptionsHandle CreateOptions(OrtApi* api, InferenceSessionOptions options)
    {
        nint raw;
        OrtNative.Check(api->CreateSessionOptions(&raw));
        var handle = new OrtSessionOptionsHandle(raw);
        try
        {
            OrtNative.Check(api->SetIntraOpNumThreads(raw, options.IntraOpThreads));
            OrtNative.Check(api->SetInterOpNumThreads(raw, options.InterOpThreads));
            OrtNative.Check(api->SetSessionGraphOptimizationLevel(raw, (int)options.GraphOptimization));
            OrtNative.Check(api->SetSessionExecutionMode(raw, options.ParallelExecution ? 1 : 0));
            if (!options.AllowThreadSpinning)
            {
                // Keys from onnxruntime_session_options_config_keys.h.
                fixed (byte* intra = "session.intra_op.allow_spinning"u8)
                fixed (byte* inter = "session.inter_op.allow_spinning"u8)
                fixed (byte* off = "0"u8)
                {
                    OrtNative.Check(api->AddSessionConfigEntry(raw, intra, off));
                    OrtNative.Check(api->AddSessionConfigEntry(raw, inter, off));
                }
            }
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static TensorInfo[] ReadInfos(OrtSessionHandle session, bool input)
    {
        var api = OrtNative.Api;
        var s = session.DangerousGetHandle();
        nuint count;
        OrtNative.Check(input ? api->SessionGetInputCount(s, &count) : api->SessionGetOutputCount(s, &count));
        nint allocator;
        OrtNative.Check(api->GetAllocatorWithDefaultOptions(&allocator));
        var infos = new TensorInfo[(int)count];
        for (nuint i = 0; i < count; i++)
        {
            byte* namePtr;
            OrtNative.Check(input ? api->SessionGetInputName(s, i, allocator, &namePtr) : api->SessionGetOutputName(s, i, allocator, &namePtr));
            string name;
            try
            {
                name = Marshal.PtrToStringUTF8((nint)namePtr) ?? string.Empty;
            }
            finally
            {
                OrtNative.Check(api->AllocatorFree(allocator, namePtr));
            }

            nint rawType;
            OrtNative.Check(input ? api->SessionGetInputTypeInfo(s, i, &rawType) : api->SessionGetOutputTypeInfo(s, i, &rawType));
            using var typeInfo = new OrtTypeInfoHandle(rawType);
            infos[(int)i] = Describe(api, name, typeInfo.DangerousGetHandle());
        }

        return infos;
    }

    private static TensorInfo Describe(OrtApi* api, string name, nint typeInfo)
    {
        const int OnnxTypeTensor = 1; // ONNX_TYPE_TENSOR
        int onnxType;
        OrtNative.Check(api->GetOnnxTypeFromTypeInfo(typeInfo, &onnxType));
        if (onnxType != OnnxTypeTensor)
        {
            return new TensorInfo(name, false, TensorElementType.Undefined, [], []);
        }

        nint tensorInfo; // owned by typeInfo: not released here
        OrtNative.Check(api->CastTypeInfoToTensorInfo(typeInfo, &tensorInfo));
        int elementType;
        OrtNative.Check(api->GetTensorElementType(tensorInfo, &elementType));
        nuint rank;
        OrtNative.Check(api->GetDimensionsCount(tensorInfo, &rank));
        var dims = new long[(int)rank];
        var symbols = new string[(int)rank];
        if (rank > 0)
        {
            var symbolic = new nint[(int)rank];
            fixed (long* d = dims)
            fixed (nint* sym = symbolic)
            {
                OrtNative.Check(api->GetDimensions(tensorInfo, d, rank));
                OrtNative.Check(api->GetSymbolicDimensions(tensorInfo, (byte**)sym, rank));
            }

            for (var k = 0; k < symbols.Length; k++)
            {
                symbols[k] = symbolic[k] == 0 ? string.Empty : Marshal.PtrToStringUTF8(symbolic[k]) ?? string.Empty;
                if (dims[k] < 0)
                {
                    dims[k] = -1;
                }
            }
        }

        return new TensorInfo(name, true, (TensorElementType)elementType, dims, symbols);
    }

    private static byte[] PinnedUtf8(string s)
    {
        var bytes = GC.AllocateArray<byte>(Encoding.UTF8.GetByteCount(s) + 1, pinned: true);
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
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
        ObjectDisposedException.ThrowIf(_session.IsClosed, this);
        cancellationToken.ThrowIfCancellationRequested();
        return RunPrepared(Prepare(inputs), cancellationToken, deadline);
    }

    /// <summary>Runs inputs already checked by <see cref="Prepare"/>, in model input order.</summary>
    internal InferenceResult RunPrepared(TensorValue[] ordered, CancellationToken cancellationToken, TimeSpan? deadline)
    {
        ObjectDisposedException.ThrowIf(_session.IsClosed, this);
        cancellationToken.ThrowIfCancellationRequested();
        deadline ??= _options.DefaultDeadline;
        if (deadline is { } requested && requested <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(deadline), requested, "A deadline must be positive.");
        }

        var api = OrtNative.Api;
        var inputCount = ordered.Length;
        var outputCount = _outputNames.Length;
        var pins = new MemoryHandle[inputCount];
        var inputValues = new OrtValueHandle?[inputCount];
        var outputRaw = stackalloc nint[Math.Max(outputCount, 1)];
        var inputRaw = stackalloc nint[Math.Max(inputCount, 1)];
        var inputNamePtrs = stackalloc nint[Math.Max(inputCount, 1)];
        var outputNamePtrs = stackalloc nint[Math.Max(outputCount, 1)];
        for (var i = 0; i < outputCount; i++)
        {
            outputRaw[i] = 0;
            outputNamePtrs[i] = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_outputNames[i]));
        }

        var deadlineAt = deadline is { } limit ? Stopwatch.GetTimestamp() + (long)(limit.TotalSeconds * Stopwatch.Frequency) : (long?)null;
        var sessionRef = false;
        OrtRunOptionsHandle? runOptions = null;
        CancellationTokenSource? deadlineSource = null;
        CancellationTokenRegistration cancelRegistration = default;
        CancellationTokenRegistration deadlineRegistration = default;
        try
        {
            var memory = OrtEnvironment.CpuMemory.DangerousGetHandle();
            for (var i = 0; i < inputCount; i++)
            {
                var value = ordered[i];
                pins[i] = value.Pin();
                var shape = value.ShapeArray;
                nint raw;
                fixed (long* dims = shape)
                {
                    OrtNative.Check(api->CreateTensorWithDataAsOrtValue(
                        memory, pins[i].Pointer, (nuint)value.ByteLength, dims, (nuint)shape.Length, (int)value.ElementType, &raw));
                }

                inputValues[i] = new OrtValueHandle(raw);
                inputRaw[i] = raw;
                inputNamePtrs[i] = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_inputNames[i]));
            }

            if (cancellationToken.CanBeCanceled || deadline is not null)
            {
                nint rawOptions;
                OrtNative.Check(api->CreateRunOptions(&rawOptions));
                runOptions = new OrtRunOptionsHandle(rawOptions);
                if (cancellationToken.CanBeCanceled)
                {
                    cancelRegistration = cancellationToken.UnsafeRegister(static o => Terminate((OrtRunOptionsHandle)o!), runOptions);
                }

                if (deadline is { } d)
                {
                    deadlineSource = new CancellationTokenSource(d);
                    deadlineRegistration = deadlineSource.Token.UnsafeRegister(static o => Terminate((OrtRunOptionsHandle)o!), runOptions);
                }
            }

            _session.DangerousAddRef(ref sessionRef);
            NativeRunStarting?.Invoke();
            if (deadlineAt is { } at && Stopwatch.GetTimestamp() >= at)
            {
                throw new InferenceDeadlineExceededException(deadline!.Value);
            }

            var status = api->Run(
                _session.DangerousGetHandle(),
                runOptions is null ? 0 : runOptions.DangerousGetHandle(),
                inputNamePtrs, inputRaw, (nuint)inputCount,
                outputNamePtrs, (nuint)outputCount, outputRaw);

            // Wrap outputs at once so they are released whatever happens next.
            var outputValues = new OrtValueHandle?[outputCount];
            for (var i = 0; i < outputCount; i++)
            {
                outputValues[i] = outputRaw[i] == 0 ? null : new OrtValueHandle(outputRaw[i]);
            }

            try
            {
                if (status != 0)
                {
                    var error = OrtNative.ToException(status);
                    cancellationToken.ThrowIfCancellationRequested();
                    if (deadlineSource is { IsCancellationRequested: true } || Stopwatch.GetTimestamp() >= deadlineAt)
                    {
                        throw new InferenceDeadlineExceededException(deadline!.Value);
                    }

                    throw error;
                }

                var results = new NamedTensor[outputCount];
                for (var i = 0; i < outputCount; i++)
                {
                    results[i] = new NamedTensor(Outputs[_fetchedOutputs[i]].Name, CopyOut(api, outputValues[i]!));
                }

                return new InferenceResult(results);
            }
            finally
            {
                foreach (var o in outputValues)
                {
                    o?.Dispose();
                }
            }
        }
        finally
        {
            cancelRegistration.Dispose();
            deadlineRegistration.Dispose();
            deadlineSource?.Dispose();
            if (sessionRef)
            {
                _session.DangerousRelease();
            }

            runOptions?.Dispose();
            for (var i = 0; i < inputCount; i++)
            {
                inputValues[i]?.Dispose();
                pins[i].Dispose();
            }
        }
    }

    private static void Terminate(OrtRunOptionsHandle options)
    {
        var added = false;
        try
        {
            options.DangerousAddRef(ref added);
            OrtNative.Check(OrtNative.Api->RunOptionsSetTerminate(options.DangerousGetHandle()));
        }
        catch (ObjectDisposedException)
        {
            // The run already finished.
        }
        finally
        {
            if (added)
            {
                options.DangerousRelease();
            }
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

    private static TensorValue CopyOut(OrtApi* api, OrtValueHandle value)
    {
        var raw = value.DangerousGetHandle();
        nint rawInfo;
        OrtNative.Check(api->GetTensorTypeAndShape(raw, &rawInfo));
        using var info = new OrtTensorTypeAndShapeInfoHandle(rawInfo);
        int elementType;
        OrtNative.Check(api->GetTensorElementType(rawInfo, &elementType));
        nuint rank;
        OrtNative.Check(api->GetDimensionsCount(rawInfo, &rank));
        var shape = new long[(int)rank];
        fixed (long* d = shape)
        {
            OrtNative.Check(api->GetDimensions(rawInfo, d, rank));
        }

        var count = checked((int)TensorValue.CountElements(shape));
        void* data;
        OrtNative.Check(api->GetTensorMutableData(raw, &data));
        return (TensorElementType)elementType switch
        {
            TensorElementType.Float => Copy<float>(data, count, shape),
            TensorElementType.Float16 => Copy<Half>(data, count, shape),
            TensorElementType.Int64 => Copy<long>(data, count, shape),
            TensorElementType.Int32 => Copy<int>(data, count, shape),
            TensorElementType.Bool => Copy<bool>(data, count, shape),
            TensorElementType.UInt8 => Copy<byte>(data, count, shape),
            TensorElementType.Double => Copy<double>(data, count, shape),
            TensorElementType.Int8 => Copy<sbyte>(data, count, shape),
            TensorElementType.Int16 => Copy<short>(data, count, shape),
            TensorElementType.UInt16 => Copy<ushort>(data, count, shape),
            TensorElementType.UInt32 => Copy<uint>(data, count, shape),
            TensorElementType.UInt64 => Copy<ulong>(data, count, shape),
            var other => throw new InferenceException($"Output element type {other} is not supported by this binding."),
        };
    }

    private static TensorValue<T> Copy<T>(void* data, int count, long[] shape)
        where T : unmanaged => new(new ReadOnlySpan<T>(data, count).ToArray(), shape);

    /// <summary>Releases the native session once no run is using it.</summary>
    public void Dispose() => _session.Dispose();
}
