namespace Intelligence.Protocol;

/// <summary>Version of the miner wire protocol (reported by Health and checked against serveAxon's field).</summary>
public static class ProtocolVersion
{
    /// <summary>The version this library speaks.</summary>
    public const uint Current = 1;
}
