using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Intelligence.Chain;
using Intelligence.Consensus;
using Intelligence.Explorer.Indexing;

namespace Intelligence.Explorer.Api;

/// <summary>
/// The read-only JSON API under <c>/api/</c> (docs/explorer.md) that the pages use. Amounts are decimal strings of base
/// units (18 decimals); fractions are the chain's u16 values (65535 = 1). A bad netuid, hotkey or epoch is a 404 with
/// <c>{"error": "..."}</c>; nothing private is served (no keys, no validator data beyond what the chain publishes).
/// </summary>
public static class ApiEndpoints
{
    /// <summary>Maps every endpoint.</summary>
    public static void MapExplorerApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api");
        api.MapGet("/status", (LiveState live) => Results.Json(live.Status));
        api.MapGet("/network", Network);
        api.MapGet("/network/supply", Supply);
        api.MapGet("/subnets", (LiveState live) => WithSnapshot(live, s => Results.Json(s.Subnets.Select(SubnetSummary))));
        api.MapGet("/subnets/{netuid}", Subnet);
        api.MapGet("/subnets/{netuid}/metagraph", Metagraph);
        api.MapGet("/subnets/{netuid}/history", History);
        api.MapGet("/subnets/{netuid}/epochs", Epochs);
        api.MapGet("/subnets/{netuid}/epochs/{epoch}", Epoch);
        api.MapGet("/subnets/{netuid}/epochs/{epoch}/case", Case);
        api.MapGet("/subnets/{netuid}/events", SubnetEvents);
        api.MapGet("/neurons/{hotkey}", Neuron);
        api.MapGet("/neurons/{hotkey}/health", HealthAsync);
        api.MapGet("/events", StreamAsync);
        api.Map("/{**rest}", (string? rest) => NotFound($"no API endpoint '/api/{rest}'"));
    }

    /// <summary>JSON options of the API: camelCase, BigInteger as a decimal string.</summary>
    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Converters.Add(new BigIntegerConverter());
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
    }

    private static IResult NotFound(string message) => Results.Json(new { error = message }, statusCode: StatusCodes.Status404NotFound);

    private static IResult WithSnapshot(LiveState live, Func<NetworkSnapshot, IResult> body) =>
        live.Snapshot is { } s
            ? body(s)
            : Results.Json(new { error = "the index has not read the chain yet", status = live.Status }, statusCode: StatusCodes.Status503ServiceUnavailable);

    private static IResult WithSubnet(LiveState live, string netuid, Func<NetworkSnapshot, SubnetLive, IResult> body) => WithSnapshot(live, s =>
    {
        if (!TryNetuid(netuid, out var n) || s.Subnets.FirstOrDefault(x => x.State.Netuid == n) is not { } subnet)
        {
            return NotFound($"no subnet '{netuid}'");
        }
        return body(s, subnet);
    });

    internal static bool TryNetuid(string text, out ushort netuid)
    {
        netuid = 0;
        return text.Length is > 0 and <= 5 && text.All(char.IsAsciiDigit) && ushort.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out netuid);
    }

    private static bool TryEpoch(string text, out ulong epoch)
    {
        epoch = 0;
        return text.Length is > 0 and <= 20 && text.All(char.IsAsciiDigit) && ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out epoch);
    }

    private static object SubnetSummary(SubnetLive s) => new
    {
        netuid = s.State.Netuid,
        owner = s.State.Owner,
        tempo = s.State.Parameters.Tempo,
        neurons = s.State.N,
        validators = s.Validators,
        miners = s.Miners,
        burn = s.BurnCost,
        emissionShare = s.EmissionShare,
        pendingEmission = s.PendingEmission,
        epochs = s.State.Epochs,
        lastEpoch = s.State.LastEpoch,
        nextEpochBlock = s.NextEpochBlock,
        createdAt = s.State.CreatedAt,
        stakeSnapshot = s.State.StakeSnapshot,
    };

    private static IResult Network(LiveState live, ChainReader chain) => WithSnapshot(live, s =>
    {
        var issuance = (UInt128)BigInteger.Min(s.Issuance, (BigInteger)EmissionSchedule.Cap);
        return Results.Json(new
        {
            chainId = chain.Deployment.ChainId,
            network = chain.Deployment.Network,
            token = chain.Deployment.Token,
            startBlock = chain.Deployment.StartBlock,
            head = s.Head,
            supply = s.Supply,
            issuance = s.Issuance,
            cap = (BigInteger)EmissionSchedule.Cap,
            era = EmissionSchedule.Era(issuance),
            blockReward = (BigInteger)EmissionSchedule.BlockReward(issuance),
            subnets = s.Subnets.Select(SubnetSummary),
            index = live.Status,
        });
    });

    /// <summary>The issuance schedule with its halvings, and the supply and issuance measured after each indexed epoch.</summary>
    private static IResult Supply(LiveState live, ChainReader chain, IndexStore store) => WithSnapshot(live, s =>
    {
        var genesis = chain.Deployment.StartBlock;
        var halvings = new List<object>();
        ulong blocks = 0;
        for (var era = 0; era < 8; era++)
        {
            // Blocks to reach the end of this era at its block reward (era k pays 2^-k per block).
            var end = EmissionSchedule.EraEnd(era);
            var start = era == 0 ? UInt128.Zero : EmissionSchedule.EraEnd(era - 1);
            blocks += (ulong)((end - start + (EmissionSchedule.Token >> era) - 1) / (EmissionSchedule.Token >> era));
            halvings.Add(new { era, block = genesis + blocks, issuance = (BigInteger)end });
        }
        var points = store.AllEpochs().Where(e => e.Verdict != "unavailable").Select(e => new { block = e.Block, supply = e.Supply, issuance = e.Issuance, schedule = Schedule(genesis, e.Block) });
        return Results.Json(new
        {
            genesis,
            head = s.Head.Number,
            cap = (BigInteger)EmissionSchedule.Cap,
            scheduleAtHead = Schedule(genesis, s.Head.Number),
            supply = s.Supply,
            issuance = s.Issuance,
            halvings,
            points,
        });
    });

    private static BigInteger Schedule(ulong genesis, ulong block) =>
        (BigInteger)EmissionSchedule.RewardOverBlocks(UInt128.Zero, block > genesis ? block - genesis : 0);

    private static IResult Subnet(LiveState live, string netuid) => WithSubnet(live, netuid, (s, subnet) => Results.Json(new
    {
        subnet = SubnetSummary(subnet),
        hyperparameters = subnet.State.Parameters,
        head = s.Head,
        blocksToNextEpoch = subnet.NextEpochBlock > s.Head.Number ? subnet.NextEpochBlock - s.Head.Number : 0,
    }));

    private static IResult Metagraph(LiveState live, string netuid) => WithSubnet(live, netuid, (s, subnet) => Results.Json(new
    {
        netuid = subnet.State.Netuid,
        block = s.Head.Number,
        neurons = s.Metagraphs[subnet.State.Netuid],
    }));

    /// <summary>Per-epoch series (emission, burn, supply), registration burns, and incentive by coldkey at the head.</summary>
    private static IResult History(LiveState live, IndexStore store, string netuid) => WithSubnet(live, netuid, (s, subnet) =>
    {
        var n = subnet.State.Netuid;
        var epochs = store.Epochs(n).Reverse().Select(e => new { epoch = e.Epoch, block = e.Block, time = e.Time, emission = e.Emission, burn = e.Burn, verdict = e.Verdict });
        var registrations = store.Events(n, "NeuronRegistered", 1000).Reverse()
            .Select(e => new { block = e.Block, uid = e.Fields["uid"], hotkey = e.Fields["hotkey"], burned = BigInteger.Parse(e.Fields["burned"], CultureInfo.InvariantCulture) });
        var neurons = s.Metagraphs[n];
        var total = neurons.Sum(x => (long)x.Incentive);
        var byColdkey = neurons.GroupBy(x => x.Coldkey)
            .Select(g => new { coldkey = g.Key, neurons = g.Count(), incentive = g.Sum(x => (long)x.Incentive), share = total == 0 ? 0 : g.Sum(x => (double)x.Incentive) / total })
            .OrderByDescending(x => x.incentive).ToArray();
        var hhi = byColdkey.Sum(x => x.share * x.share);
        return Results.Json(new { netuid = n, epochs, registrations, concentration = new { byColdkey, herfindahl = hhi } });
    });

    private static IResult Epochs(LiveState live, IndexStore store, string netuid) => WithSubnet(live, netuid, (_, subnet) =>
        Results.Json(new { netuid = subnet.State.Netuid, epochs = store.Epochs(subnet.State.Netuid) }));

    private static IResult Epoch(LiveState live, IndexStore store, string netuid, string epoch) => WithSubnet(live, netuid, (_, subnet) =>
    {
        if (!TryEpoch(epoch, out var e) || store.Epoch(subnet.State.Netuid, e) is not { } found)
        {
            return NotFound($"no epoch '{epoch}' of subnet {subnet.State.Netuid}");
        }
        var (stored, weights, bonds, caseJson) = found;
        var file = CaseFileName(stored.Netuid, stored.Epoch);
        var neurons = store.EpochNeurons(stored.Netuid, stored.Epoch);
        return Results.Json(new
        {
            epoch = stored,
            neurons,
            weights,
            bonds,
            credited = neurons.Aggregate(BigInteger.Zero, (sum, x) => sum + x.Emission),
            simulate = caseJson is null ? null : new
            {
                caseUrl = $"/api/subnets/{stored.Netuid}/epochs/{stored.Epoch}/case",
                file,
                command = $"intelligence epoch simulate --input {file} --format json",
            },
        });
    });

    private static string CaseFileName(ushort netuid, ulong epoch) => string.Create(CultureInfo.InvariantCulture, $"subnet-{netuid}-epoch-{epoch}.json");

    private static IResult Case(LiveState live, IndexStore store, string netuid, string epoch) => WithSubnet(live, netuid, (_, subnet) =>
    {
        if (!TryEpoch(epoch, out var e) || store.Epoch(subnet.State.Netuid, e) is not { } found)
        {
            return NotFound($"no epoch '{epoch}' of subnet {subnet.State.Netuid}");
        }
        if (found.Case is null)
        {
            return NotFound($"the case of epoch {e} could not be read from the chain");
        }
        return Results.File(System.Text.Encoding.UTF8.GetBytes(found.Case), "application/json", CaseFileName(subnet.State.Netuid, e));
    });

    private static IResult SubnetEvents(LiveState live, IndexStore store, string netuid) => WithSubnet(live, netuid, (_, subnet) =>
        Results.Json(new { netuid = subnet.State.Netuid, events = store.Events(subnet.State.Netuid, null) }));

    /// <summary>A hotkey's registrations at the head, its history per epoch, and the weights it gave and received in the last epoch.</summary>
    private static IResult Neuron(LiveState live, IndexStore store, string hotkey) => WithSnapshot(live, s =>
    {
        if (!Address.TryParse(hotkey, out var address))
        {
            return NotFound($"'{hotkey}' is not a hotkey (0x and 40 hex digits)");
        }
        var key = address.ToString();
        var registrations = s.Metagraphs
            .SelectMany(m => m.Value.Where(n => string.Equals(n.Hotkey, key, StringComparison.OrdinalIgnoreCase)).Select(n => (Netuid: m.Key, Neuron: n)))
            .ToArray();
        var history = store.NeuronHistory(key);
        if (registrations.Length == 0 && history.Count == 0)
        {
            return NotFound($"hotkey {key} is not registered and has no history");
        }
        var weights = new List<object>();
        foreach (var (netuid, neuron) in registrations)
        {
            if (store.LatestEpoch(netuid) is not { } latest || store.Epoch(netuid, latest) is not { } epoch)
            {
                continue;
            }
            var peers = store.EpochNeurons(netuid, latest);
            var uid = neuron.Uid;
            var given = uid < epoch.Weights.Length
                ? epoch.Weights[uid].Select((w, j) => (w, j)).Where(x => x.w > 0).Select(x => new { uid = x.j, hotkey = Peer(peers, x.j), weight = x.w }).ToArray()
                : [];
            var received = epoch.Weights.Select((row, i) => (w: uid < row.Length ? row[uid] : (ushort)0, i)).Where(x => x.w > 0)
                .Select(x => new { uid = x.i, hotkey = Peer(peers, x.i), weight = x.w }).ToArray();
            weights.Add(new { netuid, epoch = latest, given, received });
        }
        return Results.Json(new
        {
            hotkey = key,
            registrations = registrations.Select(r => new { netuid = r.Netuid, neuron = r.Neuron }),
            history,
            weights,
        });
    });

    private static string? Peer(IReadOnlyList<NeuronEpoch> peers, int uid) => uid < peers.Count ? peers[uid].Hotkey : null;

    /// <summary>Live reachability of each axon the hotkey serves: a TCP connect with a deadline, and its latency.</summary>
    private static async Task<IResult> HealthAsync(LiveState live, ExplorerOptions options, string hotkey, CancellationToken ct)
    {
        if (live.Snapshot is not { } s)
        {
            return WithSnapshot(live, _ => Results.Empty);
        }
        if (!Address.TryParse(hotkey, out var address))
        {
            return NotFound($"'{hotkey}' is not a hotkey (0x and 40 hex digits)");
        }
        var key = address.ToString();
        var axons = s.Metagraphs.SelectMany(m => m.Value.Where(n => string.Equals(n.Hotkey, key, StringComparison.OrdinalIgnoreCase)).Select(n => (Netuid: m.Key, n.Axon))).ToArray();
        if (axons.Length == 0)
        {
            return NotFound($"hotkey {key} is not registered");
        }
        var probes = new List<object>();
        foreach (var (netuid, axon) in axons)
        {
            if (axon.Endpoint is null)
            {
                probes.Add(new { netuid, endpoint = (string?)null, reachable = false, latencyMs = (double?)null, error = "no axon served" });
                continue;
            }
            var (reachable, latency, error) = await ProbeAsync(axon, options.ProbeTimeout, ct).ConfigureAwait(false);
            probes.Add(new { netuid, endpoint = axon.Endpoint, reachable, latencyMs = latency, error });
        }
        return Results.Json(new { hotkey = key, probes });
    }

    private static async Task<(bool, double?, string?)> ProbeAsync(AxonInfo axon, TimeSpan timeout, CancellationToken ct)
    {
        var endpoint = axon.Endpoint!;
        var host = endpoint[..endpoint.LastIndexOf(':')].Trim('[', ']');
        using var client = new TcpClient(axon.IpType == 6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        var watch = Stopwatch.StartNew();
        try
        {
            await client.ConnectAsync(System.Net.IPAddress.Parse(host), axon.Port, cts.Token).ConfigureAwait(false);
            return (true, Math.Round(watch.Elapsed.TotalMilliseconds, 2), null);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (false, null, $"no answer within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s");
        }
        catch (SocketException e)
        {
            return (false, null, e.SocketErrorCode.ToString());
        }
    }

    /// <summary>Server-sent events: "head" on each new block read, "epoch" on each epoch indexed, "reorg" on a rollback.</summary>
    private static async Task StreamAsync(HttpContext context, LiveState live)
    {
        var ct = context.RequestAborted;
        context.Response.Headers.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        await context.Response.WriteAsync(": connected\n\n", ct).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
        var next = live.NextChangeAsync();
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var done = await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(15), ct)).ConfigureAwait(false);
                if (done == next)
                {
                    var notice = await next.ConfigureAwait(false);
                    next = live.NextChangeAsync();
                    var json = JsonSerializer.Serialize(notice, JsonSerializerOptions.Web);
                    await context.Response.WriteAsync($"event: {notice.Type}\ndata: {json}\n\n", ct).ConfigureAwait(false);
                }
                else
                {
                    await context.Response.WriteAsync(": ping\n\n", ct).ConfigureAwait(false);
                }
                await context.Response.Body.FlushAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The page went away.
        }
    }

    private sealed class BigIntegerConverter : JsonConverter<BigInteger>
    {
        public override BigInteger Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            BigInteger.Parse(reader.TokenType == JsonTokenType.String ? reader.GetString()! : System.Text.Encoding.UTF8.GetString(reader.ValueSpan), CultureInfo.InvariantCulture);

        public override void Write(Utf8JsonWriter writer, BigInteger value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
    }
}
