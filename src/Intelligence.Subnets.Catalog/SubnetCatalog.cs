using System.Reflection;

namespace Intelligence.Subnets.Catalog;

/// <summary>
/// The subnets this build knows by name, found rather than listed: every public, concrete <see cref="ISubnet"/>
/// with a constructor whose parameters are all optional, in the <c>Intelligence.Subnets.*</c> assemblies next to
/// the program (each referenced <c>subnets/*</c> project ships one) and in any assembly already loaded (a plugin).
/// A subnet's name is its type name without the <c>Subnet</c> suffix, lower-cased (<c>DigitsSubnet</c> is
/// <c>digits</c>), which <see cref="Create"/> checks against the instance's own <see cref="ISubnet.Name"/>.
/// </summary>
public static class SubnetCatalog
{
    private static readonly Lazy<IReadOnlyDictionary<string, Type>> Discovered = new(() => Discover(AppContext.BaseDirectory));

    /// <summary>Known subnet names, sorted.</summary>
    public static IReadOnlyList<string> Names => [.. Discovered.Value.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The subnet types by name (for tools that describe them).</summary>
    public static IReadOnlyDictionary<string, Type> Types => Discovered.Value;

    /// <summary>
    /// Creates the named subnet, or returns null for an unknown name. Each constructor parameter gets the first of
    /// <paramref name="settings"/> it accepts (e.g. a <see cref="ClassificationSplitOptions"/> with the validator's
    /// own seed), else its default.
    /// </summary>
    /// <exception cref="SubnetCatalogException">The subnet's constructor failed or it reports another name.</exception>
    public static ISubnet? Create(string name, params object[] settings)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(settings);
        if (!Discovered.Value.TryGetValue(name, out var type))
        {
            return null;
        }
        var ctor = OptionalConstructor(type)!;
        var args = ctor.GetParameters()
            .Select(p => settings.FirstOrDefault(s => s is not null && p.ParameterType.IsInstanceOfType(s)) ?? p.DefaultValue)
            .ToArray();
        ISubnet subnet;
        try
        {
            subnet = (ISubnet)ctor.Invoke(args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw new SubnetCatalogException($"subnet '{name}' ({type.FullName}) failed to start: {e.InnerException.Message}", e.InnerException);
        }
        if (!string.Equals(subnet.Name, name, StringComparison.Ordinal))
        {
            throw new SubnetCatalogException($"subnet type {type.FullName} is named '{subnet.Name}', not '{name}'");
        }
        return subnet;
    }

    /// <summary>Discovers the subnets in <paramref name="directory"/>'s <c>Intelligence.Subnets.*.dll</c> and in the loaded assemblies.</summary>
    public static IReadOnlyDictionary<string, Type> Discover(string directory)
    {
        var assemblies = new Dictionary<string, Assembly>(StringComparer.Ordinal);
        foreach (var loaded in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (!loaded.IsDynamic && loaded.GetName().Name is { } n)
            {
                assemblies.TryAdd(n, loaded);
            }
        }
        if (Directory.Exists(directory))
        {
            foreach (var file in Directory.EnumerateFiles(directory, "Intelligence.Subnets.*.dll"))
            {
                var name = Path.GetFileNameWithoutExtension(file);
                if (assemblies.ContainsKey(name) || name.EndsWith(".Tests", StringComparison.Ordinal))
                {
                    continue;
                }
                try
                {
                    assemblies[name] = Assembly.Load(new AssemblyName(name));
                }
                catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    // Not loadable in this program (not in its dependency graph): not one of its subnets.
                }
            }
        }
        var found = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var assembly in assemblies.Values)
        {
            if (!References(assembly, typeof(ISubnet).Assembly))
            {
                continue;
            }
            foreach (var type in ExportedTypes(assembly))
            {
                if (type.IsClass && !type.IsAbstract && typeof(ISubnet).IsAssignableFrom(type) && OptionalConstructor(type) is not null)
                {
                    found.TryAdd(NameOf(type), type);
                }
            }
        }
        return found;
    }

    /// <summary>The catalog name of a subnet type: type name without "Subnet", lower-cased.</summary>
    public static string NameOf(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var name = type.Name.EndsWith("Subnet", StringComparison.Ordinal) && type.Name.Length > "Subnet".Length
            ? type.Name[..^"Subnet".Length]
            : type.Name;
        return name.ToLowerInvariant();
    }

    private static bool References(Assembly assembly, Assembly contract) =>
        assembly == contract || assembly.GetReferencedAssemblies().Any(r => r.Name == contract.GetName().Name);

    private static Type[] ExportedTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetExportedTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return [.. e.Types.OfType<Type>()];
        }
    }

    private static ConstructorInfo? OptionalConstructor(Type type) =>
        type.GetConstructors().Where(c => c.GetParameters().All(p => p.IsOptional)).OrderBy(c => c.GetParameters().Length).FirstOrDefault();
}

/// <summary>A subnet found by the catalog could not be created.</summary>
public sealed class SubnetCatalogException(string message, Exception? inner = null) : Exception(message, inner);
