namespace Intelligence.Subnets;

/// <summary>
/// Scoring pipeline shared by all subnets: the anti-gaming rules in a fixed order (late, missing, malformed,
/// non-finite, invalid values, constant, duplicate), then the task metric, where no skill over the trivial
/// baseline (random or uninformed answers) also scores 0.
/// </summary>
public abstract class SubnetBase<TQuery> : ISubnet where TQuery : SubnetQuery
{
    /// <summary>Creates the subnet with the given anti-gaming tolerances (defaults when null).</summary>
    protected SubnetBase(AntiGamingOptions? antiGaming)
    {
        AntiGamingOptions = antiGaming ?? AntiGamingOptions.Default;
    }

    /// <summary>Tolerances of the shared rules.</summary>
    public AntiGamingOptions AntiGamingOptions { get; }

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public abstract TaskSchema Schema { get; }

    /// <inheritdoc />
    public abstract SubnetQuery CreateQueryBatch(Random rng);

    /// <inheritdoc />
    public bool IsRevealed(SubnetQuery query) => IsRevealed(Cast(query));

    /// <summary>True when the truth of the query is known; immediate unless overridden.</summary>
    protected virtual bool IsRevealed(TQuery query) => true;

    /// <inheritdoc />
    public IReadOnlyList<MinerScore> Score(SubnetQuery query, IReadOnlyList<MinerResponse> responses)
    {
        var q = Cast(query);
        ArgumentNullException.ThrowIfNull(responses);
        if (!IsRevealed(q))
        {
            throw new TruthNotRevealedException($"{Name}: the truth for query {q.Id} is not revealed yet");
        }
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in responses)
        {
            if (!seen.Add(r.Hotkey))
            {
                throw new ArgumentException($"hotkey {r.Hotkey} answered twice in one round", nameof(responses));
            }
        }

        var scores = new MinerScore?[responses.Count];
        var survivors = new SubnetTensor[]?[responses.Count];
        for (var i = 0; i < responses.Count; i++)
        {
            var response = responses[i];
            var reason = AntiGaming.Screen(Schema, q, response, out var outputs);
            if (reason is null && !ValuesAreValid(q, outputs))
            {
                reason = ScoreReason.InvalidValues;
            }
            if (reason is null && IsConstantAnswer(q, response.Hotkey, outputs))
            {
                reason = ScoreReason.Constant;
            }
            if (reason is { } r)
            {
                scores[i] = MinerScore.Zero(response.Hotkey, r);
            }
            else
            {
                survivors[i] = outputs;
            }
        }

        var copies = AntiGaming.FindDuplicates(survivors, AntiGamingOptions.DuplicateTolerance);
        for (var i = 0; i < responses.Count; i++)
        {
            if (survivors[i] is not { } outputs)
            {
                continue;
            }
            if (copies[i])
            {
                scores[i] = MinerScore.Zero(responses[i].Hotkey, ScoreReason.Duplicate);
                continue;
            }
            var eval = Evaluate(q, outputs);
            var s = double.IsFinite(eval.Score) ? Math.Clamp(eval.Score, 0.0, 1.0) : 0.0;
            scores[i] = s > 0
                ? new MinerScore(responses[i].Hotkey, s, ScoreReason.Scored, eval.Metrics)
                : new MinerScore(responses[i].Hotkey, 0.0, ScoreReason.NoSkill, eval.Metrics);
        }
        return scores!;
    }

    /// <summary>Task metric of one screened answer (outputs in schema order); score 0 or less means no skill.</summary>
    protected abstract Evaluation Evaluate(TQuery query, IReadOnlyList<SubnetTensor> outputs);

    /// <summary>Task-specific value domain check (e.g. probabilities); every answer passes unless overridden.</summary>
    protected virtual bool ValuesAreValid(TQuery query, IReadOnlyList<SubnetTensor> outputs) => true;

    /// <summary>The constant rule; by default the same answer for every row of a batch whose inputs differ.</summary>
    protected virtual bool IsConstantAnswer(TQuery query, string hotkey, IReadOnlyList<SubnetTensor> outputs)
        => AntiGaming.IsConstantAcrossRows(query.Inputs, outputs, AntiGamingOptions.ConstantTolerance);

    private TQuery Cast(SubnetQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return query as TQuery ?? throw new ArgumentException($"{Name} cannot score a {query.GetType().Name} (built by '{query.Subnet}')", nameof(query));
    }
}
