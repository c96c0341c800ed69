using System.Buffers;
using System.Text;
using Intelligence.State.Resp;

namespace Intelligence.State.Tests;

/// <summary>
/// Fuzz target for the RESP reader: any byte string either parses (and then re-encodes to the same value),
/// reports "need more bytes", or throws <see cref="RespProtocolException"/>. Anything else is a bug.
/// An external fuzzer can drive <see cref="Run"/>; the suite smoke-runs it on generated and mutated inputs.
/// </summary>
public static class RespReaderFuzzTarget
{
    /// <summary>Runs one input through the reader and checks the invariants.</summary>
    public static void Run(ReadOnlySpan<byte> input)
    {
        var data = input.ToArray();
        var reader = new RespReader(data);
        try
        {
            while (reader.TryRead(out var value))
            {
                var buffer = new ArrayBufferWriter<byte>();
                RespWriter.WriteValue(buffer, value);
                var again = new RespReader(buffer.WrittenMemory);
                if (!again.TryRead(out var back) || back != value || !again.End)
                {
                    throw new InvalidOperationException("value did not survive a write/read round trip: " + value);
                }
            }
        }
        catch (RespProtocolException)
        {
            // the one allowed failure
        }
    }
}

public class RespReaderFuzzTests
{
    // Bytes that steer random input towards the grammar so the fuzz reaches deep paths.
    private static readonly byte[] Alphabet = Encoding.ASCII.GetBytes("+-:$*_,#!=(%|~>\r\n0123456789-tfinax?:");

    [Fact]
    public void Run_RandomGrammarBiasedInputs_OnlyTypedErrors()
    {
        var random = new Random(12345);
        for (var i = 0; i < 20_000; i++)
        {
            var input = new byte[random.Next(1, 48)];
            for (var j = 0; j < input.Length; j++)
            {
                input[j] = random.Next(8) == 0 ? (byte)random.Next(256) : Alphabet[random.Next(Alphabet.Length)];
            }

            RespReaderFuzzTarget.Run(input);
        }
    }

    [Fact]
    public void Run_MutatedValidEncodings_OnlyTypedErrors()
    {
        var random = new Random(54321);
        for (var i = 0; i < 5_000; i++)
        {
            var buffer = new ArrayBufferWriter<byte>();
            RespWriter.WriteValue(buffer, RespGen.Value(random, 0));
            var input = buffer.WrittenSpan.ToArray().ToList();
            for (var m = random.Next(1, 4); m > 0 && input.Count > 0; m--)
            {
                var at = random.Next(input.Count);
                switch (random.Next(4))
                {
                    case 0: input[at] = (byte)random.Next(256); break;
                    case 1: input.RemoveAt(at); break;
                    case 2: input.Insert(at, Alphabet[random.Next(Alphabet.Length)]); break;
                    default: input.RemoveRange(at, input.Count - at); break;
                }
            }

            RespReaderFuzzTarget.Run(input.ToArray());
        }
    }

    [Fact]
    public void Run_BrokenRoundTrip_WouldBeDetected()
    {
        // The target's own check must be able to fail: a value whose re-encoding differs is reported.
        var ok = Encoding.ASCII.GetBytes("*2\r\n:1\r\n+a\r\n");
        RespReaderFuzzTarget.Run(ok);
        var reader = new RespReader(ok);
        Assert.True(reader.TryRead(out var value));
        Assert.NotEqual(value, RespValue.FromItems(RespType.Array, [RespValue.FromInteger(1)]));
    }
}
