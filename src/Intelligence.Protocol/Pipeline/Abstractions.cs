using System.Numerics;
using Intelligence.Chain;

namespace Intelligence.Protocol.Pipeline;

/// <summary>What the metagraph says about a hotkey: registered, validator permit, stake (token base units).</summary>
/// <param name="Registered">The hotkey holds a UID on the subnet.</param>
/// <param name="ValidatorPermit">The hotkey holds a validator permit.</param>
/// <param name="Stake">Stake behind the hotkey, in the token's smallest unit.</param>
public readonly record struct CallerInfo(bool Registered, bool ValidatorPermit, BigInteger Stake);

/// <summary>
/// Looks callers up in the miner's cached metagraph. Synchronous on purpose: the blacklist runs before any crypto
/// and must be cheap, so implementations answer from memory (the miner refreshes the cache from chain).
/// </summary>
public interface ICallerDirectory
{
    /// <summary>False when the hotkey is unknown to the subnet.</summary>
    bool TryGet(Address hotkey, out CallerInfo info);
}

/// <summary>
/// Remembers which (caller, nonce) pairs were used. A Redis-backed store shares this across miner replicas;
/// <see cref="InMemoryNonceStore"/> is the single-process default.
/// </summary>
public interface INonceStore
{
    /// <summary>
    /// Records the nonce as used and returns true, or returns false when it was already used. Entries may be forgotten
    /// after <paramref name="retention"/>: the clock window rejects older nonces before the store is asked.
    /// </summary>
    ValueTask<bool> TryUseAsync(Address caller, ulong nonce, TimeSpan retention, CancellationToken cancellationToken);
}

/// <summary>Per-caller request rate limit.</summary>
public interface IRateLimiter
{
    /// <summary>Takes one permit for <paramref name="caller"/>; false when the caller is over its rate.</summary>
    bool TryAcquire(Address caller);
}

/// <summary>An in-memory directory (devnets and tests; the miner builds one over the chain metagraph).</summary>
public sealed class StaticCallerDirectory : ICallerDirectory
{
    private volatile Dictionary<Address, CallerInfo> _callers = [];

    /// <summary>Replaces the whole set atomically (as a metagraph refresh does).</summary>
    public void Replace(IEnumerable<KeyValuePair<Address, CallerInfo>> callers) => _callers = new Dictionary<Address, CallerInfo>(callers);

    /// <summary>Adds or updates one caller.</summary>
    public void Set(Address hotkey, CallerInfo info)
    {
        var copy = new Dictionary<Address, CallerInfo>(_callers) { [hotkey] = info };
        _callers = copy;
    }

    /// <inheritdoc />
    public bool TryGet(Address hotkey, out CallerInfo info) => _callers.TryGetValue(hotkey, out info);
}
