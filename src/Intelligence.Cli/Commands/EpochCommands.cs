using System.CommandLine;
using System.Globalization;
using Intelligence.Consensus;
using Intelligence.Consensus.Cases;
using Spectre.Console;

namespace Intelligence.Cli.Commands;

/// <summary><c>intelligence epoch ...</c>: run the Yuma epoch off-chain.</summary>
internal static class EpochCommands
{
    public static Command Create()
    {
        var epoch = new Command("epoch", "Yuma consensus epochs, computed off-chain exactly as the contract does");
        epoch.Subcommands.Add(Simulate());
        ChainCommands.AddEpochCommands(epoch);
        return epoch;
    }

    private static Command Simulate()
    {
        var input = new Option<FileInfo>("--input", "-i")
        {
            Description = "Case file (JSON, format in docs/consensus.md)",
            Required = true,
        };
        var format = new Option<string>("--format", "-f")
        {
            Description = "Output format",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "json");
        var command = new Command("simulate", "Run one epoch on a case file and print per-UID consensus, incentive, dividends and emission")
        {
            input,
            format,
        };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var file = parseResult.GetRequiredValue(input);
            EpochResult result;
            try
            {
                string json = File.ReadAllText(file.FullName);
                result = YumaEpoch.Run(CaseReader.Parse(json));
            }
            catch (CaseFormatException e)
            {
                error.WriteLine($"error: invalid case {file.Name}: {e.Message}");
                return 1;
            }
            catch (IOException e)
            {
                error.WriteLine($"error: cannot read {file.FullName}: {e.Message}");
                return 1;
            }
            catch (UnauthorizedAccessException e)
            {
                error.WriteLine($"error: cannot read {file.FullName}: {e.Message}");
                return 1;
            }
            if (parseResult.GetValue(format) == "json" || parseResult.GetValue(Cli.GlobalOptions.Json))
            {
                output.Write(CaseWriter.WriteResult(result));
            }
            else
            {
                WriteTable(result, output);
            }
            return 0;
        });
        return command;
    }

    private static void WriteTable(EpochResult result, TextWriter output)
    {
        var console = PlainConsole.Create(output);
        var table = PlainConsole.Table(["uid", "active", "permit", "stake", "consensus", "vtrust", "incentive", "dividends", "emission (INTL)"]);
        for (int u = 0; u < result.Emission.Length; u++)
        {
            table.AddRow(
                u.ToString(CultureInfo.InvariantCulture),
                result.Active[u] ? "yes" : "no",
                result.ValidatorPermit[u] ? "yes" : "no",
                Fraction(result.Stake[u]),
                Fraction(result.Consensus[u]),
                Fraction(result.ValidatorTrust[u]),
                Fraction(result.Incentive[u]),
                Fraction(result.Dividends[u]),
                Formatting.Units.Tokens((System.Numerics.BigInteger)result.Emission[u]));
        }
        console.Write(table);
        console.WriteLine($"owner emission: {Formatting.Units.Intl((System.Numerics.BigInteger)result.OwnerEmission)} ({CaseWriter.Amount(result.OwnerEmission)} base units); new bonds: {result.Bonds.Count} non-zero entries");
        console.WriteLine("exact values (base units, Q32 fractions): --format json");
    }

    /// <summary>A Q32 fraction for display, four decimals, truncated (the CLI's one rule; the exact value is in the JSON output).</summary>
    private static string Fraction(ulong q32) => Formatting.Units.Q32(q32);
}
