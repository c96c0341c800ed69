using System.Text.Json;

namespace Intelligence.Cli.Tests;

/// <summary>Command lines the parser refuses: a user error (exit 1) in words, never a .NET type name or a crash.</summary>
public class CommandLineErrorTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(new[] { "subnet", "hparams", "get", "abc" }, "error: 'abc' is not a whole number", "usage: intelligence subnet hparams get --help")]
    [InlineData(new[] { "devnet", "up", "--epochs", "x" }, "error: --epochs: 'x' is not a whole number", "usage: intelligence devnet up --help")]
    [InlineData(new[] { "devnet", "up", "--epochs", "0" }, "error: --epochs must be in 1..1000, got 0", "usage: intelligence devnet up --help")]
    [InlineData(new[] { "devnet", "up", "--tempo", "1" }, "error: --tempo must be in 2..1000, got 1", "usage: intelligence devnet up --help")]
    public async Task BadCommandLine_IsAUserError_InWords(string[] args, string message, string usage)
    {
        var (code, stdout, stderr) = await CliRunner.Run(Timeout, args);
        Assert.Equal(1, code);
        Assert.Equal("", stdout);
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal([message, usage], lines);
    }

    [Fact]
    public async Task BadCommandLine_WithJson_PrintsTheErrorObject()
    {
        var (code, stdout, stderr) = await CliRunner.Run(Timeout, "metagraph", "show", "nope", "--json");
        Assert.Equal(1, code);
        Assert.Contains("error: 'nope' is not a whole number", stderr, StringComparison.Ordinal);
        var error = JsonDocument.Parse(stdout).RootElement.GetProperty("error");
        Assert.Equal("usage", error.GetProperty("kind").GetString());
        Assert.Equal(1, error.GetProperty("exit_code").GetInt32());
        Assert.Equal("'nope' is not a whole number", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task CommandGroupWithoutSubcommand_ShowsItsHelp()
    {
        var (_, stdout, _) = await CliRunner.Run(Timeout, "wallet");
        Assert.Contains("new-hotkey", stdout, StringComparison.Ordinal);
    }
}
