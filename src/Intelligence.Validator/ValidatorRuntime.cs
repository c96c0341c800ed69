namespace Intelligence.Validator;

/// <summary>
/// Process-wide runtime settings of the validator program, applied first thing in its Main (and by the network
/// bench's querier, so the bench measures the program's settings).
/// <para>
/// <b>Shared array pool size.</b> A validator round holds one HTTP/2 connection per miner, and SocketsHttpHandler
/// rents each connection's read buffer (32 KiB) and each response's body buffer (16 KiB) from
/// <c>ArrayPool&lt;byte&gt;.Shared</c> while a call is in flight and gives them back between rounds. The shared pool
/// keeps only a few dozen arrays of a size per core, so with hundreds of miners most rents found it empty and
/// allocated, and most returns were dropped: a quarter of the bytes the querier allocated, and the GC work that goes
/// with them (measured in docs/binaries.md, "Benchmarks"). The pool reads its limit once, from the environment, on
/// first use; this raises it to <see cref="ArraysPerPartition"/> per core unless the operator has set
/// <see cref="ArraysPerPartitionVariable"/>. Only arrays that were in use at the same time are kept.
/// </para>
/// </summary>
public static class ValidatorRuntime
{
    /// <summary>The runtime's environment variable for the shared array pool's arrays per size and core.</summary>
    public const string ArraysPerPartitionVariable = "DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION";

    /// <summary>Arrays of one size the shared pool may keep per core: enough for a 256-miner round on two cores.</summary>
    public const int ArraysPerPartition = 256;

    /// <summary>Applies the settings; call before anything rents from the shared array pool. An operator's value wins.</summary>
    public static void Apply()
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(ArraysPerPartitionVariable)))
        {
            Environment.SetEnvironmentVariable(ArraysPerPartitionVariable, ArraysPerPartition.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
