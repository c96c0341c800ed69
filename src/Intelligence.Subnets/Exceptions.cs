namespace Intelligence.Subnets;

/// <summary>Base type of the errors this library raises on bad input.</summary>
public class SubnetException : Exception
{
    /// <summary>Creates the error with its message.</summary>
    public SubnetException(string message) : base(message) { }

    /// <summary>Creates the error with its message and cause.</summary>
    public SubnetException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>A tensor whose type, shape and byte length do not agree, or that does not match the task schema.</summary>
public sealed class MalformedTensorException : SubnetException
{
    /// <summary>Creates the error with its message.</summary>
    public MalformedTensorException(string message) : base(message) { }
}

/// <summary>Scoring was asked for a query whose ground truth has not been revealed yet (forecasting).</summary>
public sealed class TruthNotRevealedException : SubnetException
{
    /// <summary>Creates the error with its message.</summary>
    public TruthNotRevealedException(string message) : base(message) { }
}

/// <summary>A dataset file that cannot be parsed.</summary>
public sealed class DatasetFormatException : SubnetException
{
    /// <summary>Creates the error with its message.</summary>
    public DatasetFormatException(string message) : base(message) { }
}
