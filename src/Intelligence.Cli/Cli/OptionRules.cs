using System.CommandLine;
using System.CommandLine.Parsing;

namespace Intelligence.Cli.Cli;

/// <summary>Range rules for numeric options, said in the option's own name ("--tempo must be in 2..1000, got 1").</summary>
internal static class OptionRules
{
    /// <summary>The option's value must lie in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public static Option<int> InRange(this Option<int> option, int min, int max)
    {
        option.Validators.Add(r => Check(r, () => r.GetValueOrDefault<int>(), min, max));
        return option;
    }

    /// <summary>When given, the option's value must lie in <paramref name="min"/>..<paramref name="max"/>.</summary>
    public static Option<int?> InRange(this Option<int?> option, int min, int max)
    {
        option.Validators.Add(r => Check(r, () => r.GetValueOrDefault<int?>(), min, max));
        return option;
    }

    private static void Check(OptionResult result, Func<int?> read, int min, int max)
    {
        int? value;
        try
        {
            value = read();
        }
        catch (InvalidOperationException)
        {
            // Not a number at all: the parser reports that itself ("'x' is not a whole number").
            return;
        }
        if (value is { } v && (v < min || v > max))
        {
            result.AddError($"{result.Option.Name} must be in {min}..{max}, got {v}");
        }
    }
}
