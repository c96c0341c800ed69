using Intelligence.Node;
using Intelligence.State;
using Intelligence.State.Stores;
using StackExchange.Redis;
using StoreOptions = Intelligence.State.Stores.StateOptions;

namespace Intelligence.Validator;

/// <summary>
/// Opens the validator's score store and lease store: Redis (shared by validator workers) when <c>State:Redis</c> is
/// set, else the embedded SQLite files in <c>State:DataDir</c> (every acknowledged update is on disk). The only file
/// of the validator that knows the state library's types beyond <see cref="IScoreStore"/> and <see cref="ILeaseStore"/>.
/// </summary>
public sealed class ValidatorState : IAsyncDisposable
{
    private readonly IConnectionMultiplexer? _redis;
    private readonly SqliteScoreStore? _file;
    private readonly SqliteLeaseStore? _leaseFile;

    private ValidatorState(IScoreStore scores, ILeaseStore leases, IConnectionMultiplexer? redis, SqliteScoreStore? file, SqliteLeaseStore? leaseFile, string description)
    {
        Scores = scores;
        Leases = leases;
        _redis = redis;
        _file = file;
        _leaseFile = leaseFile;
        Description = description;
    }

    /// <summary>The score store.</summary>
    public IScoreStore Scores { get; }

    /// <summary>The duties lease, the workers' slots and the pending commit: in Redis, or the lease file in the data folder.</summary>
    public ILeaseStore Leases { get; }

    /// <summary>True when the stores are shared with other workers (Redis).</summary>
    public bool Shared => _redis is not null;

    /// <summary>Where the scores live, for the logs.</summary>
    public string Description { get; }

    /// <summary>Opens the configured store.</summary>
    public static async Task<ValidatorState> OpenAsync(Node.StateOptions options, ushort netuid, Action<string?> degraded, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.Redis))
        {
            IConnectionMultiplexer? redis = null;
            try
            {
                redis = await StateStores.ConnectRedisAsync(new StoreOptions { Redis = options.Redis, KeyPrefix = options.KeyPrefix }, ct).ConfigureAwait(false);
                var scores = await ResilientScoreStore.OpenAsync(new RedisScoreStore(redis, options.KeyPrefix), netuid, degraded, TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
                return new ValidatorState(scores, new RedisLeaseStore(redis, options.KeyPrefix), redis, null, null, $"redis (prefix {options.KeyPrefix})");
            }
            catch (Exception e) when (e is StateException or ArgumentException)
            {
                if (redis is not null)
                {
                    await redis.DisposeAsync().ConfigureAwait(false);
                }
                throw new NodeStartupException($"State:Redis: cannot connect: {e.Message}");
            }
        }
        var path = Path.Combine(options.DataDir, SqliteScoreStore.DefaultFileName);
        SqliteScoreStore? file = null;
        try
        {
            Directory.CreateDirectory(options.DataDir);
            file = SqliteScoreStore.Open(path);
            path = Path.Combine(options.DataDir, SqliteLeaseStore.DefaultFileName);
            var leases = SqliteLeaseStore.Open(path);
            return new ValidatorState(file, leases, null, file, leases, "sqlite " + Path.GetFullPath(file.Path));
        }
        catch (Exception e) when (e is StateException or IOException or UnauthorizedAccessException)
        {
            if (file is not null)
            {
                await file.DisposeAsync().ConfigureAwait(false);
            }
            throw new NodeStartupException($"State:DataDir: cannot open {path}: {e.Message}");
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_file is not null)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
        }
        if (_leaseFile is not null)
        {
            await _leaseFile.DisposeAsync().ConfigureAwait(false);
        }
        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }
}
