namespace Intelligence.Subnets;

/// <summary>
/// A task the network pays for. The validator builds query batches from its private data, sends the inputs to
/// miners, and scores their answers once the truth is known (at once, or later for forecasting).
/// </summary>
public interface ISubnet
{
    /// <summary>Short lower-case name, e.g. <c>digits</c>.</summary>
    string Name { get; }

    /// <summary>Tensors miners receive and must return.</summary>
    TaskSchema Schema { get; }

    /// <summary>Builds the next query batch from the validator's private split.</summary>
    SubnetQuery CreateQueryBatch(Random rng);

    /// <summary>True when the ground truth for <paramref name="query"/> is known and it can be scored.</summary>
    bool IsRevealed(SubnetQuery query);

    /// <summary>Scores every response (same order) in [0,1], applying the shared anti-gaming rules first.</summary>
    /// <exception cref="TruthNotRevealedException">The truth for the query is not known yet.</exception>
    IReadOnlyList<MinerScore> Score(SubnetQuery query, IReadOnlyList<MinerResponse> responses);
}

/// <summary>A subnet that can train its reference model on its public split and export it as ONNX.</summary>
public interface IReferenceModelTrainer
{
    /// <summary>Trains the reference model (deterministic for a seed) and returns the ONNX model bytes.</summary>
    byte[] TrainReferenceModel(int seed);
}
