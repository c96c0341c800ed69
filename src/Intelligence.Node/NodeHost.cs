using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using Intelligence.Telemetry;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Intelligence.Node;

/// <summary>A start-up problem the operator must fix (not a bug): printed as one line, exit code 1, no stack trace.</summary>
public sealed class NodeStartupException(string message, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>Extra lines printed after the message (e.g. the command to run).</summary>
    public IReadOnlyList<string> Hints { get; init; } = [];
}

/// <summary>One option shown by <c>--help</c>.</summary>
public sealed record HelpEntry(string Key, string Default, string Description);

/// <summary>
/// Builds the generic host a node program runs in: configuration from <c>appsettings.json</c>, an optional
/// <c>--config FILE</c>, environment variables <c>INTELLIGENCE__Section__Key</c> and flags <c>--Section:Key value</c>
/// (later wins); console logs on stderr (stdout carries only what tools read, such as the ready line); telemetry;
/// the health endpoint. <see cref="RunAsync"/> turns configuration and start-up errors into one line each and exit 1.
/// </summary>
public static class NodeHost
{
    /// <summary>Exit code for bad configuration or a start-up problem.</summary>
    public const int ExitConfiguration = 1;

    /// <summary>Tells the Subnet:Name check which names exist (the program's catalog).</summary>
    public static void UseSubnetNames(IReadOnlyList<string> names) => SubnetOptions.KnownNames = names;

    /// <summary>Prints the help and returns true when the arguments ask for it.</summary>
    public static bool TryPrintHelp(string[] args, string program, string summary, IEnumerable<(string Section, object Options)> sections, TextWriter output, IEnumerable<HelpEntry>? flags = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        if (!args.Any(a => a is "--help" or "-h" or "-?"))
        {
            return false;
        }
        output.WriteLine($"{program}: {summary}");
        output.WriteLine();
        output.WriteLine($"usage: {program} [--config FILE] [--Section:Key value ...]");
        output.WriteLine("Every key can also be set in appsettings.json or as an environment variable INTELLIGENCE__Section__Key.");
        output.WriteLine();
        var entries = new List<HelpEntry> { new("--config", "(none)", "extra JSON configuration file, read after appsettings.json") };
        entries.AddRange(flags ?? []);
        foreach (var (section, options) in sections)
        {
            entries.AddRange(Describe(section, options));
        }
        var width = entries.Max(e => e.Key.Length) + 2;
        var defaultWidth = Math.Min(28, entries.Max(e => e.Default.Length) + 2);
        foreach (var e in entries)
        {
            output.WriteLine($"  {e.Key.PadRight(width)}{e.Default.PadRight(defaultWidth)}{e.Description}");
        }
        return true;
    }

    /// <summary>The help entries of an options object: every public settable property, its current value as default.</summary>
    public static IEnumerable<HelpEntry> Describe(string section, object options)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var p in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var value = p.GetValue(options);
            var text = value switch
            {
                null => "(none)",
                string s when s.Length == 0 => "(empty)",
                bool b => b ? "true" : "false",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString() ?? "",
            };
            if (text == "-1" && p.PropertyType == typeof(int))
            {
                text = "(required)";
            }
            yield return new HelpEntry($"--{section}:{p.Name}", text, p.GetCustomAttribute<DescriptionAttribute>()?.Description ?? "");
        }
    }

    /// <summary>
    /// Creates the builder with the node's configuration sources. <paramref name="aliases"/> maps bare flags
    /// (e.g. <c>--register</c>) to a key set to true.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string[] args, string serviceName, IReadOnlyDictionary<string, string>? aliases = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        var expanded = Expand(args, aliases ?? new Dictionary<string, string>(), out var configFile);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { Args = expanded, ContentRootPath = Directory.GetCurrentDirectory() });
        builder.Configuration.AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true, reloadOnChange: false);
        if (configFile is not null)
        {
            if (!File.Exists(configFile))
            {
                throw new NodeStartupException($"--config: '{configFile}' does not exist");
            }
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false, reloadOnChange: false);
        }
        builder.Configuration.AddEnvironmentVariables("INTELLIGENCE__");
        builder.Configuration.AddCommandLine(expanded);

        builder.Logging.ClearProviders();
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // Start-up failures are printed by RunAsync, one line per problem (a bug still propagates with its trace).
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
            o.ColorBehavior = LoggerColorBehavior.Disabled;
        });
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);

        builder.WebHost.UseKestrelCore();
        builder.Services.AddRoutingCore();
        var health = Bind<HealthOptions>(builder, HealthOptions.Section);
        builder.WebHost.UseUrls(health.Urls);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = health.ShutdownTimeout);
        builder.AddIntelligenceTelemetry(serviceName);
        builder.Services.AddSingleton<NodeStatus>();
        return builder;
    }

    /// <summary>Binds a section now (for values needed while building) and registers it validated at start.</summary>
    public static T Bind<T>(WebApplicationBuilder builder, string section) where T : class, IChecked, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<T>().Bind(builder.Configuration.GetSection(section)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<T>, CheckedValidator<T>>();
        var value = new T();
        try
        {
            builder.Configuration.GetSection(section).Bind(value);
            Pending.AddRange(value.Problems());
        }
        catch (InvalidOperationException)
        {
            // Bind key by key so every bad key and every other problem of the section is reported, not just the first.
            value = new T();
            var unreadable = new List<string>();
            foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                var key = builder.Configuration.GetSection(section).GetSection(property.Name);
                try
                {
                    if (key.Get(property.PropertyType) is { } v)
                    {
                        property.SetValue(value, v);
                    }
                }
                catch (InvalidOperationException)
                {
                    var name = $"{section}:{property.Name}";
                    unreadable.Add(name + ":");
                    Pending.Add($"{name}: '{key.Value}' is not {ValueKinds.Describe(property.PropertyType)}");
                }
            }
            // A key that could not be read is reported once, as such, not again as missing.
            Pending.AddRange(value.Problems().Where(p => !unreadable.Any(u => p.StartsWith(u, StringComparison.Ordinal))));
        }
        return value;
    }

    private static readonly List<string> Pending = [];

    /// <summary>Adds problems that span sections (checked by the program after its <see cref="Bind{T}"/> calls) to those <see cref="ThrowIfInvalid"/> reports.</summary>
    public static void AddProblems(IEnumerable<string> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        Pending.AddRange(problems);
    }

    /// <summary>
    /// Throws one <see cref="NodeStartupException"/> listing every problem found by the <see cref="Bind{T}"/> calls so
    /// far (all sections at once, before anything starts).
    /// </summary>
    public static void ThrowIfInvalid()
    {
        if (Pending.Count > 0)
        {
            var problems = Pending.ToList();
            Pending.Clear();
            throw new NodeStartupException(problems[0]) { Hints = problems.Skip(1).ToList() };
        }
    }

    /// <summary>
    /// Runs the app until it stops. Bad configuration and <see cref="NodeStartupException"/> print one line per
    /// problem on stderr and return <see cref="ExitConfiguration"/>.
    /// </summary>
    public static async Task<int> RunAsync(WebApplication app, TextWriter? error = null)
    {
        ArgumentNullException.ThrowIfNull(app);
        error ??= Console.Error;
        try
        {
            await app.RunAsync().ConfigureAwait(false);
            return Environment.ExitCode;
        }
        catch (Exception e) when (Problems(e) is { Count: > 0 } problems)
        {
            foreach (var line in problems)
            {
                await error.WriteLineAsync("error: " + line).ConfigureAwait(false);
            }
            return ExitConfiguration;
        }
        finally
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The operator-facing lines of a start-up failure, or empty when it is a bug (then it propagates).</summary>
    public static IReadOnlyList<string> Problems(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var lines = new List<string>();
        void Collect(Exception x)
        {
            switch (x)
            {
                case AggregateException agg:
                    foreach (var inner in agg.InnerExceptions)
                    {
                        Collect(inner);
                    }
                    break;
                case OptionsValidationException v:
                    lines.AddRange(v.Failures);
                    break;
                case NodeStartupException s:
                    lines.Add(s.Message);
                    lines.AddRange(s.Hints);
                    break;
                case InvalidOperationException io when io.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal):
                    lines.Add(io.Message);
                    break;
                case IOException io when io.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase):
                    lines.Add(io.Message);
                    break;
                default:
                    break;
            }
        }
        Collect(e);
        return lines;
    }

    private static string[] Expand(string[] args, IReadOnlyDictionary<string, string> aliases, out string? configFile)
    {
        configFile = null;
        var result = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a == "--config" && i + 1 < args.Length)
            {
                configFile = args[++i];
            }
            else if (aliases.TryGetValue(a, out var key))
            {
                result.Add("--" + key);
                result.Add("true");
            }
            else
            {
                result.Add(a);
            }
        }
        return [.. result];
    }

    private sealed class CheckedValidator<T> : IValidateOptions<T> where T : class, IChecked
    {
        public ValidateOptionsResult Validate(string? name, T options)
        {
            var problems = options.Problems().ToList();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
