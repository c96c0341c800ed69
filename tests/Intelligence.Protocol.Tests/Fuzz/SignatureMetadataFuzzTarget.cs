using System.Text;
using Google.Protobuf;
using Intelligence.Chain;
using Intelligence.Protocol.Pipeline;
using Intelligence.Protocol.Signing;
using Intelligence.Protocol.V1;
using Intelligence.Protocol.Wire;

namespace Intelligence.Protocol.Tests.Fuzz;

/// <summary>
/// Fuzz target for the parsing the library still owns now that grpc-dotnet does the framing: the signing metadata
/// (claimed caller, signature hex, "-bin" base64 values) and the request message the digest is taken over. Arbitrary
/// bytes are cut into three header values and a body. The only allowed outcomes are a typed refusal (false, an
/// UNAUTHENTICATED status, <see cref="InvalidProtocolBufferException"/>) or a value that round-trips exactly.
/// Anything else (another exception, a hang) is a bug.
/// </summary>
internal static class SignatureMetadataFuzzTarget
{
    private static readonly SigningDomain Domain = new(31337, 7);

    public static void Run(byte[] input)
    {
        var text = Encoding.Latin1.GetString(input);
        var parts = text.Split('|', 4);
        var callerHeader = parts[0];
        var signatureHeader = parts.Length > 1 ? parts[1] : string.Empty;
        var binHeader = parts.Length > 2 ? parts[2] : string.Empty;
        var body = parts.Length > 3 ? Encoding.Latin1.GetBytes(parts[3]) : [];

        if (MinerPipeline.TryClaimedCaller(callerHeader, out var caller, out var refusal))
        {
            if (!Address.TryParse(caller.ToLowerHex(), out var again) || again != caller)
            {
                throw new InvalidOperationException($"Caller '{callerHeader}' does not round-trip.");
            }
        }
        else if (refusal.Code != GrpcStatusCode.Unauthenticated || refusal.Detail.Length == 0)
        {
            throw new InvalidOperationException($"Refusal of caller '{callerHeader}' is {refusal}, not a described UNAUTHENTICATED.");
        }

        if (Signature.TryParse(signatureHeader, out var signature))
        {
            if (!Signature.TryParse(signature.ToHex(), out var again) || again.ToHex() != signature.ToHex())
            {
                throw new InvalidOperationException($"Signature '{signatureHeader}' does not round-trip.");
            }

            // Digest and verification over any body never throw; a fuzzed signature must not verify.
            var digest = SigningDigests.Request(Domain, caller, caller, 1, "/intelligence.v1.Miner/Forward", body);
            new SignerKeyCache().VerifyPersonal(digest, signature, caller);
        }

        if (GrpcMetadata.TryDecodeBinary(binHeader, out var bytes) &&
            (!GrpcMetadata.TryDecodeBinary(GrpcMetadata.EncodeBinary(bytes), out var back) || !back.AsSpan().SequenceEqual(bytes)))
        {
            throw new InvalidOperationException($"Binary metadata '{binHeader}' does not round-trip.");
        }

        try
        {
            var request = ForwardRequest.Parser.ParseFrom(body);
            // What parses re-encodes to a message that parses to the same thing (the digest is never over re-encoded bytes).
            if (!ForwardRequest.Parser.ParseFrom(request.ToByteArray()).Equals(request))
            {
                throw new InvalidOperationException("ForwardRequest does not round-trip.");
            }
        }
        catch (InvalidProtocolBufferException)
        {
            // Typed rejection: fine.
        }
    }

    /// <summary>Inputs: random bytes, and valid header sets and bodies with a few bytes flipped, cut or repeated.</summary>
    public static IEnumerable<byte[]> Corpus(int count, int seed)
    {
        var random = new Random(seed);
        var valid = Valid();
        for (var i = 0; i < count; i++)
        {
            if (i % 4 == 0)
            {
                var bytes = new byte[random.Next(0, 200)];
                random.NextBytes(bytes);
                yield return bytes;
                continue;
            }

            var seedInput = valid[random.Next(valid.Length)];
            var mutated = (byte[])seedInput.Clone();
            for (var flips = random.Next(1, 4); flips > 0 && mutated.Length > 0; flips--)
            {
                mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
            }

            yield return (i % 4) switch
            {
                1 => mutated,
                2 => mutated[..random.Next(0, mutated.Length + 1)],
                _ => [.. mutated, .. seedInput],
            };
        }
    }

    private static byte[][] Valid()
    {
        using var key = PrivateKey.Generate();
        var request = InteropService.Echo(40);
        request.Extension = Google.Protobuf.WellKnownTypes.Any.Pack(new HealthRequest());
        var body = request.ToByteArray();
        var signed = new RequestSigner(key, Domain).Sign(key.Address, "/intelligence.v1.Miner/Forward", body);
        var head = $"{key.Address.ToLowerHex()}|{signed.Signature.ToHex()}|{GrpcMetadata.EncodeBinary([1, 2, 3, 250])}|";
        return
        [
            [.. Encoding.Latin1.GetBytes(head), .. body],
            [.. Encoding.Latin1.GetBytes(head.ToUpperInvariant()), .. body],
        ];
    }
}
