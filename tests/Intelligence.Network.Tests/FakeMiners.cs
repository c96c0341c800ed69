using Google.Protobuf;
using Intelligence.Chain;
using Intelligence.Protocol.Pipeline;
using Intelligence.Protocol.Server;
using Intelligence.Protocol.Signing;
using Intelligence.Protocol.V1;
using Intelligence.Protocol.Wire;

namespace Intelligence.Network.Tests;

/// <summary>How a misbehaving miner answers.</summary>
internal enum Fault
{
    /// <summary>Answers after the validator's deadline.</summary>
    Slow,

    /// <summary>Refuses with PERMISSION_DENIED.</summary>
    Refuse,

    /// <summary>Bytes that do not fit the declared shape.</summary>
    Garbage,

    /// <summary>The right shape, full of NaN.</summary>
    NaN,

    /// <summary>A [N, 3] answer where [N, 10] is due.</summary>
    WrongShape,

    /// <summary>An 8 MiB answer.</summary>
    Huge,

    /// <summary>A good answer signed by another key.</summary>
    Forged,

    /// <summary>Answers well until it is stopped.</summary>
    Vanishing,
}

/// <summary>
/// A miner that misbehaves on purpose, served by the protocol library's own server and pipeline (so requests are
/// checked as a real miner checks them) on loopback.
/// </summary>
internal sealed class FakeMiner : IAsyncDisposable
{
    private readonly GrpcServer _server;

    private FakeMiner(GrpcServer server, Fault fault)
    {
        _server = server;
        Fault = fault;
    }

    public Fault Fault { get; }

    public int Port => _server.Port;

    /// <summary>A well-behaved miner whose answers come from <paramref name="answer"/>.</summary>
    public static Task<FakeMiner> StartAsync(Func<ForwardRequest, ForwardResponse> answer, PrivateKey key, ulong chainId, ushort netuid, Address validator) =>
        StartAsync(Fault.Vanishing, key, chainId, netuid, validator, answer);

    public static async Task<FakeMiner> StartAsync(Fault fault, PrivateKey key, ulong chainId, ushort netuid, Address validator, Func<ForwardRequest, ForwardResponse>? answer = null)
    {
        var directory = new StaticCallerDirectory();
        directory.Set(validator, new CallerInfo(true, true, 1));
        var pipeline = new MinerPipeline(key, new MinerPipelineOptions { Domain = new SigningDomain(chainId, netuid), SignResponses = fault != Fault.Forged }, directory);
        using var forger = PrivateKey.Generate();
        var forgerHex = "0x" + Convert.ToHexStringLower(forger.ExportBytes());
        var registry = new ServiceRegistry().AddUnary<ForwardRequest, ForwardResponse>(MinerService.ForwardPath, ForwardRequest.Parser, async (request, context) =>
        {
            var rows = request.Inputs[0].Shape[0];
            switch (fault)
            {
                case Fault.Slow:
                    await Task.Delay(TimeSpan.FromSeconds(6), context.CancellationToken);
                    return Probabilities(rows, 10, float.NaN);
                case Fault.Refuse:
                    throw new GrpcException(GrpcStatusCode.PermissionDenied, "not today");
                case Fault.Garbage:
                    return new ForwardResponse { Outputs = { new Tensor { Name = "probabilities", Dtype = DataType.Float32, Shape = { rows, 10 }, Data = ByteString.CopyFrom(new byte[7]) } } };
                case Fault.NaN:
                    return Probabilities(rows, 10, float.NaN);
                case Fault.WrongShape:
                    return Probabilities(rows, 3, 1f / 3);
                case Fault.Huge:
                    return new ForwardResponse { Outputs = { new Tensor { Name = "probabilities", Dtype = DataType.Float32, Shape = { 2 * 1024 * 1024 }, Data = ByteString.CopyFrom(new byte[8 * 1024 * 1024]) } } };
                case Fault.Forged:
                {
                    var response = Probabilities(rows, 10, 0.1f);
                    using var other = PrivateKey.FromHex(forgerHex);
                    var digest = SigningDigests.Response(context.GetMinerCall()!.RequestDigest!, ResponseBodyHasher.Of(response.ToByteArray()));
                    context.ResponseTrailers.Add(new(SigningHeaders.Miner, key.Address.ToLowerHex()));
                    context.ResponseTrailers.Add(new(SigningHeaders.ResponseSignature, PersonalSign.Sign(other, digest).ToHex()));
                    return response;
                }
                default:
                    return answer?.Invoke(request) ?? Probabilities(rows, 10, 0.1f);
            }
        }, pipeline);
        var server = await GrpcServer.StartAsync(registry, new GrpcServerEndpoint { Port = 0 });
        return new FakeMiner(server, fault);
    }

    private static ForwardResponse Probabilities(long rows, int width, float value)
    {
        var data = new float[rows * width];
        Array.Fill(data, value);
        var tensor = new Tensor { Name = "probabilities", Dtype = DataType.Float32, Shape = { rows, width }, Data = ByteString.CopyFrom(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data.AsSpan())) };
        return new ForwardResponse { Outputs = { tensor } };
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}

/// <summary>The validator's per-step log entries: "uid=score/ema(Reason[:Status])".</summary>
internal static class StepLines
{
    public static IEnumerable<(int Uid, double Score, string Reason)> Parse(IEnumerable<string> lines)
    {
        foreach (var line in lines)
        {
            var at = line.IndexOf("uid=score/ema: ", StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }
            foreach (var entry in line[(at + "uid=score/ema: ".Length)..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = entry.IndexOf('=');
                var slash = entry.IndexOf('/');
                var paren = entry.IndexOf('(');
                if (eq < 0 || slash < 0 || paren < 0)
                {
                    continue;
                }
                yield return (int.Parse(entry[..eq], System.Globalization.CultureInfo.InvariantCulture),
                    double.Parse(entry[(eq + 1)..slash], System.Globalization.CultureInfo.InvariantCulture),
                    entry[(paren + 1)..^1]);
            }
        }
    }
}
