using Intelligence.Node;
using Intelligence.State;
using Intelligence.State.Stores;

namespace Intelligence.Validator;

/// <summary>
/// Opens the validator's score store: Redis (shared by validator workers) when <c>State:Redis</c> is set, else the
/// embedded file store in <c>State:DataDir</c>. The only file of the validator that knows the state library's types
/// beyond <see cref="IScoreStore"/>.
/// </summary>
public sealed class ValidatorState : IAsyncDisposable
{
    private readonly RedisClient? _redis;
    private readonly FileScoreStore? _file;

    private ValidatorState(IScoreStore scores, RedisClient? redis, FileScoreStore? file, string description)
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
    public static async Task<ValidatorState> OpenAsync(StateOptions options, ushort netuid, Action<string?> degraded, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.Redis))
        {
            try
            {
                var client = await RedisClient.ConnectAsync(options.Redis, ct).ConfigureAwait(false);
                var scores = await ResilientScoreStore.OpenAsync(new RedisScoreStore(client, options.KeyPrefix), netuid, degraded, TimeSpan.FromSeconds(2), ct).ConfigureAwait(false);
                return new ValidatorState(scores, client, null, $"redis (prefix {options.KeyPrefix})");
            }
            catch (RedisException e)
            {
                throw new NodeStartupException($"State:Redis: cannot connect: {e.Message}");
            }
        }
        var path = Path.Combine(options.DataDir, $"scores-{netuid}.json");
        try
        {
            var file = FileScoreStore.Open(path);
            return new ValidatorState(file, null, file, "file " + Path.GetFullPath(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            throw new NodeStartupException($"State:DataDir: cannot open the score file {path}: {e.Message}");
        }
    }

    /// <summary>Makes the step's updates durable (the embedded store writes its file; Redis already has them).</summary>
    public void Persist() => _file?.Flush();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _file?.Flush();
        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }
}
