namespace Intelligence.Inference;

/// <summary>Where a model runs.</summary>
public enum ExecutionProvider
{
    /// <summary>ONNX Runtime's CPU provider.</summary>
    Cpu,
    /// <summary>NVIDIA CUDA; fails with <see cref="ExecutionProviderUnavailableException"/> when it cannot be used.</summary>
    Cuda,
    /// <summary>CUDA when it can be used, otherwise CPU (logged once with the reason).</summary>
    Auto,
    /// <summary>NVIDIA TensorRT, with CUDA then CPU for the nodes it does not take; explicit only (never chosen by Auto).</summary>
    TensorRT,
}

/// <summary>How the CUDA provider picks cuDNN convolution algorithms (cudnn_conv_algo_search).</summary>
public enum CudnnConvolutionSearch
{
    /// <summary>Benchmark every algorithm once per shape (ONNX Runtime's default; slow first run, fastest after).</summary>
    Exhaustive,
    /// <summary>cuDNN's heuristics, no benchmarking.</summary>
    Heuristic,
    /// <summary>cuDNN's default algorithm.</summary>
    Default,
}

/// <summary>How much ONNX Runtime rewrites the graph when it loads a model (GraphOptimizationLevel).</summary>
public enum GraphOptimizationLevel
{
    /// <summary>No rewrites.</summary>
    None = 0,
    /// <summary>Semantics-preserving basic rewrites (constant folding, redundant node removal).</summary>
    Basic = 1,
    /// <summary>Basic plus node fusions.</summary>
    Extended = 2,
    /// <summary>Everything, including layout optimisations.</summary>
    All = 99,
}

/// <summary>Settings for an <see cref="InferenceSession"/>.</summary>
public sealed class InferenceSessionOptions
{
    /// <summary>Threads used inside one operator; 0 lets ONNX Runtime choose.</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>Threads used to run independent operators in parallel; 0 lets ONNX Runtime choose.</summary>
    public int InterOpThreads { get; init; }

    /// <summary>
    /// Let ONNX Runtime's worker threads spin while waiting for work (its default). Spinning lowers latency for
    /// back-to-back runs but takes CPU from other threads; turn it off when cores are scarce or runs are sparse.
    /// </summary>
    public bool AllowThreadSpinning { get; init; } = true;

    /// <summary>Run independent branches of the graph in parallel (uses <see cref="InterOpThreads"/>).</summary>
    public bool ParallelExecution { get; init; }

    /// <summary>Graph optimisation level applied at load time.</summary>
    public GraphOptimizationLevel GraphOptimization { get; init; } = GraphOptimizationLevel.All;

    /// <summary>Execution provider: CPU (default), CUDA, auto (CUDA, else CPU) or TensorRT.</summary>
    public ExecutionProvider Provider { get; init; } = ExecutionProvider.Cpu;

    /// <summary>CUDA device ordinal used by the CUDA provider.</summary>
    public int CudaDeviceId { get; init; }

    /// <summary>Upper bound on the CUDA provider's memory arena in bytes; null means no limit.</summary>
    public long? CudaMemoryLimitBytes { get; init; }

    /// <summary>cuDNN convolution algorithm search of the CUDA provider.</summary>
    public CudnnConvolutionSearch CudnnConvolutionSearch { get; init; } = CudnnConvolutionSearch.Exhaustive;

    /// <summary>Refuse floating-point inputs holding NaN or infinity with <see cref="InvalidInputValueException"/>.</summary>
    public bool RejectNonFiniteInputs { get; init; } = true;

    /// <summary>Deadline applied to every run that does not give its own; null means none.</summary>
    public TimeSpan? DefaultDeadline { get; init; }

    /// <summary>Defaults: CPU, all optimisations, ONNX Runtime's thread counts.</summary>
    public static InferenceSessionOptions Default { get; } = new();
}
