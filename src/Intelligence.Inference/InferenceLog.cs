using Microsoft.Extensions.Logging;

namespace Intelligence.Inference;

internal static partial class InferenceLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "CUDA execution provider unavailable, falling back to CPU: {Reason}")]
    public static partial void CudaFallback(ILogger logger, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Loaded ONNX model from {Source} on {Provider}: {InputCount} inputs, {OutputCount} outputs")]
    public static partial void ModelLoaded(ILogger logger, string source, ExecutionProvider provider, int inputCount, int outputCount);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Batch of {Count} requests failed: {Error}")]
    public static partial void BatchFailed(ILogger logger, int count, string error);
}
