namespace Intelligence.Consensus.Cases;

/// <summary>A case file that does not follow docs/consensus.md; <see cref="Path"/> names the offending JSON path.</summary>
public sealed class CaseFormatException : Exception
{
    /// <summary>Creates the error for <paramref name="path"/> (e.g. <c>$.weights['3']['7']</c>).</summary>
    public CaseFormatException(string path, string message)
        : base($"{path}: {message}")
    {
        Path = path;
        Detail = message;
    }

    /// <summary>JSON path of the offending value, rooted at <c>$</c>.</summary>
    public string Path { get; }

    /// <summary>What is wrong, without the path.</summary>
    public string Detail { get; }
}
