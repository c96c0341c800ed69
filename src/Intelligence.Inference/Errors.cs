namespace Intelligence.Inference;

/// <summary>Error codes ONNX Runtime reports (OrtErrorCode in onnxruntime_c_api.h).</summary>
public enum OrtErrorCode
{
    /// <summary>No error.</summary>
    Ok = 0,
    /// <summary>Generic failure.</summary>
    Fail = 1,
    /// <summary>An argument was invalid (wrong shape, type or name).</summary>
    InvalidArgument = 2,
    /// <summary>A file was not found.</summary>
    NoSuchFile = 3,
    /// <summary>No model loaded.</summary>
    NoModel = 4,
    /// <summary>Kernel or engine failure.</summary>
    EngineError = 5,
    /// <summary>Runtime exception inside ONNX Runtime (including a terminated run).</summary>
    RuntimeException = 6,
    /// <summary>The model bytes are not a valid protobuf.</summary>
    InvalidProtobuf = 7,
    /// <summary>A model is already loaded.</summary>
    ModelLoaded = 8,
    /// <summary>The feature is not implemented in this build.</summary>
    NotImplemented = 9,
    /// <summary>The graph is invalid.</summary>
    InvalidGraph = 10,
    /// <summary>An execution provider failed.</summary>
    ExecutionProviderFail = 11,
}

/// <summary>Base of every error raised by the inference runtime.</summary>
public class InferenceException : Exception
{
    /// <summary>Creates the error with a message.</summary>
    public InferenceException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the error with a message and the error that caused it.</summary>
    public InferenceException(string message, Exception? inner)
        : base(message, inner)
    {
    }
}

/// <summary>The ONNX Runtime shared library could not be found or loaded.</summary>
public sealed class OnnxRuntimeNotFoundException : InferenceException
{
    /// <summary>Creates the error from the places that were searched.</summary>
    public OnnxRuntimeNotFoundException(IReadOnlyList<string> searched)
        : base("The ONNX Runtime native library (libonnxruntime.so) could not be loaded. It is copied next to every program "
               + "that references Intelligence.Inference (NuGet Microsoft.ML.OnnxRuntime.Gpu.Linux); rebuild, or point "
               + "OnnxRuntime.Configure at the file. Tried: " + string.Join("; ", searched))
    {
        Searched = searched;
    }

    /// <summary>Every location tried, in order, with the reason it was rejected.</summary>
    public IReadOnlyList<string> Searched { get; }
}

/// <summary>ONNX Runtime returned an error status.</summary>
public class OnnxRuntimeException : InferenceException
{
    /// <summary>Creates the error from an ONNX Runtime status code and message.</summary>
    public OnnxRuntimeException(OrtErrorCode code, string message)
        : this(code, message, null)
    {
    }

    /// <summary>Creates the error from an ONNX Runtime status code and message, keeping the binding's exception.</summary>
    public OnnxRuntimeException(OrtErrorCode code, string message, Exception? inner)
        : base($"ONNX Runtime error {code}: {message}", inner)
    {
        Code = code;
        RuntimeMessage = message;
    }

    /// <summary>The status code ONNX Runtime reported.</summary>
    public OrtErrorCode Code { get; }

    /// <summary>The message ONNX Runtime reported, unchanged.</summary>
    public string RuntimeMessage { get; }
}

/// <summary>A model could not be loaded: missing file, corrupt bytes or an invalid graph.</summary>
public sealed class ModelLoadException : InferenceException
{
    /// <summary>Creates the error naming the model source.</summary>
    public ModelLoadException(string source, string reason, Exception? inner = null)
        : base($"Cannot load ONNX model from {source}: {reason}", inner)
    {
        Source = source;
    }

    /// <summary>The file path, or "bytes" for an in-memory model.</summary>
    public new string Source { get; }
}

/// <summary>Base of the errors about one particular input of a run.</summary>
public abstract class InferenceInputException : InferenceException
{
    /// <summary>Creates the error for one input.</summary>
    protected InferenceInputException(string inputName, string reason)
        : base($"Input '{inputName}': {reason}")
    {
        InputName = inputName;
    }

    /// <summary>The input the error is about.</summary>
    public string InputName { get; }
}

/// <summary>The inputs given to a run do not match the model: unknown or missing name, wrong element type or shape.</summary>
/// <param name="inputName">The input the error is about.</param>
/// <param name="reason">What is wrong with it.</param>
public sealed class InputMismatchException(string inputName, string reason) : InferenceInputException(inputName, reason);

/// <summary>An input holds a value the runtime refuses (NaN or infinity when non-finite inputs are rejected).</summary>
/// <param name="inputName">The input the error is about.</param>
/// <param name="reason">What is wrong with it.</param>
public sealed class InvalidInputValueException(string inputName, string reason) : InferenceInputException(inputName, reason);

/// <summary>The requested execution provider cannot be used on this machine.</summary>
public sealed class ExecutionProviderUnavailableException : InferenceException
{
    /// <summary>Creates the error naming the provider and the reason.</summary>
    public ExecutionProviderUnavailableException(ExecutionProvider provider, string reason)
        : this(provider, reason, null)
    {
    }

    /// <summary>Creates the error naming the provider, the reason and the shared library that could not be loaded.</summary>
    public ExecutionProviderUnavailableException(ExecutionProvider provider, string reason, string? missingLibrary)
        : base($"Execution provider {provider} is unavailable: {reason}")
    {
        Provider = provider;
        Reason = reason;
        MissingLibrary = missingLibrary;
    }

    /// <summary>The shared library that could not be loaded (e.g. <c>libcublasLt.so.13</c>), when that is the cause.</summary>
    public string? MissingLibrary { get; }

    /// <summary>The provider that was requested.</summary>
    public ExecutionProvider Provider { get; }

    /// <summary>Why it cannot be used.</summary>
    public string Reason { get; }
}

/// <summary>A run did not finish before its deadline and was terminated.</summary>
public sealed class InferenceDeadlineExceededException : InferenceException
{
    /// <summary>Creates the error with the deadline that passed.</summary>
    public InferenceDeadlineExceededException(TimeSpan deadline)
        : base($"Inference did not finish within its deadline of {deadline.TotalMilliseconds:0.###} ms and was terminated.")
    {
        Deadline = deadline;
    }

    /// <summary>The deadline that passed.</summary>
    public TimeSpan Deadline { get; }
}

/// <summary>A batching queue is full and the request was refused (back-pressure).</summary>
public sealed class BatchQueueFullException : InferenceException
{
    /// <summary>Creates the error with the queue capacity.</summary>
    public BatchQueueFullException(int capacity)
        : base($"The batching queue is full ({capacity} requests waiting); retry later.")
    {
        Capacity = capacity;
    }

    /// <summary>The capacity of the queue that was full.</summary>
    public int Capacity { get; }
}
