using Spectre.Console;

namespace Intelligence.Cli.Commands;

/// <summary>A Spectre console writing plain text (no ANSI, no colours, 160 columns) to a command's output.</summary>
internal static class PlainConsole
{
    public static IAnsiConsole Create(TextWriter output)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 160;
        return console;
    }

    /// <summary>A table with the simple border and right-aligned columns.</summary>
    public static Table Table(IEnumerable<string> headers)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var header in headers)
        {
            table.AddColumn(new TableColumn(header).RightAligned());
        }
        return table;
    }
}
