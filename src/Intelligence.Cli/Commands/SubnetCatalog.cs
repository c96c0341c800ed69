using Intelligence.Subnets;
using Intelligence.Subnets.Diagnosis;
using Intelligence.Subnets.Digits;
using Intelligence.Subnets.Forecast;

namespace Intelligence.Cli.Commands;

/// <summary>The subnets this build knows by name. A new subnet is one line here.</summary>
internal static class SubnetCatalog
{
    private static readonly Dictionary<string, Func<ISubnet>> Factories = new(StringComparer.Ordinal)
    {
        ["digits"] = () => new DigitsSubnet(),
        ["diagnosis"] = () => new DiagnosisSubnet(),
        ["forecast"] = () => new ForecastSubnet(),
    };

    /// <summary>Known subnet names, sorted.</summary>
    public static IReadOnlyList<string> Names => [.. Factories.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Creates the named subnet, or returns null for an unknown name.</summary>
    public static ISubnet? Create(string name) => Factories.TryGetValue(name, out var make) ? make() : null;
}
