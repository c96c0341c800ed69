using Intelligence.Chain.Crypto;

namespace Intelligence.Chain.Bench;

/// <summary>Per-primitive timings of the secp256k1 arithmetic (run with --components).</summary>
internal static class Components
{
    public static void Run(Func<double, Action, double> measure, double seconds)
    {
        var a = new FieldElement(0x1234567890ABCDEFUL, 0xFEDCBA0987654321UL, 0x0F1E2D3C4B5A6978UL, 0x7FFFFFFFFFFFFFFFUL);
        var b = FieldElement.Square(a);
        var sink = a;
        Console.WriteLine($"field mul        {measure(seconds, () => sink = FieldElement.Mul(sink, b)),14:N0}/s");
        Console.WriteLine($"field square     {measure(seconds, () => sink = FieldElement.Square(sink)),14:N0}/s");
        Console.WriteLine($"field add        {measure(seconds, () => sink = FieldElement.Add(sink, b)),14:N0}/s");
        Console.WriteLine($"field inv (gcd)  {measure(seconds, () => sink = FieldElement.InvertVartime(sink)),14:N0}/s");
        var s = Scalar.FromBytesReduced(Keccak256.Hash("s"u8));
        var t = s;
        Console.WriteLine($"scalar montmul   {measure(seconds, () => t = Scalar.MontMul(t, s)),14:N0}/s");
        Console.WriteLine($"scalar inv (gcd) {measure(seconds, () => t = Scalar.InvertVartime(s)),14:N0}/s");
        var p = JacobianPoint.FromAffine(Secp256k1.G);
        Console.WriteLine($"point double     {measure(seconds, () => p = Secp256k1.Double(p)),14:N0}/s");
        Console.WriteLine($"point add mixed  {measure(seconds, () => p = Secp256k1.AddMixed(p, Secp256k1.G)),14:N0}/s");
        Console.WriteLine($"field sqrt       {measure(seconds, () => FieldElement.TrySqrt(b, out sink)),14:N0}/s");
        Console.WriteLine($"P table (w=5)    {measure(seconds, () => Secp256k1.OddMultiplesGlobalZ(Secp256k1.G, new AffinePoint[8], out _)),14:N0}/s");
        var hash = Keccak256.Hash("x"u8);
        using var key = PrivateKey.FromHex("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
        var sig = key.SignHash(hash);
        Console.WriteLine($"recover          {measure(seconds, () => Ecdsa.Recover(hash, sig)),14:N0}/s");
        var pub = new byte[64];
        var rb = sig.R.ToArray();
        var sb2 = sig.S.ToArray();
        Console.WriteLine($"TryRecover       {measure(seconds, () => Secp256k1.TryRecover(hash, rb, sb2, sig.RecoveryId, pub)),14:N0}/s");
        var r = Scalar.FromBytesRaw(rb);
        var rInv = Scalar.InvertVartime(r);
        var u1 = Scalar.Mul(Scalar.Negate(Scalar.FromBytesReduced(hash)), rInv);
        var u2 = Scalar.Mul(Scalar.FromBytesRaw(sb2), rInv);
        var x = FieldElement.FromBytes(rb, out _);
        FieldElement.TrySqrt(FieldElement.Add(FieldElement.Mul(FieldElement.Square(x), x), new FieldElement(7, 0, 0, 0)), out var y);
        var bigR = new AffinePoint(x.Normalize(), y.Normalize());
        Console.WriteLine($"mul add (u1,u2,R){measure(seconds, () => Secp256k1.MulAdd(u1, u2, bigR)),14:N0}/s");
        Console.WriteLine($"mul add (s,s,G)  {measure(seconds, () => Secp256k1.MulAdd(s, s, Secp256k1.G)),14:N0}/s");
        var tx = new Transactions.Eip1559Transaction { ChainId = 1, Nonce = 1, GasLimit = 100_000, MaxFeePerGas = 10, MaxPriorityFeePerGas = 1, To = key.Address, Data = new byte[1100] };
        var signedRaw = tx.Sign(key).Raw;
        Console.WriteLine($"tx signing hash  {measure(seconds, () => tx.SigningHash()),14:N0}/s");
        Console.WriteLine($"tx decode+recover{measure(seconds, () => Transactions.SignedTransaction.Decode(signedRaw)),14:N0}/s");
        Console.WriteLine($"glv split        {measure(seconds, () => Glv.Split(s, out _, out _, out _, out _)),14:N0}/s");
        Console.WriteLine($"mul G (comb)     {measure(seconds, () => Secp256k1.MulG(s)),14:N0}/s");
        Console.WriteLine($"key comb build   {measure(seconds, () => new KeyComb(Secp256k1.G)),14:N0}/s");
        Console.WriteLine($"sign hash        {measure(seconds, () => key.SignHash(hash)),14:N0}/s");
        // The comb's 512 KiB table as a busy miner sees it, pushed out of cache between calls (4 MiB written), less
        // the cost of the writing itself: what the prefetch of the next entry is for.
        var evict = new byte[4 << 20];
        var combScalars = Enumerable.Range(0, 64).Select(i => Scalar.FromBytesReduced(Keccak256.Hash([(byte)i]))).ToArray();
        var next = 0;
        void Evict()
        {
            for (var i = 0; i < evict.Length; i += 64)
            {
                evict[i]++;
            }
        }
        var evictOnly = measure(seconds, Evict);
        var evictAndMul = measure(seconds, () =>
        {
            Evict();
            Secp256k1.MulG(combScalars[next++ & 63]);
        });
        Console.WriteLine($"mul G, cold cache {(1e6 / evictAndMul) - (1e6 / evictOnly),13:F1} us");
        var hk = new byte[32];
        var hm = new byte[97];
        var ho = new byte[32];
        Console.WriteLine($"hmac-sha256 97 B {measure(seconds, () => System.Security.Cryptography.HMACSHA256.HashData(hk, hm, ho)),14:N0}/s  (platform, key set up per call)");
        var prepared = HmacSha256.Key.Create(hk);
        Console.WriteLine($"hmac-sha256 97 B {measure(seconds, () => HmacSha256.Mac(prepared, hm, ho)),14:N0}/s  (ours, key prepared)");
        Console.WriteLine($"hmac key prepare {measure(seconds, () => prepared = HmacSha256.Key.Create(hk)),14:N0}/s");
        Console.WriteLine($"random 32 B      {measure(seconds, () => System.Security.Cryptography.RandomNumberGenerator.Fill(ho)),14:N0}/s");
        Console.WriteLine($"mul add (G, P)   {measure(seconds, () => Secp256k1.MulAdd(s, s, Secp256k1.G)),14:N0}/s");
    }
}
