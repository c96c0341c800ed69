using System.Diagnostics;
using Intelligence.Chain.Transactions;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.EC;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math.EC;

namespace Intelligence.Chain.Bench;

/// <summary>
/// Chain micro-benchmarks printed next to their peers (BouncyCastle in-process, cast as a process per call).
/// Usage: dotnet run -c Release --project tools/Intelligence.Chain.Bench [-- --seconds 1 --cast-calls 50]
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var seconds = ArgValue(args, "--seconds", 1.0);
        var castCalls = (int)ArgValue(args, "--cast-calls", 50);
        var cast = FindCast();

        Console.WriteLine($"{"operation",-40} {"chain/CPU-s",11} {"pkg/CPU-s",11}  {"peer",-34} {"peer/s",10}");
        Console.WriteLine("chain = Intelligence.Chain's API; pkg = the package call under it, made directly (libsecp256k1 via Secp256k1.Net, Nethereum, BouncyCastle 2.7)");
        var data32 = new byte[32];
        new Random(1).NextBytes(data32);
        var hashOut = new byte[32];
        var bcKeccak = new Org.BouncyCastle.Crypto.Digests.KeccakDigest(256);
        Row("keccak256(32 bytes)", Measure(seconds, () => Keccak256.Hash(data32, hashOut)), Measure(seconds, () => Candidates.BcKeccak(data32, hashOut)),
            "Nethereum Sha3Keccack (byte[])", Measure(seconds, () => Candidates.NethereumKeccak(data32)));
        Row("", null, null, "cast keccak (process/call)", cast is null ? null : MeasureProcess(castCalls, cast, "keccak", Hex.Encode(data32)));
        var data1k = new byte[1024];
        new Random(2).NextBytes(data1k);
        Row("keccak256(1 KiB)", Measure(seconds, () => Keccak256.Hash(data1k, hashOut)), Measure(seconds, () => Candidates.BcKeccak(data1k, hashOut)),
            "Nethereum Sha3Keccack (byte[])", Measure(seconds, () => Candidates.NethereumKeccak(data1k)));

        const string keyHex = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
        using var key = PrivateKey.FromHex(keyHex);
        var secret = key.ExportBytes();
        var ethKey = new Nethereum.Signer.EthECKey(keyHex);
        var hash = Keccak256.Hash("benchmark"u8);
        var rs = new byte[64];
        Row("sign hash (RFC 6979, low s)", Measure(seconds, () => key.SignHash(hash)), Measure(seconds, () => Candidates.NativeSign(hash, secret, rs)),
            "Nethereum EthECKey.SignAndCalculateV", Measure(seconds, () => ethKey.SignAndCalculateV(hash)));
        Row("", null, null, "cast wallet sign (process/call)", cast is null ? null : MeasureProcess(castCalls, cast, "wallet", "sign", "--no-hash", "--private-key", keyHex, Hex.Encode(hash)));

        var sig = key.SignHash(hash);
        var sigRs = sig.ToBytes()[..64];
        var address = new byte[20];
        var bc = CustomNamedCurves.GetByName("secp256k1");
        Row("recover address (ecrecover)", Measure(seconds, () => Ecdsa.Recover(hash, sig)), Measure(seconds, () => Candidates.NativeRecover(hash, sigRs, sig.RecoveryId, address)),
            "BouncyCastle 2.7 recover", Measure(seconds, () => BouncyRecover(bc, hash, sig)));
        var ethSig = Nethereum.Signer.EthECDSASignatureFactory.FromComponents(sig.R.ToArray(), sig.S.ToArray(), sig.V);
        Row("", null, null, "Nethereum EthECKey.RecoverFromSignature", Measure(seconds, () => Nethereum.Signer.EthECKey.RecoverFromSignature(ethSig, hash).GetPublicAddress()));
        var pub = Ecdsa.RecoverPublicKey(hash, sig);
        var bcPublic = new ECPublicKeyParameters(bc.Curve.DecodePoint([0x04, .. pub]), new ECDomainParameters(bc.Curve, bc.G, bc.N, bc.H));
        var known = new SignerKeyCache();
        known.Verify(hash, sig, key.Address);
        var parsed = Candidates.NativeParseKey(pub);
        Row("verify, known signer", Measure(seconds, () => known.Verify(hash, sig, key.Address)), Measure(seconds, () => Candidates.NativeVerify(hash, sigRs, parsed)),
            "BouncyCastle 2.7 ECDSA verify", Measure(seconds, () => BouncyVerify(bcPublic, hash, sig)));
        var message = "benchmark"u8.ToArray();
        var personal = PersonalSign.Sign(key, message);
        var personalRs = personal.ToBytes()[..64];
        var messageSigner = new Nethereum.Signer.EthereumMessageSigner();
        var personalHex = personal.ToHex();
        Row("personal_sign recover + compare", Measure(seconds, () => PersonalSign.Verify(message, personal, key.Address)),
            Measure(seconds, () => _ = Candidates.NativeRecover(PersonalSign.Hash(message), personalRs, personal.RecoveryId, address) && key.Address == new Address(address)),
            "Nethereum EthereumMessageSigner.EcRecover", Measure(seconds, () => messageSigner.EcRecover(message, personalHex)));
        Row("", null, null, "cast wallet verify (process/call)", cast is null ? null : MeasureProcess(castCalls, cast, "wallet", "verify", "--address", key.Address.ToString(), Hex.Encode(message), personal.ToHex()));

        var calldata = AbiRows.Run(seconds, cast, castCalls, args.Contains("--hostile"));
        Eip1559Transaction Tx() => new()
        {
            ChainId = 31337, Nonce = 7, GasLimit = 300_000, MaxFeePerGas = 2_000_000_000, MaxPriorityFeePerGas = 1_000_000,
            To = key.Address, Data = calldata,
        };
        var raw = Tx().Sign(key).Raw;
        if (!raw.AsSpan().SequenceEqual(Candidates.NethereumTxNativeSign(31337, 7, key.Address.ToString(), calldata, secret)))
        {
            throw new InvalidOperationException("Nethereum's encoding of the signed transaction differs from ours.");
        }
        Row("EIP-1559 tx sign + encode (setWeights)", Measure(seconds, () => Tx().Sign(key)), Measure(seconds, () => Candidates.NethereumTxNativeSign(31337, 7, key.Address.ToString(), calldata, secret)),
            "Nethereum Transaction1559Signer", Measure(seconds, () => Candidates.NethereumTxOwnSign(31337, 7, key.Address.ToString(), calldata, ethKey)));
        Row("", null, null, "cast mktx (process/call)", cast is null ? null : MeasureProcess(Math.Max(1, castCalls / 5), cast, "mktx", "--private-key", keyHex, "--chain", "31337", "--nonce", "7",
            "--gas-limit", "300000", "--gas-price", "2000000000", "--priority-gas-price", "1000000", key.Address.ToString(), AbiRows.SetWeightsSignature, "1", AbiRows.CastUids, AbiRows.CastWeights));
        Row("decode signed tx (+ recover, canonical check)", Measure(seconds, () => SignedTransaction.Decode(raw)), Measure(seconds, () => Nethereum.Model.Transaction1559Encoder.Current.Decode(raw[1..])),
            "cast decode-tx (process/call)", cast is null ? null : MeasureProcess(castCalls, cast, "decode-tx", Hex.Encode(raw)));
        Console.WriteLine();
        Console.WriteLine("chain/pkg: operations per CPU-second on one thread (CPU time, not wall). cast: one process per call, wall time, so it includes process start.");
        return 0;
    }

    private static byte[] BouncyRecover(X9ECParameters p, byte[] hash, Signature sig)
    {
        var r = new Org.BouncyCastle.Math.BigInteger(1, sig.R.ToArray());
        var s = new Org.BouncyCastle.Math.BigInteger(1, sig.S.ToArray());
        var bigR = p.Curve.DecodePoint([(byte)(2 + sig.RecoveryId), .. sig.R]);
        var rInv = r.ModInverse(p.N);
        var u1 = new Org.BouncyCastle.Math.BigInteger(1, hash).Negate().Mod(p.N).Multiply(rInv).Mod(p.N);
        var u2 = s.Multiply(rInv).Mod(p.N);
        var q = ECAlgorithms.SumOfTwoMultiplies(p.G, u1, bigR, u2).Normalize();
        var pub = q.GetEncoded(false);
        return Keccak256.Hash(pub.AsSpan(1));
    }

    private static bool BouncyVerify(ECPublicKeyParameters key, byte[] hash, Signature sig)
    {
        var signer = new ECDsaSigner();
        signer.Init(false, key);
        return signer.VerifySignature(hash, new Org.BouncyCastle.Math.BigInteger(1, sig.R.ToArray()), new Org.BouncyCastle.Math.BigInteger(1, sig.S.ToArray()));
    }

    internal static void Row(string name, double? old, double? ours, string peer, double? theirs)
    {
        static string F(double? v) => v is null ? "" : v.Value.ToString("N0", System.Globalization.CultureInfo.InvariantCulture);
        var peerText = theirs is null ? (peer.Length == 0 ? "" : "n/a") : F(theirs);
        Console.WriteLine($"{name,-40} {F(old),11} {F(ours),11}  {peer,-34} {peerText,10}");
    }

    /// <summary>
    /// Operations per CPU-second on one thread, after a warm-up. CPU time (not wall time) is the divisor, so the
    /// figure reads as "per core" even when other processes share the machine.
    /// </summary>
    internal static double Measure(double seconds, Action action, int warmups = 200)
    {
        // Warm up long enough for tiered compilation to install optimised code, so the background JIT's
        // CPU time is not charged to the measured window.
        var warm = Stopwatch.StartNew();
        for (var i = 0; i < warmups || warm.Elapsed < TimeSpan.FromSeconds(0.3); i++)
        {
            action();
        }
        long count = 0;
        var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuStart = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        var budget = TimeSpan.FromSeconds(seconds);
        var batch = Math.Clamp(warmups / 3, 1, 64);
        while (sw.Elapsed < budget)
        {
            for (var i = 0; i < batch; i++)
            {
                action();
            }
            count += batch;
        }
        process.Refresh();
        var cpu = (process.TotalProcessorTime - cpuStart).TotalSeconds;
        return count / Math.Max(cpu, 1e-9);
    }

    /// <summary>Calls per second of a tool run once per operation (so it includes process start).</summary>
    internal static double MeasureProcess(int calls, string file, params string[] args)
    {
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < calls; i++)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in args)
            {
                psi.ArgumentList.Add(a);
            }
            using var p = Process.Start(psi)!;
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
        }
        return calls / sw.Elapsed.TotalSeconds;
    }

    private static string? FindCast()
    {
        var env = Environment.GetEnvironmentVariable("INTELLIGENCE_TOOLS_DIR");
        var candidates = new List<string>();
        if (!string.IsNullOrEmpty(env))
        {
            candidates.Add(Path.Combine(env, "bin", "cast"));
        }
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            candidates.Add(Path.Combine(dir.FullName, ".tools", "bin", "cast"));
        }
        return candidates.FirstOrDefault(File.Exists);
    }

    private static double ArgValue(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }
}
