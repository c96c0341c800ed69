using System.Security.Cryptography;
using System.Text;

namespace Intelligence.State;

/// <summary>A Lua script sent by SHA1 (EVALSHA); loaded on the server on first use or after NOSCRIPT.</summary>
public sealed class RedisScript
{
    /// <summary>Wraps <paramref name="text"/> and computes its SHA1 digest as Redis does.</summary>
    public RedisScript(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        Text = text;
        Sha1 = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>The Lua source.</summary>
    public string Text { get; }

    /// <summary>Lower-case hex SHA1 of the source, the name EVALSHA uses.</summary>
    public string Sha1 { get; }
}
