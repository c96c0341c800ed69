using System.Globalization;

namespace Intelligence.State.Stores;

/// <summary>
/// Key names of the Redis stores. Every key starts with the prefix (one per network, e.g. <c>intelligence:mainnet:</c>).
/// Keys a script touches together share a hash tag, so Redis Cluster puts them in one slot: a subnet's score
/// records and its index are <c>{prefix}{s&lt;netuid&gt;}:…</c>, a lease and its records <c>{prefix}{lease:&lt;name&gt;}…</c>.
/// Single-key operations (nonces, buckets) need no tag.
/// </summary>
internal static class RedisKeys
{
    /// <summary>Rejects prefixes that would move hash tags (a brace in the prefix would become the tag).</summary>
    public static string CheckPrefix(string? prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (prefix.AsSpan().IndexOfAny('{', '}') >= 0)
        {
            throw new ArgumentException("the key prefix must not contain '{' or '}': the stores place their own hash tags", nameof(prefix));
        }

        return prefix;
    }

    public static string Record(string prefix, int netuid, int uid) => string.Create(CultureInfo.InvariantCulture, $"{prefix}{{s{netuid}}}:score:{uid}");

    public static string Index(string prefix, int netuid) => string.Create(CultureInfo.InvariantCulture, $"{prefix}{{s{netuid}}}:scores");

    public static string LastNonce(string prefix, string caller) => prefix + "nonce:" + caller;

    public static string UsedNonce(string prefix, string caller, ulong nonce) => string.Create(CultureInfo.InvariantCulture, $"{prefix}used:{caller}:{nonce}");

    public static string Bucket(string prefix, string key) => prefix + "bucket:" + key;

    /// <summary>A lease; its records carry the same hash tag so one script checks the lease and writes a record.</summary>
    public static string Lease(string prefix, string lease) => prefix + "{lease:" + lease + "}";

    public static string LeaseRecord(string prefix, string lease, string key) => Lease(prefix, lease) + ":" + key;
}
