namespace Intelligence.Cli.Cli;

/// <summary>What the <c>intelligence</c> command's exit status means (same for every command).</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>A usage or input error: bad flag, unknown netuid, bad address, wrong password, missing file. Nothing was sent.</summary>
    public const int UserError = 1;

    /// <summary>The chain refused or failed: unreachable node, reverted transaction (decoded error), receipt timeout.</summary>
    public const int ChainFailure = 2;

    /// <summary>The chain credited something other than the C# Yuma engine computes.</summary>
    public const int ParityFailure = 3;
}

/// <summary>An error in what the person asked for (exit 1): the message is shown as is.</summary>
internal sealed class UserErrorException(string message) : Exception(message);

/// <summary>The chain or a transaction failed in a way the CLI explains itself (exit 2).</summary>
internal sealed class ChainFailureException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The network did not do what it should (exit 3 for parity, else 2); carries the summary already printed.</summary>
internal sealed class NetworkCheckException(string message, int exitCode) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>The dry run (gas estimate) of a transaction reverted: the contract would refuse it, so nothing was sent (exit 1).</summary>
internal sealed class WouldRevertException(Intelligence.Chain.ContractRevertException revert)
    : Exception($"the contract would refuse this ({revert.Message}); nothing was sent")
{
    public Intelligence.Chain.ContractRevertException Revert { get; } = revert;
}
