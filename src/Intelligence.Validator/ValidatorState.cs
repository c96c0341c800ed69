using Intelligence.Node;
using Intelligence.State;
using Intelligence.State.Stores;
using StackExchange.Redis;
using StoreOptions = Intelligence.State.Stores.StateOptions;

namespace Intelligence.Validator;

/// <summary>
/// Opens the validator's score store: Redis (shared by validator workers) when <c>State:Redis</c> is set, else the
/// embedded SQLite store in <c>State:DataDir</c> (every acknowledged update is on disk). The only file of the
/// validator that knows the state library's types beyond <see cref="IScoreStore"/>.
/// </summary>
public sealed class ValidatorState : IAsyncDisposable
{
    private readonly IConnectionMultiplexer? _redis;
    private readonly SqliteScoreStore? _file;

    private ValidatorState(IScoreStore scores, IConnectionMultiplexer? redis, SqliteScoreStore? file, string description)
    {
        Scores = scores;
        _redis = redis;
        _file = file;
        Description = description;
    }

    /// <summary>The score store.</summary>
    public IScoreStore Scores { get; }

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
                return new ValidatorState(scores, redis, null, $"redis (prefix {options.KeyPrefix})");
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
        try
        {
            Directory.CreateDirectory(options.DataDir);
            var file = SqliteScoreStore.Open(path);
            return new ValidatorState(file, null, file, "sqlite " + Path.GetFullPath(path));
        }
        catch (Exception e) when (e is StateException or IOException or UnauthorizedAccessException)
        {
            throw new NodeStartupException($"State:DataDir: cannot open the score store {path}: {e.Message}");
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_file is not null)
        {
            await _file.DisposeAsync().ConfigureAwait(false);
        }
        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }
}
