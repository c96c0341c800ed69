using System.Text.RegularExpressions;

namespace Intelligence.Subnets;

/// <summary>
/// Copies the subnet template folder into a new subnet: every "Template" in file names and contents becomes the
/// PascalCase name and every "template" the subnet name, so the copy builds and its tests pass as they are.
/// </summary>
public static partial class SubnetScaffold
{
    /// <summary>Name of the template folder under <c>subnets/</c>.</summary>
    public const string TemplateName = "template";

    /// <summary>True for a valid subnet name: lower-case letters and digits in dash-separated words, at most 32 characters.</summary>
    public static bool IsValidName(string name)
        => name is { Length: > 0 and <= 32 } && name != TemplateName && NamePattern().IsMatch(name);

    /// <summary>The PascalCase form used for namespaces and types, e.g. <c>air-quality</c> -> <c>AirQuality</c>.</summary>
    public static string PascalName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return string.Concat(name.Split('-').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
    }

    /// <summary>
    /// Copies <paramref name="templateDir"/> to <paramref name="destination"/> for subnet <paramref name="name"/>
    /// (bin/ and obj/ skipped). When the destination is outside the repository at <paramref name="repoRoot"/>,
    /// small Directory.Build.props / Directory.Packages.props files importing the repository's are added so the copy
    /// still builds. Returns the files written.
    /// </summary>
    /// <exception cref="ArgumentException">Invalid name, missing template, or a destination that already exists.</exception>
    public static IReadOnlyList<string> Create(string templateDir, string destination, string name, string repoRoot)
    {
        ArgumentNullException.ThrowIfNull(templateDir);
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(repoRoot);
        if (!IsValidName(name))
        {
            throw new ArgumentException($"'{name}' is not a valid subnet name (lower-case words of letters and digits joined by '-', at most 32 characters, not 'template')", nameof(name));
        }
        if (!Directory.Exists(templateDir))
        {
            throw new ArgumentException($"template folder {templateDir} not found", nameof(templateDir));
        }
        if (Directory.Exists(destination) || File.Exists(destination))
        {
            throw new ArgumentException($"{destination} already exists", nameof(destination));
        }

        var pascal = PascalName(name);
        var written = new List<string>();
        foreach (var source in Directory.EnumerateFiles(templateDir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var relative = Path.GetRelativePath(templateDir, source);
            var parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts.Any(p => p is "bin" or "obj"))
            {
                continue;
            }
            var target = Path.Combine(destination, Fill(relative, name, pascal));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, Fill(File.ReadAllText(source), name, pascal));
            written.Add(target);
        }

        if (!IsInside(Path.GetFullPath(destination), Path.GetFullPath(repoRoot)))
        {
            foreach (var props in new[] { "Directory.Build.props", "Directory.Packages.props" })
            {
                var target = Path.Combine(destination, props);
                File.WriteAllText(target, $"<Project>\n  <Import Project=\"{Path.Combine(Path.GetFullPath(repoRoot), props)}\" />\n</Project>\n");
                written.Add(target);
            }
        }
        return written;
    }

    private static string Fill(string text, string name, string pascal)
        => text.Replace("Template", pascal, StringComparison.Ordinal).Replace("template", name, StringComparison.Ordinal);

    private static bool IsInside(string path, string root)
    {
        var relative = Path.GetRelativePath(root, path);
        return relative != ".." && !relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal) && !Path.IsPathRooted(relative);
    }

    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    private static partial Regex NamePattern();
}
