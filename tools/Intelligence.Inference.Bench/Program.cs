// Inference benchmark: raw ONNX Runtime C API vs the Intelligence.Inference wrapper, and dynamic batching vs
// sequential single runs. One run prints every figure next to its peer. Usage:
//   dotnet run -c Release --project tools/Intelligence.Inference.Bench [-- --seconds 2 --rounds 5 --train]
using System.Diagnostics;
using System.Globalization;
using Intelligence.Inference;
using Intelligence.Inference.Batching;
using Intelligence.Inference.Bench;
using Intelligence.Inference.Onnx;
using Intelligence.Inference.Training;

var seconds = Arg("--seconds", 1.5);
var rounds = (int)Arg("--rounds", 5);
var root = FindRoot();

Console.WriteLine($"ONNX Runtime {OnnxRuntime.Version}; providers compiled in: {string.Join(", ", OnnxRuntime.AvailableProviders)}");
Console.WriteLine($"{Environment.ProcessorCount} logical CPUs; .NET {Environment.Version}; {rounds} rounds x {seconds:0.0} s per figure; CPU execution provider.");
Console.WriteLine("CUDA: not measured (no GPU and no CUDA provider libraries on this machine).");
Console.WriteLine();

var (digitsX, digitsLabels, digitsRows) = LoadDigits(Path.Combine(root, "tests", "fixtures", "datasets", "digits.csv.gz"));
const int trainRows = 1300;
var digits = MlpTrainer.TrainClassifier(digitsX.AsSpan(0, trainRows * 64), trainRows, 64, digitsLabels.AsSpan(0, trainRows), 10,
    new MlpTrainerOptions { HiddenLayers = [32], Epochs = 30, Seed = 7 });
var rng = new Random(1);
DenseLayer[] big = [Layer(rng, 784, 1024), Layer(rng, 1024, 256), Layer(rng, 256, 10)];

var models = new (string Name, byte[] Bytes, int Inputs, long Parameters)[]
{
    ("digits MLP 64-32-10", digits.ToOnnx(), 64, digits.Layers.Sum(l => l.ParameterCount)),
    ("MLP 784-1024-256-10", OnnxGraphs.Mlp(big), 784, big.Sum(l => l.ParameterCount)),
};

var configurations = new (string Label, InferenceSessionOptions Options)[]
{
    ("ONNX Runtime default threads (spinning on)", new InferenceSessionOptions()),
    ("1 intra-op thread, no spinning", new InferenceSessionOptions { IntraOpThreads = 1, AllowThreadSpinning = false }),
};

foreach (var (label, options) in configurations)
{
    foreach (var (name, bytes, inputs, parameters) in models)
    {
        Console.WriteLine($"== {name} ({parameters:N0} parameters), {label}");
        using var session = InferenceSession.FromBytes(bytes, options);
        var x = new float[inputs];
        for (var i = 0; i < x.Length; i++)
        {
            x[i] = (float)rng.NextDouble();
        }

        var tensor = TensorValue.Create(x, 1, inputs);
        using var raw = new RawRunner(session, x);
        // Paired, interleaved blocks: each block times the raw loop and the wrapper loop back to back (order
        // alternating), so load from other processes hits both sides alike; the median of the paired differences
        // is the overhead estimate, and the medians of each side are the latencies.
        Measure(() => raw.Run(), 0.3);
        Measure(() => session.Run(tensor), 0.3);
        var perCall = Measure(() => raw.Run(), 0.2);
        var callsPerBlock = Math.Max(1, (int)(1000 / perCall)); // about 1 ms per side
        var blocks = Math.Max(20, (int)(rounds * seconds * 1000 / 2 / Math.Max(1, callsPerBlock * perCall / 1000)));
        var rawMicros = new List<double>(blocks);
        var wrapMicros = new List<double>(blocks);
        var differences = new List<double>(blocks);
        for (var b = 0; b < blocks; b++)
        {
            double r, w;
            if (b % 2 == 0)
            {
                r = Time(() => raw.Run(), callsPerBlock);
                w = Time(() => session.Run(tensor), callsPerBlock);
            }
            else
            {
                w = Time(() => session.Run(tensor), callsPerBlock);
                r = Time(() => raw.Run(), callsPerBlock);
            }

            rawMicros.Add(r);
            wrapMicros.Add(w);
            differences.Add(w - r);
        }

        var rawMedian = Median(rawMicros);
        var wrapMedian = Median(wrapMicros);
        var overhead = Median(differences);
        var allowed = Math.Max(0.10 * rawMedian, 20);
        Console.WriteLine($"  single-request latency ({blocks} paired blocks of {callsPerBlock} calls)");
        Console.WriteLine($"    raw C API {rawMedian,9:0.00} us (best block {rawMicros.Min(),8:0.00}) | wrapper {wrapMedian,9:0.00} us (best block {wrapMicros.Min(),8:0.00}) | overhead {overhead,7:0.00} us ({100 * overhead / rawMedian:0.0}%), target < {allowed:0.0} us: {(overhead < allowed ? "met" : "NOT met")}");

        var sequential = new List<double>();
        var batched = new List<double>();
        for (var r = 0; r < Math.Max(1, rounds / 2); r++)
        {
            sequential.Add(Sequential(session, tensor, seconds));
            batched.Add(await Batched(session, x, inputs, 64, seconds));
        }

        var seq = Median(sequential);
        var bat = Median(batched);
        Console.WriteLine($"  throughput: sequential single runs {seq,10:N0} req/s | dynamic batching, 64 concurrent callers {bat,10:N0} req/s | {bat / seq:0.0}x (target >= 3x: {(bat / seq >= 3 ? "met" : "NOT met")})");
        Console.WriteLine();
    }
}

if (args.Contains("--train"))
{
    var accuracy = Accuracy(digits, digitsX, digitsLabels, trainRows, digitsRows - trainRows);
    var logistic = MlpTrainer.TrainLogisticRegression(digitsX.AsSpan(0, trainRows * 64), trainRows, 64, digitsLabels.AsSpan(0, trainRows), 10, epochs: 40);
    Console.WriteLine($"== trainer on shipped data (held-out rows {trainRows}..{digitsRows - 1})");
    Console.WriteLine($"  digits MLP 64-32-10, 30 epochs, seed 7: accuracy {accuracy:P1}");
    Console.WriteLine($"  digits multinomial logistic regression, 40 epochs: accuracy {Accuracy(logistic, digitsX, digitsLabels, trainRows, digitsRows - trainRows):P1}");
}

return;

static double Arg(string name, double fallback)
{
    var args = Environment.GetCommandLineArgs();
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static string FindRoot()
{
    for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Intelligence.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("Run the benchmark from inside the repository (Intelligence.sln not found above the current folder).");
}

static DenseLayer Layer(Random rng, int inputs, int outputs)
{
    var w = new float[inputs * outputs];
    for (var i = 0; i < w.Length; i++)
    {
        w[i] = (float)(((rng.NextDouble() * 2) - 1) / Math.Sqrt(inputs));
    }

    return new DenseLayer(w, new float[outputs], inputs, outputs);
}

// Mean microseconds per call over a fixed number of calls.
static double Time(Action action, int calls)
{
    var start = Stopwatch.GetTimestamp();
    for (var i = 0; i < calls; i++)
    {
        action();
    }

    return (Stopwatch.GetTimestamp() - start) * 1e6 / Stopwatch.Frequency / calls;
}

// Mean microseconds per call over a timed loop.
static double Measure(Action action, double seconds)
{
    var budget = (long)(seconds * Stopwatch.Frequency);
    var calls = 0L;
    var start = Stopwatch.GetTimestamp();
    long elapsed;
    do
    {
        for (var i = 0; i < 16; i++)
        {
            action();
        }

        calls += 16;
        elapsed = Stopwatch.GetTimestamp() - start;
    }
    while (elapsed < budget);

    return elapsed * 1e6 / Stopwatch.Frequency / calls;
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
}

static double Sequential(InferenceSession session, TensorValue tensor, double seconds) => 1e6 / Measure(() => session.Run(tensor), seconds);

static async Task<double> Batched(InferenceSession session, float[] x, int inputs, int callers, double seconds)
{
    await using var batcher = new DynamicBatcher(session, new BatchingOptions { MaxBatchSize = callers, MaxWait = TimeSpan.FromMilliseconds(2) });
    var stop = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
    var completed = 0L;
    var start = Stopwatch.GetTimestamp();
    var workers = Enumerable.Range(0, callers).Select(async _ =>
    {
        var tensor = TensorValue.Create(x, 1, inputs);
        while (Stopwatch.GetTimestamp() < stop)
        {
            await batcher.RunAsync(tensor).ConfigureAwait(false);
            Interlocked.Increment(ref completed);
        }
    });
    await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(2));
    var elapsed = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
    return completed / elapsed;
}

static (float[] X, int[] Labels, int Rows) LoadDigits(string path)
{
    var table = NumericCsv.Read(path);
    return (table.FirstColumns(64), table.Column(64).Select(v => (int)v).ToArray(), table.Rows);
}

static double Accuracy(TrainedMlp model, float[] x, int[] labels, int start, int count)
{
    using var session = InferenceSession.FromBytes(model.ToOnnx());
    var p = session.Run(TensorValue.Create(x.AsMemory(start * 64, count * 64), count, 64)).As<float>().Span;
    var correct = 0;
    for (var r = 0; r < count; r++)
    {
        var row = p.Slice(r * 10, 10);
        var best = 0;
        for (var k = 1; k < 10; k++)
        {
            if (row[k] > row[best])
            {
                best = k;
            }
        }

        if (best == labels[start + r])
        {
            correct++;
        }
    }

    return (double)correct / count;
}
