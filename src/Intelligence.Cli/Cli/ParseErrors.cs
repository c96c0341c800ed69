using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Intelligence.Node;

namespace Intelligence.Cli.Cli;

/// <summary>
/// Command-line mistakes (a word where a number goes, a missing argument, an unknown flag) reported like every other
/// user error: one <c>error:</c> line each on stderr, a pointer to the command's help, the JSON error object on stdout
/// with <c>--json</c>, exit 1. The parser's own messages name .NET types ("System.Int32"); people read words.
/// </summary>
internal static partial class ParseErrors
{
    /// <summary>Reports the parse errors of <paramref name="parse"/> and returns the exit code.</summary>
    public static int Report(ParseResult parse, TextWriter output, TextWriter error)
    {
        var messages = parse.Errors.Select(e => Readable(e.Message)).Distinct().ToList();
        foreach (var message in messages)
        {
            error.WriteLine("error: " + message);
        }
        var names = new List<string>();
        for (var r = parse.CommandResult; r is not null && r.Command is not RootCommand; r = r.Parent as CommandResult)
        {
            names.Insert(0, r.Command.Name);
        }
        error.WriteLine($"usage: intelligence {string.Join(' ', names.Append("--help"))}");
        if (parse.GetValue(GlobalOptions.Json))
        {
            var obj = new JsonObject
            {
                ["error"] = new JsonObject { ["kind"] = "usage", ["message"] = string.Join("; ", messages), ["exit_code"] = ExitCodes.UserError },
            };
            output.WriteLine(obj.ToJsonString(CommandContext.JsonOut));
        }
        return ExitCodes.UserError;
    }

    /// <summary>The parser's message with type names said in words.</summary>
    public static string Readable(string message)
    {
        var m = CannotParse().Match(message);
        if (!m.Success)
        {
            return message;
        }
        var what = ValueKinds.Describe(m.Groups["type"].Value);
        var where = m.Groups["kind"].Value == "option" ? m.Groups["name"].Value + ": " : "";
        return $"{where}'{m.Groups["value"].Value}' is not {what}";
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (?<kind>command|option|argument) '(?<name>[^']*)' as expected type '(?<type>[^']+)'\.?$", RegexOptions.Singleline)]
    private static partial Regex CannotParse();
}
