using System.Security.Cryptography;
using Intelligence.Inference;
using Intelligence.Inference.Batching;
using Intelligence.Node;
using Intelligence.Subnets;
using Microsoft.Extensions.Logging;

namespace Intelligence.Miner;

/// <summary>A request whose tensors do not fit the task (wrong count, type or shape): the caller's fault.</summary>
public sealed class ModelInputException(string message) : Exception(message);

/// <summary>
/// The model a miner serves: an ONNX Runtime session on the configured provider behind a dynamic batcher, its
/// inputs and outputs matched to the subnet's task schema by name (else by position). The only file of the miner
/// that uses the inference library.
/// </summary>
public sealed class ModelServer : IAsyncDisposable
{
    private readonly InferenceSession _session;
    private readonly DynamicBatcher? _batcher;
    private readonly TaskSchema _schema;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;

    private ModelServer(InferenceSession session, DynamicBatcher? batcher, TaskSchema schema, string name, string version)
    {
        _session = session;
        _batcher = batcher;
        _schema = schema;
        Name = name;
        Version = version;
        _inputNames = [.. schema.Inputs.Select((spec, i) => session.Inputs.Any(m => m.Name == spec.Name) ? spec.Name : session.Inputs[i].Name)];
        var outputs = session.Outputs.Select(o => o.Name).ToList();
        _outputNames = [.. schema.Outputs.Select((spec, i) => outputs.Contains(spec.Name) ? spec.Name : outputs[i])];
    }

    /// <summary>Model file name.</summary>
    public string Name { get; }

    /// <summary>First 12 hex digits of the model file's SHA-256 (what validators see as the version).</summary>
    public string Version { get; }

    /// <summary>The provider the session runs on ("cpu" or "cuda").</summary>
    public string Provider => _session.ActiveProvider.ToString().ToLowerInvariant();

    /// <summary>ONNX Runtime version.</summary>
    public static string RuntimeVersion => OnnxRuntime.Version;

    /// <summary>Requests waiting for a batch.</summary>
    public int QueueLength => _batcher?.QueueLength ?? 0;

    /// <summary>Requests and batches run so far.</summary>
    public (long Requests, long Batches, long LargestBatch) Statistics =>
        _batcher?.Statistics is { } s ? (s.Requests, s.Batches, s.LargestBatchRows) : (0, 0, 0);

    /// <summary>Loads the model for <paramref name="schema"/>; problems are <see cref="NodeStartupException"/>s.</summary>
    public static ModelServer Load(string path, string provider, TaskSchema schema, int maxBatch, TimeSpan maxWait, int queueCapacity, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var ep = provider switch { "cuda" => ExecutionProvider.Cuda, "cpu" => ExecutionProvider.Cpu, _ => ExecutionProvider.Auto };
        InferenceSession session;
        try
        {
            session = InferenceSession.FromFile(path, new InferenceSessionOptions { Provider = ep }, logger);
        }
        catch (InferenceException e)
        {
            throw new NodeStartupException($"Miner:Model: cannot load '{path}' on provider {provider}: {e.Message}");
        }
        try
        {
            if (session.Inputs.Count != schema.Inputs.Length || session.Outputs.Count < schema.Outputs.Length)
            {
                throw new NodeStartupException($"Miner:Model: '{path}' has {session.Inputs.Count} inputs / {session.Outputs.Count} outputs; the task needs {schema.Inputs.Length} / {schema.Outputs.Length} ({string.Join(", ", schema.Inputs)} -> {string.Join(", ", schema.Outputs)})");
            }
            DynamicBatcher? batcher = null;
            if (session.Inputs.Concat(session.Outputs).All(t => t.HasFreeFirstDimension))
            {
                batcher = new DynamicBatcher(session, new BatchingOptions { MaxBatchSize = maxBatch, MaxWait = maxWait, QueueCapacity = queueCapacity, RejectWhenFull = true }, logger);
            }
            using var sha = SHA256.Create();
            using var file = File.OpenRead(path);
            var version = Convert.ToHexStringLower(sha.ComputeHash(file))[..12];
            return new ModelServer(session, batcher, schema, Path.GetFileName(path), version);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Runs the model on one request's inputs (in schema order) and returns the outputs in schema order.</summary>
    /// <exception cref="ModelInputException">The inputs do not fit the task.</exception>
    public async Task<IReadOnlyList<SubnetTensor>> RunAsync(IReadOnlyList<SubnetTensor> inputs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count != _schema.Inputs.Length)
        {
            throw new ModelInputException($"{inputs.Count} input tensors given, the task has {_schema.Inputs.Length} ({string.Join(", ", _schema.Inputs)})");
        }
        var rows = inputs[0].Shape.Length > 0 ? inputs[0].Shape[0] : -1;
        if (rows is <= 0 or > int.MaxValue)
        {
            throw new ModelInputException("the first input needs a non-empty batch dimension");
        }
        var named = new NamedTensor[inputs.Count];
        for (var i = 0; i < inputs.Count; i++)
        {
            if (_schema.Inputs[i].Check(inputs[i], (int)rows) is { } problem)
            {
                throw new ModelInputException(problem);
            }
            try
            {
                named[i] = new NamedTensor(_inputNames[i], SubnetModel.ToValue(inputs[i]));
            }
            catch (MalformedTensorException e)
            {
                throw new ModelInputException(e.Message);
            }
        }
        InferenceResult result;
        try
        {
            result = _batcher is not null ? await _batcher.RunAsync(named, ct).ConfigureAwait(false) : _session.Run(named, ct);
        }
        catch (InferenceInputException e)
        {
            throw new ModelInputException(e.Message);
        }
        try
        {
            return [.. _schema.Outputs.Select((spec, i) => SubnetModel.FromValue(spec.Name, result[_outputNames[i]]))];
        }
        catch (MalformedTensorException e)
        {
            // The model loaded but answers in a type the task cannot carry: the miner's fault, not the caller's.
            throw new InvalidOperationException(e.Message, e);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_batcher is not null)
        {
            await _batcher.DisposeAsync().ConfigureAwait(false);
        }
        _session.Dispose();
    }
}
