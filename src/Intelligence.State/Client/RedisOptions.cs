using System.Globalization;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Intelligence.State;

/// <summary>Which RESP version to speak.</summary>
public enum RedisProtocol
{
    /// <summary>Send <c>HELLO 3</c>; fall back to RESP2 when the server does not know HELLO (Redis &lt; 6).</summary>
    Resp3,
    /// <summary>Stay on RESP2 (AUTH and SELECT as separate commands).</summary>
    Resp2,
}

/// <summary>Where and how to connect to one Redis endpoint.</summary>
public sealed class RedisOptions
{
    /// <summary>Host name or IP address.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>TCP port.</summary>
    public int Port { get; set; } = 6379;

    /// <summary>ACL user name (Redis 6+); null authenticates as the default user.</summary>
    public string? User { get; set; }

    /// <summary>Password for AUTH/HELLO; null when the server needs none. Never logged.</summary>
    public string? Password { get; set; }

    /// <summary>Logical database selected after connecting.</summary>
    public int Database { get; set; }

    /// <summary>RESP version preference.</summary>
    public RedisProtocol Protocol { get; set; } = RedisProtocol.Resp3;

    /// <summary>Name sent with CLIENT SETNAME / HELLO SETNAME, shown in CLIENT LIST.</summary>
    public string? ClientName { get; set; }

    /// <summary>Wrap the connection in TLS (SslStream).</summary>
    public bool UseTls { get; set; }

    /// <summary>Server name checked against the certificate; defaults to <see cref="Host"/>.</summary>
    public string? TlsHostName { get; set; }

    /// <summary>Custom certificate check (e.g. to trust a private CA); null uses the system's rules.</summary>
    public RemoteCertificateValidationCallback? CertificateValidation { get; set; }

    /// <summary>Client certificates for servers that require mutual TLS.</summary>
    public X509CertificateCollection? ClientCertificates { get; set; }

    /// <summary>Limit for opening the socket plus the handshake.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Default limit for one command, from enqueue to reply (includes waiting for a reconnect).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>First delay between reconnect attempts; doubles up to <see cref="ReconnectMaxDelay"/>.</summary>
    public TimeSpan ReconnectMinDelay { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Longest delay between reconnect attempts.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often command deadlines are checked; bounds timeout precision.</summary>
    public TimeSpan TimeoutCheckInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Parses <c>host:port[,password=..][,user=..][,db=N][,tls=true][,name=..][,timeout=ms][,resp=2|3]</c>.
    /// </summary>
    public static RedisOptions Parse(string configuration)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configuration);
        var options = new RedisOptions();
        var parts = configuration.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var part in parts)
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq < 0)
            {
                var colon = part.LastIndexOf(':');
                if (colon > 0 && int.TryParse(part.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                {
                    options.Host = part[..colon];
                    options.Port = port;
                }
                else
                {
                    options.Host = part;
                }

                continue;
            }

            var key = part[..eq].ToLowerInvariant();
            var value = part[(eq + 1)..];
            switch (key)
            {
                case "password": options.Password = value; break;
                case "user": options.User = value; break;
                case "db": options.Database = ParseInt(key, value); break;
                case "tls" or "ssl": options.UseTls = bool.Parse(value); break;
                case "name": options.ClientName = value; break;
                case "timeout": options.CommandTimeout = TimeSpan.FromMilliseconds(ParseInt(key, value)); break;
                case "connecttimeout": options.ConnectTimeout = TimeSpan.FromMilliseconds(ParseInt(key, value)); break;
                case "resp": options.Protocol = value == "2" ? RedisProtocol.Resp2 : RedisProtocol.Resp3; break;
                default: throw new FormatException($"unknown Redis option '{key}'");
            }
        }

        return options;
    }

    private static int ParseInt(string key, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new FormatException($"Redis option '{key}' needs a non-negative integer");

    /// <summary>A copy that can be changed without affecting this instance.</summary>
    public RedisOptions Clone() => (RedisOptions)MemberwiseClone();

    /// <summary>Endpoint only: the password is never part of the text.</summary>
    public override string ToString() => $"{Host}:{Port}/{Database}{(UseTls ? " tls" : string.Empty)}";
}
