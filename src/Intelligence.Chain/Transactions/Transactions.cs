using System.Numerics;
using Intelligence.Chain.Rlp;

namespace Intelligence.Chain.Transactions;

/// <summary>One EIP-2930 access list entry.</summary>
/// <param name="Address">The account touched.</param>
/// <param name="StorageKeys">32-byte storage slots touched.</param>
public sealed record AccessListEntry(Address Address, IReadOnlyList<byte[]> StorageKeys);

/// <summary>Fields shared by the transaction types this client signs.</summary>
public abstract record Transaction
{
    /// <summary>EIP-155 chain id.</summary>
    public required ulong ChainId { get; init; }

    /// <summary>Sender's nonce.</summary>
    public required ulong Nonce { get; init; }

    /// <summary>Gas limit.</summary>
    public required ulong GasLimit { get; init; }

    /// <summary>Recipient; null creates a contract.</summary>
    public Address? To { get; init; }

    /// <summary>Wei sent.</summary>
    public BigInteger Value { get; init; }

    /// <summary>Calldata (or init code).</summary>
    public byte[] Data { get; init; } = [];

    /// <summary>The hash that is signed.</summary>
    public abstract byte[] SigningHash();

    /// <summary>Signs and returns the raw transaction bytes for eth_sendRawTransaction.</summary>
    public SignedTransaction Sign(PrivateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var signature = key.SignHash(SigningHash());
        return new SignedTransaction(this, signature, Encode(signature), key.Address);
    }

    /// <summary>The signed wire encoding.</summary>
    internal abstract byte[] Encode(Signature signature);

    private protected RlpString ToField() => To is { } to ? RlpItem.Bytes(to.ToBytes()) : RlpItem.Bytes([]);

    private protected static RlpItem Int(BigInteger v) => RlpItem.Integer(v);
}

/// <summary>An EIP-1559 (type 2) transaction.</summary>
public sealed record Eip1559Transaction : Transaction
{
    /// <summary>EIP-2718 type byte.</summary>
    public const byte TypeByte = 0x02;

    /// <summary>Tip per gas to the block producer.</summary>
    public required BigInteger MaxPriorityFeePerGas { get; init; }

    /// <summary>Cap on base fee + tip per gas.</summary>
    public required BigInteger MaxFeePerGas { get; init; }

    /// <summary>EIP-2930 access list.</summary>
    public IReadOnlyList<AccessListEntry> AccessList { get; init; } = [];

    private List<RlpItem> Fields() =>
    [
        Int(ChainId), Int(Nonce), Int(MaxPriorityFeePerGas), Int(MaxFeePerGas), Int(GasLimit), ToField(), Int(Value),
        RlpItem.Bytes(Data),
        new RlpList(AccessList.Select(e => (RlpItem)RlpItem.List(RlpItem.Bytes(e.Address.ToBytes()), new RlpList(e.StorageKeys.Select(k => (RlpItem)RlpItem.Bytes(k)).ToList()))).ToList()),
    ];

    /// <summary>keccak256(0x02 || rlp([chainId, nonce, tip, maxFee, gas, to, value, data, accessList])).</summary>
    public override byte[] SigningHash() => Keccak256.Hash(Typed(new RlpList(Fields())));

    internal override byte[] Encode(Signature signature)
    {
        var fields = Fields();
        fields.Add(Int(signature.RecoveryId));
        fields.Add(Int(new BigInteger(signature.R, isUnsigned: true, isBigEndian: true)));
        fields.Add(Int(new BigInteger(signature.S, isUnsigned: true, isBigEndian: true)));
        return Typed(new RlpList(fields));
    }

    private static byte[] Typed(RlpItem payload)
    {
        var body = RlpCodec.Encode(payload);
        var bytes = new byte[1 + body.Length];
        bytes[0] = TypeByte;
        body.CopyTo(bytes, 1);
        return bytes;
    }
}

/// <summary>A legacy transaction with EIP-155 replay protection (v = chainId * 2 + 35 + parity).</summary>
public sealed record LegacyTransaction : Transaction
{
    /// <summary>Price per gas.</summary>
    public required BigInteger GasPrice { get; init; }

    private List<RlpItem> Fields() => [Int(Nonce), Int(GasPrice), Int(GasLimit), ToField(), Int(Value), RlpItem.Bytes(Data)];

    /// <summary>keccak256(rlp([nonce, gasPrice, gas, to, value, data, chainId, 0, 0])).</summary>
    public override byte[] SigningHash()
    {
        var fields = Fields();
        fields.Add(Int(ChainId));
        fields.Add(Int(0));
        fields.Add(Int(0));
        return Keccak256.Hash(RlpCodec.Encode(new RlpList(fields)));
    }

    internal override byte[] Encode(Signature signature)
    {
        var fields = Fields();
        fields.Add(Int(new BigInteger(ChainId) * 2 + 35 + signature.RecoveryId));
        fields.Add(Int(new BigInteger(signature.R, isUnsigned: true, isBigEndian: true)));
        fields.Add(Int(new BigInteger(signature.S, isUnsigned: true, isBigEndian: true)));
        return RlpCodec.Encode(new RlpList(fields));
    }
}

/// <summary>A signed transaction: its fields, signature, raw bytes, hash and sender.</summary>
public sealed class SignedTransaction
{
    internal SignedTransaction(Transaction transaction, Signature signature, byte[] raw, Address sender)
    {
        Transaction = transaction;
        Signature = signature;
        Raw = raw;
        Sender = sender;
        Hash = Keccak256.Hash(raw);
    }

    /// <summary>The unsigned fields.</summary>
    public Transaction Transaction { get; }

    /// <summary>The signature.</summary>
    public Signature Signature { get; }

    /// <summary>Raw bytes for eth_sendRawTransaction.</summary>
    public byte[] Raw { get; }

    /// <summary>Transaction hash: keccak256 of the raw bytes.</summary>
    public byte[] Hash { get; }

    /// <summary>Sender (recovered when decoded).</summary>
    public Address Sender { get; }

    /// <summary>
    /// Decodes a raw EIP-1559 or EIP-155 legacy transaction, checks its signature (low s) and recovers the sender.
    /// Malformed bytes are an <see cref="RlpException"/>; a bad signature an <see cref="InvalidSignatureException"/>.
    /// </summary>
    public static SignedTransaction Decode(ReadOnlySpan<byte> raw)
    {
        if (raw.IsEmpty)
        {
            throw new RlpException("Empty transaction.");
        }
        if (raw[0] == Eip1559Transaction.TypeByte)
        {
            var list = RlpCodec.Decode(raw[1..]).AsList("transaction");
            if (list.Count != 12)
            {
                throw new RlpException($"An EIP-1559 transaction has 12 fields, got {list.Count}.");
            }
            var tx = new Eip1559Transaction
            {
                ChainId = U64(list[0], "chainId"),
                Nonce = U64(list[1], "nonce"),
                MaxPriorityFeePerGas = Big(list[2], "maxPriorityFeePerGas"),
                MaxFeePerGas = Big(list[3], "maxFeePerGas"),
                GasLimit = U64(list[4], "gas"),
                To = ToAddress(list[5]),
                Value = Big(list[6], "value"),
                Data = list[7].AsString("data").Value,
                AccessList = AccessListOf(list[8]),
            };
            var parity = U64(list[9], "yParity");
            if (parity > 1)
            {
                throw new InvalidSignatureException($"yParity must be 0 or 1, got {parity}.");
            }
            var sig = new Signature(Word(list[10], "r"), Word(list[11], "s"), (int)parity);
            return new SignedTransaction(tx, sig, raw.ToArray(), Ecdsa.Recover(tx.SigningHash(), sig));
        }
        if (raw[0] < 0xc0)
        {
            throw new RlpException($"Unsupported transaction type 0x{raw[0]:x2}.");
        }
        var legacy = RlpCodec.Decode(raw).AsList("transaction");
        if (legacy.Count != 9)
        {
            throw new RlpException($"A legacy transaction has 9 fields, got {legacy.Count}.");
        }
        var v = Big(legacy[6], "v");
        if (v < 37)
        {
            throw new InvalidSignatureException("Only EIP-155 legacy transactions (v >= 37) are accepted.");
        }
        var chainId = (v - 35) / 2;
        if (chainId > ulong.MaxValue)
        {
            throw new RlpException("Chain id out of range.");
        }
        var ltx = new LegacyTransaction
        {
            ChainId = (ulong)chainId,
            Nonce = U64(legacy[0], "nonce"),
            GasPrice = Big(legacy[1], "gasPrice"),
            GasLimit = U64(legacy[2], "gas"),
            To = ToAddress(legacy[3]),
            Value = Big(legacy[4], "value"),
            Data = legacy[5].AsString("data").Value,
        };
        var lsig = new Signature(Word(legacy[7], "r"), Word(legacy[8], "s"), (int)((v - 35) % 2));
        return new SignedTransaction(ltx, lsig, raw.ToArray(), Ecdsa.Recover(ltx.SigningHash(), lsig));
    }

    private static ulong U64(RlpItem item, string what) => item.AsString(what).ToUInt64();

    private static BigInteger Big(RlpItem item, string what) => item.AsString(what).ToBigInteger();

    private static byte[] Word(RlpItem item, string what)
    {
        var b = item.AsString(what).ToBigInteger();
        var bytes = b.ToByteArray(isUnsigned: true, isBigEndian: true);
        var word = new byte[32];
        bytes.CopyTo(word, 32 - bytes.Length);
        return word;
    }

    private static Address? ToAddress(RlpItem item)
    {
        var bytes = item.AsString("to").Value;
        return bytes.Length switch
        {
            0 => null,
            Address.Length => new Address(bytes),
            _ => throw new RlpException($"'to' must be empty or 20 bytes, got {bytes.Length}."),
        };
    }

    private static IReadOnlyList<AccessListEntry> AccessListOf(RlpItem item)
    {
        var result = new List<AccessListEntry>();
        foreach (var entry in item.AsList("accessList").Items)
        {
            var pair = entry.AsList("access list entry");
            if (pair.Count != 2)
            {
                throw new RlpException("An access list entry is [address, storageKeys].");
            }
            var address = pair[0].AsString("access list address").Value;
            if (address.Length != Address.Length)
            {
                throw new RlpException("An access list address is 20 bytes.");
            }
            var keys = pair[1].AsList("storage keys").Items.Select(k =>
            {
                var key = k.AsString("storage key").Value;
                return key.Length == 32 ? key : throw new RlpException("A storage key is 32 bytes.");
            }).ToList();
            result.Add(new AccessListEntry(new Address(address), keys));
        }
        return result;
    }
}
