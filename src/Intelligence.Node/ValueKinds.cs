namespace Intelligence.Node;

/// <summary>
/// What kind of value a setting or argument takes, in words for an error message ("a whole number"), from the .NET
/// type name that configuration binding and command-line parsing put in their own messages.
/// </summary>
public static class ValueKinds
{
    /// <summary>The kind of value of a type, by its full name (nullable types read as their underlying type).</summary>
    public static string Describe(string typeFullName)
    {
        ArgumentNullException.ThrowIfNull(typeFullName);
        var type = typeFullName;
        const string Nullable = "System.Nullable`1[";
        if (type.StartsWith(Nullable, StringComparison.Ordinal) && type.EndsWith(']'))
        {
            type = type[Nullable.Length..^1];
            var comma = type.IndexOf(',', StringComparison.Ordinal);
            type = (comma > 0 ? type[..comma] : type).TrimStart('[');
        }
        return type switch
        {
            "System.Byte" or "System.SByte" or "System.Int16" or "System.UInt16" or "System.Int32" or "System.UInt32"
                or "System.Int64" or "System.UInt64" or "System.Numerics.BigInteger" => "a whole number",
            "System.Single" or "System.Double" or "System.Decimal" => "a number",
            "System.Boolean" => "true or false",
            "System.TimeSpan" => "a duration (hh:mm:ss)",
            "System.Uri" => "a URL",
            "System.IO.FileInfo" or "System.IO.FileSystemInfo" => "a file path",
            "System.IO.DirectoryInfo" => "a folder path",
            _ => "a valid value",
        };
    }

    /// <summary>The kind of value of a type, in words.</summary>
    public static string Describe(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var t = System.Nullable.GetUnderlyingType(type) ?? type;
        return t.IsEnum
            ? "one of: " + string.Join(", ", Enum.GetNames(t).Select(n => n.ToLowerInvariant()))
            : Describe(t.FullName ?? t.Name);
    }
}
