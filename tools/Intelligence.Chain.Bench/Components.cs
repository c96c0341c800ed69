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
        Console.WriteLine($"field invert     {measure(seconds, () => sink = FieldElement.Invert(sink)),14:N0}/s");
        var s = Scalar.FromBytesReduced(Keccak256.Hash("s"u8));
        var t = s;
        Console.WriteLine($"scalar montmul   {measure(seconds, () => t = Scalar.MontMul(t, s)),14:N0}/s");
        Console.WriteLine($"scalar invert    {measure(seconds, () => t = Scalar.Invert(t)),14:N0}/s");
        var p = JacobianPoint.FromAffine(Secp256k1.G);
        Console.WriteLine($"point double     {measure(seconds, () => p = Secp256k1.Double(p)),14:N0}/s");
        Console.WriteLine($"point add mixed  {measure(seconds, () => p = Secp256k1.AddMixed(p, Secp256k1.G)),14:N0}/s");
        Console.WriteLine($"glv split        {measure(seconds, () => Glv.Split(s, out _, out _, out _, out _)),14:N0}/s");
        Console.WriteLine($"mul G            {measure(seconds, () => Secp256k1.MulG(s)),14:N0}/s");
        Console.WriteLine($"mul add (G, P)   {measure(seconds, () => Secp256k1.MulAdd(s, s, Secp256k1.G)),14:N0}/s");
    }
}
