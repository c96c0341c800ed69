using Intelligence.Inference.Onnx;
using Intelligence.Inference.Training;

namespace Intelligence.Subnets.Forecast;

/// <summary>Settings of the forecast subnet.</summary>
public sealed record ForecastOptions
{
    /// <summary>Weeks of history sent with each query.</summary>
    public int HistoryLength { get; init; } = 104;

    /// <summary>Weeks ahead to forecast (k).</summary>
    public int Horizon { get; init; } = 4;

    /// <summary>Season length in weeks for the seasonal-naive baseline and the MASE scale.</summary>
    public int Season { get; init; } = 52;

    /// <summary>Weeks before this date (yyyymmdd) are the public split miners train on; the validator replays the rest.</summary>
    public int ReplayFrom { get; init; } = 19900101;

    /// <summary>The validator's own seed: picks where in the replay period its clock starts.</summary>
    public int ValidatorSeed { get; init; } = 1;

    /// <summary>Answers slower than this score 0.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(12);
}

/// <summary>A forecast query at one origin week: the filled history goes to miners; the truth arrives later.</summary>
public sealed class ForecastQuery : SubnetQuery
{
    internal ForecastQuery(SubnetTensor history, int origin, int lap, double[] truth, double scale, TimeSpan timeout)
        : base("forecast", [history], timeout)
    {
        Origin = origin;
        Lap = lap;
        Truth = truth;
        Scale = scale;
    }

    /// <summary>Index of the last week in the history (t).</summary>
    public int Origin { get; }

    /// <summary>How many times the replay clock had wrapped when the query was issued.</summary>
    public int Lap { get; }

    /// <summary>Values of weeks t+1..t+k (NaN = missing); validator-side only, read only after reveal.</summary>
    public IReadOnlyList<double> Truth { get; }

    /// <summary>MASE denominator: in-sample seasonal-naive MAE of every known week up to t.</summary>
    public double Scale { get; }
}

/// <summary>
/// Subnet "forecast": the validator replays the weekly Mauna Loa CO2 series. Each query sends the history up to
/// week t (missing weeks filled) and asks for t+1..t+k; one query moves the clock one week, so a query's truth
/// is revealed k queries later, and the committed answers are scored then by MASE.
/// </summary>
public sealed class ForecastSubnet : SubnetBase<ForecastQuery>, IReferenceModelTrainer
{
    /// <summary>Name of the input tensor: float32 [1, HistoryLength], ppm, oldest first.</summary>
    public const string HistoryInput = "history";

    /// <summary>Name of the output tensor: float32 [1, Horizon], ppm for weeks t+1..t+k.</summary>
    public const string ForecastOutput = "forecast";

    private readonly Dictionary<string, (double[] History, double[] Answer)> _lastAnswers = new(StringComparer.OrdinalIgnoreCase);
    private readonly object _gate = new();

    /// <summary>Creates the subnet over the embedded CO2 series (or <paramref name="series"/>).</summary>
    public ForecastSubnet(ForecastOptions? options = null, WeeklySeries? series = null, AntiGamingOptions? antiGaming = null)
        : base(antiGaming)
    {
        Options = options ?? new ForecastOptions();
        Series = series ?? LoadDataset();
        if (Options.HistoryLength < Options.Season + Options.Horizon || Options.Horizon < 1)
        {
            throw new ArgumentException("history must cover a season plus the horizon, and the horizon must be at least 1", nameof(options));
        }
        ReplayStartIndex = Math.Max(Series.IndexOf(Options.ReplayFrom), Options.HistoryLength - 1);
        var lastOrigin = Series.Count - 1 - Options.Horizon;
        if (lastOrigin - ReplayStartIndex < 2)
        {
            throw new ArgumentException("the replay period is too short for the horizon", nameof(options));
        }
        ClockStart = ReplayStartIndex + new Random(Options.ValidatorSeed).Next((lastOrigin - ReplayStartIndex) / 2);
        Now = ClockStart - 1;
        Schema = new TaskSchema(
            [new TensorSpec(HistoryInput, TensorElementType.Float32, [TensorSpec.Batch, Options.HistoryLength])],
            [new TensorSpec(ForecastOutput, TensorElementType.Float32, [TensorSpec.Batch, Options.Horizon])]);
    }

    /// <summary>Settings.</summary>
    public ForecastOptions Options { get; }

    /// <summary>The whole series (public part plus the replay the validator holds).</summary>
    public WeeklySeries Series { get; }

    /// <summary>First week of the replay period; weeks before it are the public split.</summary>
    public int ReplayStartIndex { get; }

    /// <summary>Week where this validator's clock starts (and restarts after the end), chosen by its seed.</summary>
    public int ClockStart { get; }

    /// <summary>Index of the latest week whose value the replay has revealed (the origin of the latest query).</summary>
    public int Now { get; private set; }

    /// <summary>Times the replay clock has wrapped back to <see cref="ClockStart"/>.</summary>
    public int Lap { get; private set; }

    /// <inheritdoc />
    public override string Name => "forecast";

    /// <inheritdoc />
    public override TaskSchema Schema { get; }

    /// <summary>The Mauna Loa weekly series embedded in this assembly.</summary>
    public static WeeklySeries LoadDataset()
        => WeeklySeries.FromCsv(DatasetFiles.ReadEmbeddedLines(typeof(ForecastSubnet).Assembly, "co2_weekly.csv"));

    /// <summary>Moves the replay clock forward, revealing <paramref name="weeks"/> more weeks.</summary>
    public void Advance(int weeks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(weeks);
        lock (_gate)
        {
            Now += weeks;
        }
    }

    /// <summary>
    /// One round is one week: reveals the next week, then issues a query whose history ends there. Origins with no
    /// known truth at all are skipped, and the clock wraps to <see cref="ClockStart"/> at the end of the series.
    /// </summary>
    public override SubnetQuery CreateQueryBatch(Random rng)
    {
        lock (_gate)
        {
            Now++;
            for (var guard = 0; ; guard++)
            {
                if (Now + Options.Horizon > Series.Count - 1)
                {
                    Lap++;
                    Now = ClockStart;
                }
                if (TruthAt(Now).Any(v => !double.IsNaN(v)) || guard > Series.Count)
                {
                    break;
                }
                Now++;
            }
            return QueryAt(Now, Lap);
        }
    }

    /// <summary>A query at origin week <paramref name="origin"/> (for evaluation; does not move the clock).</summary>
    public ForecastQuery QueryAt(int origin, int lap = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(origin, Options.HistoryLength - 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(origin, Series.Count - 1 - Options.Horizon);
        var history = Series.FilledWindow(origin, Options.HistoryLength);
        var tensor = SubnetTensor.FromFloats(HistoryInput, [1, Options.HistoryLength], [.. history.Select(v => (float)v)]);
        var known = Series.Values.Take(origin + 1).ToArray();
        var scale = Metrics.SeasonalNaiveScale(known, Options.Season);
        return new ForecastQuery(tensor, origin, lap, TruthAt(origin), scale, Options.Timeout);
    }

    /// <summary>The seasonal-naive forecast from a history window: week t+h is predicted by week t+h-Season.</summary>
    public static double[] SeasonalNaive(IReadOnlyList<double> history, int horizon, int season)
    {
        ArgumentNullException.ThrowIfNull(history);
        return [.. Enumerable.Range(1, horizon).Select(h => history[history.Count - 1 + h - season])];
    }

    /// <summary>
    /// Reference model: a linear autoregression from the filled history window to the k next weeks. It is fitted by
    /// ridge least squares in level-free form (targets and lags minus the last value, since CO2 trends) on every
    /// public-split origin whose targets are all known, then folded back into one linear map on the raw window.
    /// The fit is exact, so the seed is not used.
    /// </summary>
    public byte[] TrainReferenceModel(int seed)
    {
        int lags = Options.HistoryLength, horizon = Options.Horizon;
        var (x, y, rows) = PublicWindows();
        for (var r = 0; r < rows; r++)
        {
            var last = x[(r * lags) + lags - 1];
            for (var j = 0; j < lags; j++)
            {
                x[(r * lags) + j] -= last;
            }
            for (var h = 0; h < horizon; h++)
            {
                y[(r * horizon) + h] -= last;
            }
        }
        var fit = LinearLeastSquares.Fit(x, rows, lags, y, horizon, ridge: 1.0);
        // y[t+h] = last + b_h + sum_j w_jh (x_j - last): the last lag's weight absorbs 1 - sum_j w_jh.
        var weights = (float[])fit.Weights.Clone();
        for (var h = 0; h < horizon; h++)
        {
            var sum = 0f;
            for (var j = 0; j < lags; j++)
            {
                sum += fit.Weights[(j * horizon) + h];
            }
            weights[((lags - 1) * horizon) + h] += 1f - sum;
        }
        return OnnxGraphs.LinearAutoregressive(weights, fit.Bias, lags, horizon);
    }

    /// <summary>The seasonal-naive baseline as an ONNX linear model (a one-hot lag per horizon step).</summary>
    public byte[] SeasonalNaiveModel()
    {
        var weights = new float[Options.HistoryLength * Options.Horizon];
        for (var h = 1; h <= Options.Horizon; h++)
        {
            weights[((Options.HistoryLength - 1 + h - Options.Season) * Options.Horizon) + (h - 1)] = 1f;
        }
        return OnnxGraphs.LinearAutoregressive(weights, new float[Options.Horizon], Options.HistoryLength, Options.Horizon);
    }

    /// <summary>Training pairs from the public split: filled history windows and the k following weeks (rows with a missing target are left out).</summary>
    public (float[] X, float[] Y, int Rows) PublicWindows()
    {
        var x = new List<float>();
        var y = new List<float>();
        var rows = 0;
        for (var t = Options.HistoryLength - 1; t + Options.Horizon < ReplayStartIndex; t++)
        {
            var target = TruthAt(t);
            if (target.Any(double.IsNaN))
            {
                continue;
            }
            x.AddRange(Series.FilledWindow(t, Options.HistoryLength).Select(v => (float)v));
            y.AddRange(target.Select(v => (float)v));
            rows++;
        }
        return ([.. x], [.. y], rows);
    }

    /// <inheritdoc />
    protected override bool IsRevealed(ForecastQuery query)
    {
        lock (_gate)
        {
            return query.Lap < Lap || Now >= query.Origin + Options.Horizon;
        }
    }

    /// <summary>
    /// Constant rule across rounds (a query has one row): the same forecast this hotkey gave for a different
    /// history is a constant answer. The last scored answer per hotkey is remembered for this.
    /// </summary>
    protected override bool IsConstantAnswer(ForecastQuery query, string hotkey, IReadOnlyList<SubnetTensor> outputs)
    {
        var history = AntiGaming.AsDoubles(query.Inputs[0]);
        var answer = AntiGaming.AsDoubles(outputs[0]);
        lock (_gate)
        {
            var constant = _lastAnswers.TryGetValue(hotkey, out var last)
                && !last.History.AsSpan().SequenceEqual(history)
                && answer.Zip(last.Answer).All(p => Math.Abs(p.First - p.Second) <= AntiGamingOptions.ConstantTolerance);
            _lastAnswers[hotkey] = (history, answer);
            return constant;
        }
    }

    /// <summary>Score = clamp(1 - MASE, 0, 1): MASE 1 is the in-sample seasonal-naive error, so no better scores 0.</summary>
    protected override Evaluation Evaluate(ForecastQuery query, IReadOnlyList<SubnetTensor> outputs)
    {
        var forecast = AntiGaming.AsDoubles(outputs[0]);
        var truth = query.Truth.ToArray();
        var mase = Metrics.Mase(forecast, truth, query.Scale);
        var naive = SeasonalNaive(AntiGaming.AsDoubles(query.Inputs[0]), Options.Horizon, Options.Season);
        return new Evaluation(1 - mase, new Dictionary<string, double>
        {
            ["mase"] = mase,
            ["seasonal_naive_mase"] = Metrics.Mase(naive, truth, query.Scale),
        });
    }

    private double[] TruthAt(int origin) => [.. Enumerable.Range(origin + 1, Options.Horizon).Select(i => Series.Values[i])];
}
