using System.Diagnostics;
using Intelligence.Inference.Batching;
using Intelligence.Inference.Onnx;
using Intelligence.Inference.Training;

namespace Intelligence.Inference.Bench;

/// <summary>
/// The device check behind tools/gpu-check.sh: the providers compiled in, then the reference-model shapes and a
/// 1M-parameter MLP on CPU and on CUDA side by side (single-request latency, one 64-row run, 64 callers through the
/// batcher). Exit code 2, with the typed reason, when CUDA cannot be used; 0 when every model ran on both.
/// </summary>
internal static class GpuCheck
{
    public static async Task<int> RunAsync(string root, double seconds, bool cpuOnly)
    {
        Console.WriteLine($"ONNX Runtime {OnnxRuntime.Version}; providers compiled in: {string.Join(", ", OnnxRuntime.AvailableProviders)}");
        var models = Models(root);

        // CUDA first: if it cannot load there is nothing to compare, and the reason is the whole answer.
        // --cpu-only (for machines without a GPU) runs the CPU column alone, so the check itself can be tried anywhere.
        ExecutionProvider[] providers = cpuOnly ? [ExecutionProvider.Cpu] : [ExecutionProvider.Cpu, ExecutionProvider.Cuda];
        InferenceSession probe;
        try
        {
            probe = InferenceSession.FromBytes(models[0].Bytes, new InferenceSessionOptions { Provider = providers[^1] });
        }
        catch (ExecutionProviderUnavailableException e)
        {
            Console.Error.WriteLine($"gpu-check: FAILED: CUDA cannot be used: {e.Reason}");
            Console.Error.WriteLine($"gpu-check: missing library: {e.MissingLibrary ?? "(none named)"}");
            return 2;
        }

        probe.Dispose();
        Console.WriteLine($"{providers[^1]} execution provider: loaded");
        Console.WriteLine();
        Console.WriteLine($"| model | parameters | provider | latency, 1 row (median) | one run of 64 rows | 64 callers, batcher | vs CPU (batcher) |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var (name, bytes, inputs, parameters) in models)
        {
            double? cpuThroughput = null;
            foreach (var provider in providers)
            {
                using var session = InferenceSession.FromBytes(bytes, new InferenceSessionOptions { Provider = provider, CudnnConvolutionSearch = CudnnConvolutionSearch.Heuristic });
                if (session.ActiveProvider != provider)
                {
                    Console.Error.WriteLine($"gpu-check: FAILED: {name} asked for {provider}, runs on {session.ActiveProvider}");
                    return 1;
                }

                var rng = new Random(5);
                var one = new float[inputs];
                var many = new float[64 * inputs];
                for (var i = 0; i < many.Length; i++)
                {
                    many[i] = (float)rng.NextDouble();
                }

                many.AsSpan(0, inputs).CopyTo(one);
                var single = TensorValue.Create(one, 1, inputs);
                var batch = TensorValue.Create(many, 64, inputs);
                CheckSameAsBatch(session, single, batch, name);
                var latency = MedianMicros(() => session.Run(single), seconds);
                var batchRows = 64 * 1e6 / MedianMicros(() => session.Run(batch), seconds);
                var batched = await Batched(session, one, inputs, seconds);
                cpuThroughput ??= batched;
                Console.WriteLine($"| {name} | {parameters:N0} | {provider} | {latency:0.0} us | {batchRows:N0} rows/s | {batched:N0} req/s | {batched / cpuThroughput.Value:0.00}x |");
            }
        }

        return 0;
    }

    private static (string Name, byte[] Bytes, int Inputs, long Parameters)[] Models(string root)
    {
        var digits = NumericCsv.Read(Path.Combine(root, "tests", "fixtures", "datasets", "digits.csv.gz"));
        var x = digits.FirstColumns(64);
        var labels = digits.Column(64).Select(v => (int)v).ToArray();
        var mlp = MlpTrainer.TrainClassifier(x, digits.Rows, 64, labels, 10, new MlpTrainerOptions { HiddenLayers = [32], Epochs = 5, Seed = 7 });
        var logistic = MlpTrainer.TrainLogisticRegression(x, digits.Rows, 64, labels, 10, epochs: 5);
        var sunspots = NumericCsv.Read(Path.Combine(root, "tests", "fixtures", "datasets", "sunspots_yearly.csv"), headerLines: 1).Column(1);
        var rng = new Random(1);
        DenseLayer[] big = [Layer(rng, 784, 1024), Layer(rng, 1024, 256), Layer(rng, 256, 10)];
        return
        [
            ("digits MLP 64-32-10", mlp.ToOnnx(), 64, mlp.Layers.Sum(l => l.ParameterCount)),
            ("logistic regression 64-10", logistic.ToOnnx(), 64, logistic.Layers.Sum(l => l.ParameterCount)),
            ("linear AR(9) forecast", Autoregression.FitOnnx(sunspots, 9, 1), 9, 10),
            ("MLP 784-1024-256-10", OnnxGraphs.Mlp(big), 784, big.Sum(l => l.ParameterCount)),
        ];
    }

    /// <summary>A dense layer with seeded uniform weights scaled by 1/sqrt(inputs).</summary>
    public static DenseLayer Layer(Random rng, int inputs, int outputs)
    {
        var w = new float[inputs * outputs];
        for (var i = 0; i < w.Length; i++)
        {
            w[i] = (float)(((rng.NextDouble() * 2) - 1) / Math.Sqrt(inputs));
        }

        return new DenseLayer(w, new float[outputs], inputs, outputs);
    }

    // The first row run alone must give the first row of the batch: the provider computes, not just loads.
    private static void CheckSameAsBatch(InferenceSession session, TensorValue single, TensorValue batch, string name)
    {
        var a = session.Run(single).As<float>().Span;
        var b = session.Run(batch).As<float>().Span[..a.Length];
        for (var i = 0; i < a.Length; i++)
        {
            if (Math.Abs(a[i] - b[i]) > 1e-3f * Math.Max(1f, Math.Abs(a[i])))
            {
                throw new InvalidOperationException($"{name} on {session.ActiveProvider}: row 0 alone gives {a[i]}, in a batch {b[i]} (output {i}).");
            }
        }
    }

    private static double MedianMicros(Action action, double seconds)
    {
        for (var i = 0; i < 20; i++)
        {
            action(); // warm-up (cuDNN/cuBLAS handles, arena growth)
        }

        var samples = new List<double>();
        var stop = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < stop || samples.Count < 10)
        {
            var start = Stopwatch.GetTimestamp();
            action();
            samples.Add((Stopwatch.GetTimestamp() - start) * 1e6 / Stopwatch.Frequency);
        }

        samples.Sort();
        return samples[samples.Count / 2];
    }

    private static async Task<double> Batched(InferenceSession session, float[] x, int inputs, double seconds)
    {
        await using var batcher = new DynamicBatcher(session, new BatchingOptions { MaxBatchSize = 64, MaxWait = TimeSpan.FromMilliseconds(2) });
        var stop = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var completed = 0L;
        var start = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, 64).Select(async _ =>
        {
            var tensor = TensorValue.Create(x, 1, inputs);
            while (Stopwatch.GetTimestamp() < stop)
            {
                await batcher.RunAsync(tensor).ConfigureAwait(false);
                Interlocked.Increment(ref completed);
            }
        });
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(2));
        return completed / ((Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency);
    }
}
