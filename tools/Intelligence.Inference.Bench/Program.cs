// Inference benchmark. One run prints every figure next to its peer: a raw minimal caller of Microsoft.ML.OnnxRuntime
// vs our wrapper (InferenceSession.Run), and dynamic batching (64 concurrent callers) vs sequential single runs.
// (The old-vs-new binding and old-vs-new batcher tables in docs/inference.md came from this program before the old
// code was deleted.) Throughputs come with process CPU per request and rows per native run.
// Usage: dotnet run -c Release --project tools/Intelligence.Inference.Bench [-- --seconds 1.5 --rounds 5 --train]
//        [--gpu-check [--cpu-only]]  CPU vs CUDA side by side (tools/gpu-check.sh); exit 2 when CUDA cannot be used
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
if (args.Contains("--gpu-check"))
{
    return await GpuCheck.RunAsync(root, seconds, args.Contains("--cpu-only"));
}

Console.WriteLine($"Microsoft.ML.OnnxRuntime.Managed, native ONNX Runtime {OnnxRuntime.Version}; providers compiled in: {string.Join(", ", OnnxRuntime.AvailableProviders)}");
Console.WriteLine($"{Environment.ProcessorCount} logical CPUs, load average {LoadAverage()}; .NET {Environment.Version}; {rounds} rounds x {seconds:0.0} s per figure; CPU execution provider.");
Console.WriteLine();

var (digitsX, digitsLabels, digitsRows) = LoadDigits(Path.Combine(root, "tests", "fixtures", "datasets", "digits.csv.gz"));
const int trainRows = 1300;
var digits = MlpTrainer.TrainClassifier(digitsX.AsSpan(0, trainRows * 64), trainRows, 64, digitsLabels.AsSpan(0, trainRows), 10,
    new MlpTrainerOptions { HiddenLayers = [32], Epochs = 30, Seed = 7 });
var rng = new Random(1);
DenseLayer[] big = [GpuCheck.Layer(rng, 784, 1024), GpuCheck.Layer(rng, 1024, 256), GpuCheck.Layer(rng, 256, 10)];

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
        Action[] variants = [() => raw.Run(), () => session.Run(tensor)];
        string[] names = ["raw managed API", "wrapper"];

        // Paired, interleaved blocks: each block times every variant back to back (order rotating), so load from other
        // processes hits all alike; medians of each side are the latencies, medians of paired differences the overheads.
        foreach (var v in variants)
        {
            Measure(v, 0.2);
        }

        var perCall = Measure(variants[0], 0.2);
        var callsPerBlock = Math.Max(1, (int)(1000 / perCall)); // about 1 ms per variant
        var blocks = Math.Max(20, (int)(rounds * seconds * 1000 / variants.Length / Math.Max(1, callsPerBlock * perCall / 1000)));
        var micros = variants.Select(_ => new List<double>(blocks)).ToArray();
        for (var b = 0; b < blocks; b++)
        {
            for (var k = 0; k < variants.Length; k++)
            {
                var v = (k + b) % variants.Length;
                micros[v].Add(Time(variants[v], callsPerBlock));
            }
        }

        var medians = micros.Select(Median).ToArray();
        double PairedMedian(int a, int c) => Median(micros[a].Zip(micros[c], (p, q) => p - q).ToList());
        Console.WriteLine($"  single-request latency, median of {blocks} paired blocks of {callsPerBlock} calls");
        for (var k = 0; k < variants.Length; k++)
        {
            Console.WriteLine($"    {names[k],-20} {medians[k],9:0.00} us (best block {micros[k].Min(),8:0.00})");
        }

        var overhead = PairedMedian(1, 0);
        Console.WriteLine($"    wrapper overhead {overhead,6:0.00} us ({100 * overhead / medians[0]:0.0}% of raw), target <= 10%: {(overhead <= 0.10 * medians[0] ? "met" : "NOT met")}");

        // Sequential and batched alternate round by round; each figure also has its process CPU per request, since
        // requests per second on a shared machine mostly measure how much CPU the process was given.
        var sequential = new List<Throughput>();
        var batched = new List<Throughput>();
        for (var r = 0; r < Math.Max(1, rounds / 2); r++)
        {
            sequential.Add(Sequential(session, tensor, seconds));
            batched.Add(await Batched(session, x, inputs, 64, seconds));
        }

        var ratio = Median(batched.Zip(sequential, (b, q) => b.PerSecond / q.PerSecond).ToList());
        Console.WriteLine($"  sequential single runs  {Throughput.Median(sequential)}");
        Console.WriteLine($"  batching, 64 callers    {Throughput.Median(batched)} | {ratio:0.0}x sequential (target >= 3x: {(ratio >= 3 ? "met" : "NOT met")})");

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

return 0;

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

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

static Throughput Sequential(InferenceSession session, TensorValue tensor, double seconds)
{
    var cpu = Environment.CpuUsage.TotalTime;
    var micros = Measure(() => session.Run(tensor), seconds);
    var calls = seconds * 1e6 / micros;
    return new Throughput(1e6 / micros, (Environment.CpuUsage.TotalTime - cpu).TotalMicroseconds / calls, 1);
}

// 64 concurrent callers, each awaiting one single-row request at a time, for `seconds`.
static async Task<Throughput> Batched(InferenceSession session, float[] x, int inputs, int callers, double seconds)
{
    await using var batcher = new DynamicBatcher(session, new BatchingOptions { MaxBatchSize = callers, MaxWait = TimeSpan.FromMilliseconds(2) });
    var completed = 0L;
    var cpu = Environment.CpuUsage.TotalTime;
    var start = Stopwatch.GetTimestamp();
    using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds)); // a flag read per request, not a clock
    var workers = Enumerable.Range(0, callers).Select(async _ =>
    {
        var tensor = TensorValue.Create(x, 1, inputs);
        var done = 0L;
        while (!stop.IsCancellationRequested)
        {
            await batcher.RunAsync(tensor).ConfigureAwait(false);
            done++;
        }

        Interlocked.Add(ref completed, done);
    });
    await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(2));
    var elapsed = (Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency;
    var used = (Environment.CpuUsage.TotalTime - cpu).TotalMicroseconds;
    var stats = batcher.Statistics;
    return new Throughput(completed / elapsed, used / completed, stats.Batches == 0 ? 0 : (double)stats.Requests / stats.Batches);
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

/// <summary>
/// Requests per second, process CPU microseconds per request, and mean requests per native run. Their product is the
/// cores the process kept busy: below the machine's count on a quiet machine, the side was waiting, not computing.
/// </summary>
internal readonly record struct Throughput(double PerSecond, double CpuMicros, double RowsPerRun)
{
    public static Throughput Median(List<Throughput> runs) => runs.OrderBy(r => r.PerSecond).ElementAt(runs.Count / 2);

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{PerSecond,10:N0} req/s, {CpuMicros,6:0.00} us CPU/req ({PerSecond * CpuMicros / 1e6:0.00} cores), {RowsPerRun,5:0.0} rows/run");
}
