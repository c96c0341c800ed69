using System.Numerics;
using System.Text.Json;
using Intelligence.Chain.Rlp;
using Intelligence.Chain.Transactions;

namespace Intelligence.Chain.Tests;

public class TransactionTests
{
    private const string Key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
    private static readonly Address Recipient = Address.Parse("0x70997970C51812dc3A010C7d01b50e0d17dc79C8");

    [Fact]
    public void Eip1559_RandomFields_MatchCastMktxByteForByte()
    {
        using var key = PrivateKey.FromHex(Key);
        var rng = new Random(31);
        for (var i = 0; i < 4; i++)
        {
            var tx = new Eip1559Transaction
            {
                ChainId = (ulong)rng.Next(1, 100_000),
                Nonce = (ulong)rng.Next(0, 1000),
                GasLimit = (ulong)rng.Next(21_000, 3_000_000),
                MaxFeePerGas = new BigInteger(rng.NextInt64(1_000_000_000, 500_000_000_000)),
                MaxPriorityFeePerGas = new BigInteger(rng.Next(1, 1_000_000_000)),
                To = Recipient,
                Value = new BigInteger(rng.NextInt64()),
                Data = Hex.Decode(Tools.RunCast("calldata", "f(uint256)", i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
            };
            var signed = tx.Sign(key);
            var cast = Tools.RunCast("mktx", "--private-key", Key, "--chain", tx.ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--nonce", tx.Nonce.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--gas-limit", tx.GasLimit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--gas-price", tx.MaxFeePerGas.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--priority-gas-price", tx.MaxPriorityFeePerGas.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--value", tx.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Recipient.ToString(), "f(uint256)", i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(cast, Hex.Encode(signed.Raw));

            var decoded = SignedTransaction.Decode(signed.Raw);
            Assert.Equal(key.Address, decoded.Sender);
            var back = Assert.IsType<Eip1559Transaction>(decoded.Transaction);
            Assert.Equal((tx.ChainId, tx.Nonce, tx.GasLimit, tx.To, tx.Value, tx.MaxFeePerGas, tx.MaxPriorityFeePerGas),
                (back.ChainId, back.Nonce, back.GasLimit, back.To, back.Value, back.MaxFeePerGas, back.MaxPriorityFeePerGas));
            Assert.Equal(tx.Data, back.Data);
            Assert.Equal(signed.Hash, decoded.Hash);
        }
    }

    [Fact]
    public void Legacy_Eip155_MatchesCastMktxAndDecodes()
    {
        using var key = PrivateKey.FromHex(Key);
        var tx = new LegacyTransaction { ChainId = 31337, Nonce = 3, GasLimit = 21000, GasPrice = 2_000_000_000, To = Recipient, Value = 12345 };
        var signed = tx.Sign(key);
        var cast = Tools.RunCast("mktx", "--legacy", "--private-key", Key, "--chain", "31337", "--nonce", "3", "--gas-limit", "21000",
            "--gas-price", "2000000000", "--value", "12345", Recipient.ToString());
        Assert.Equal(cast, Hex.Encode(signed.Raw));
        var decoded = SignedTransaction.Decode(signed.Raw);
        Assert.Equal(key.Address, decoded.Sender);
        Assert.Equal(31337UL, decoded.Transaction.ChainId);
    }

    [Fact]
    public void Decode_CastSignedTransaction_MatchesCastDecodeTx()
    {
        var raw = Tools.RunCast("mktx", "--private-key", Key, "--chain", "5", "--nonce", "9", "--gas-limit", "50000",
            "--gas-price", "30000000000", "--priority-gas-price", "1000000000", "--value", "1", Recipient.ToString());
        var decoded = SignedTransaction.Decode(Hex.Decode(raw));
        // cast prints the decoded transaction as a JSON string that holds JSON.
        var text = Tools.RunCast("decode-tx", raw);
        if (text.StartsWith('"'))
        {
            text = JsonSerializer.Deserialize<string>(text)!;
        }
        using var json = JsonDocument.Parse(text);
        var root = json.RootElement;
        Assert.Equal(root.GetProperty("r").GetString(), "0x" + new BigInteger(decoded.Signature.R, isUnsigned: true, isBigEndian: true).ToString("x", System.Globalization.CultureInfo.InvariantCulture).TrimStart('0'));
        Assert.Equal(root.GetProperty("signer").GetString()!.ToLowerInvariant(), decoded.Sender.ToLowerHex());
        Assert.Equal(root.GetProperty("hash").GetString(), Hex.Encode(decoded.Hash));
        var tx = Assert.IsType<Eip1559Transaction>(decoded.Transaction);
        Assert.Equal(9UL, tx.Nonce);
        Assert.Equal(new BigInteger(30_000_000_000), tx.MaxFeePerGas);
    }

    [Fact]
    public void Decode_TamperedOrMalformed_ThrowsTypedErrors()
    {
        using var key = PrivateKey.FromHex(Key);
        var tx = new Eip1559Transaction { ChainId = 1, Nonce = 0, GasLimit = 21000, MaxFeePerGas = 10, MaxPriorityFeePerGas = 1, To = Recipient };
        var raw = tx.Sign(key).Raw;
        Assert.Throws<RlpException>(() => SignedTransaction.Decode(raw[..^1]));
        Assert.Throws<RlpException>(() => SignedTransaction.Decode([]));
        Assert.Throws<RlpException>(() => SignedTransaction.Decode([0x05, 0xc0]));
        Assert.Throws<RlpException>(() => SignedTransaction.Decode([.. raw, 0x00])); // trailing byte
        Assert.Throws<RlpException>(() => SignedTransaction.Decode([0x02, 0x80])); // a string, not the field list
        // The same list with its length written in the long form (0xf8 0x6x instead of 0xf8.. minimal): non-canonical.
        var body = raw[1..];
        if (body[0] >= 0xc0 && body[0] <= 0xf7)
        {
            Assert.Throws<RlpException>(() => SignedTransaction.Decode([0x02, 0xf8, (byte)(body[0] - 0xc0), .. body[1..]]));
        }
        var other = (byte[])raw.Clone();
        other[^40] ^= 0x01; // flip a bit in r: recovers someone else or nothing
        try
        {
            Assert.NotEqual(key.Address, SignedTransaction.Decode(other).Sender);
        }
        catch (InvalidSignatureException)
        {
            // Also acceptable: r no longer on the curve.
        }
    }
}
