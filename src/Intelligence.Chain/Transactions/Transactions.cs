using System.Numerics;
using Intelligence.Chain.Rlp;
using Nethereum.Model;
using NethereumRlp = Nethereum.RLP;

namespace Intelligence.Chain.Transactions;

/// <summary>One EIP-2930 access list entry.</summary>
/// <param name="Address">The account touched.</param>
/// <param name="StorageKeys">32-byte storage slots touched.</param>
public sealed record AccessListEntry(Address Address, IReadOnlyList<byte[]> StorageKeys);

/// <summary>
/// Fields shared by the transaction types this client signs. The wire encoding is Nethereum.Model's
/// (<see cref="Transaction1559"/>, <see cref="LegacyTransactionChainId"/>); the signature comes from libsecp256k1
/// through <see cref="PrivateKey.SignHash"/>.
/// </summary>
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

    private protected string? ToHex() => To?.ToLowerHex();

    /// <summary>A non-negative integer as RLP wants it: big-endian, no leading zero bytes, zero as no bytes.</summary>
    private protected static byte[] Int(BigInteger v) => v.IsZero ? [] : v.ToByteArray(isUnsigned: true, isBigEndian: true);

    private protected static byte[] Trim(ReadOnlySpan<byte> word) => word.TrimStart((byte)0).ToArray();
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

    /// <inheritdoc />
    public override byte[] SigningHash() => Keccak256.Hash(Model().GetRLPEncodedRaw());

    internal override byte[] Encode(Signature signature)
    {
        var tx = Model();
        tx.SetSignature(new Nethereum.Model.Signature(Trim(signature.R), Trim(signature.S), signature.RecoveryId == 0 ? [] : [1]));
        return tx.GetRLPEncoded();
    }

    private Transaction1559 Model() => new(ChainId, Nonce, MaxPriorityFeePerGas, MaxFeePerGas, GasLimit, ToHex(), Value,
        Convert.ToHexStringLower(Data),
        [.. AccessList.Select(e => new AccessListItem(e.Address.ToLowerHex(), [.. e.StorageKeys]))]);
}

/// <summary>A legacy transaction with EIP-155 replay protection.</summary>
public sealed record LegacyTransaction : Transaction
{
    /// <summary>Gas price in wei.</summary>
    public required BigInteger GasPrice { get; init; }

    /// <inheritdoc />
    public override byte[] SigningHash() => Keccak256.Hash(Model().GetRLPEncodedRaw());

    internal override byte[] Encode(Signature signature)
    {
        var tx = Model();
        tx.SetSignature(new Nethereum.Model.Signature(Trim(signature.R), Trim(signature.S), Int((new BigInteger(ChainId) * 2) + 35 + signature.RecoveryId)));
        return tx.GetRLPEncoded();
    }

    private LegacyTransactionChainId Model() =>
        new(Int(Nonce), Int(GasPrice), Int(GasLimit), To?.ToBytes() ?? [], Int(Value), Data, Int(ChainId));
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
    /// Decodes a raw EIP-1559 or EIP-155 legacy transaction (Nethereum's RLP decoder), checks its signature (low s)
    /// and recovers the sender. Only the canonical encoding is accepted: the decoded transaction must encode back to
    /// exactly <paramref name="raw"/>, so trailing bytes, non-minimal lengths or integers are refused. Malformed bytes
    /// are an <see cref="RlpException"/>; a bad signature an <see cref="InvalidSignatureException"/>.
    /// </summary>
    public static SignedTransaction Decode(ReadOnlySpan<byte> raw)
    {
        if (raw.IsEmpty)
        {
            throw new RlpException("Empty transaction.");
        }
        SignedTransaction decoded;
        if (raw[0] == Eip1559Transaction.TypeByte)
        {
            var list = Fields(raw[1..], 12, "An EIP-1559 transaction");
            var tx = new Eip1559Transaction
            {
                ChainId = U64(list[0], "chainId"),
                Nonce = U64(list[1], "nonce"),
                MaxPriorityFeePerGas = Big(list[2], "maxPriorityFeePerGas"),
                MaxFeePerGas = Big(list[3], "maxFeePerGas"),
                GasLimit = U64(list[4], "gas"),
                To = ToAddress(list[5]),
                Value = Big(list[6], "value"),
                Data = Bytes(list[7], "data"),
                AccessList = AccessListOf(list[8]),
            };
            var parity = U64(list[9], "yParity");
            if (parity > 1)
            {
                throw new InvalidSignatureException($"yParity must be 0 or 1, got {parity}.");
            }
            var sig = new Signature(Word(list[10], "r"), Word(list[11], "s"), (int)parity);
            decoded = new SignedTransaction(tx, sig, raw.ToArray(), Ecdsa.Recover(tx.SigningHash(), sig));
            Canonical(tx.Encode(sig), raw);
            return decoded;
        }
        if (raw[0] < 0xc0)
        {
            throw new RlpException($"Unsupported transaction type 0x{raw[0]:x2}.");
        }
        var legacy = Fields(raw, 9, "A legacy transaction");
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
            Data = Bytes(legacy[5], "data"),
        };
        var lsig = new Signature(Word(legacy[7], "r"), Word(legacy[8], "s"), (int)((v - 35) % 2));
        decoded = new SignedTransaction(ltx, lsig, raw.ToArray(), Ecdsa.Recover(ltx.SigningHash(), lsig));
        Canonical(ltx.Encode(lsig), raw);
        return decoded;
    }

    private static NethereumRlp.RLPCollection Fields(ReadOnlySpan<byte> rlp, int count, string what)
    {
        NethereumRlp.IRLPElement element;
        try
        {
            element = NethereumRlp.RLP.Decode(rlp.ToArray());
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new RlpException($"{what} is not valid RLP: {e.Message}");
        }
        if (element is not NethereumRlp.RLPCollection list)
        {
            throw new RlpException($"{what} is an RLP list.");
        }
        if (list.Count != count)
        {
            throw new RlpException($"{what} has {count} fields, got {list.Count}.");
        }
        return list;
    }

    private static void Canonical(byte[] reencoded, ReadOnlySpan<byte> raw)
    {
        if (!raw.SequenceEqual(reencoded))
        {
            throw new RlpException("The transaction is not canonically encoded (it does not re-encode to the same bytes).");
        }
    }

    private static byte[] Bytes(NethereumRlp.IRLPElement item, string what) =>
        item is NethereumRlp.RLPCollection ? throw new RlpException($"'{what}' is a byte string, not a list.") : item.RLPData ?? [];

    private static ulong U64(NethereumRlp.IRLPElement item, string what)
    {
        var value = Big(item, what);
        return value <= ulong.MaxValue ? (ulong)value : throw new RlpException($"'{what}' does not fit in 64 bits.");
    }

    private static BigInteger Big(NethereumRlp.IRLPElement item, string what)
    {
        var bytes = Bytes(item, what);
        if (bytes.Length > 32)
        {
            throw new RlpException($"'{what}' is longer than 32 bytes.");
        }
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    private static byte[] Word(NethereumRlp.IRLPElement item, string what)
    {
        var bytes = Bytes(item, what);
        if (bytes.Length > 32)
        {
            throw new RlpException($"'{what}' is longer than 32 bytes.");
        }
        var word = new byte[32];
        bytes.CopyTo(word, 32 - bytes.Length);
        return word;
    }

    private static Address? ToAddress(NethereumRlp.IRLPElement item)
    {
        var bytes = Bytes(item, "to");
        return bytes.Length switch
        {
            0 => null,
            Address.Length => new Address(bytes),
            _ => throw new RlpException($"'to' must be empty or 20 bytes, got {bytes.Length}."),
        };
    }

    private static IReadOnlyList<AccessListEntry> AccessListOf(NethereumRlp.IRLPElement item)
    {
        if (item is not NethereumRlp.RLPCollection entries)
        {
            throw new RlpException("The access list is an RLP list.");
        }
        var result = new List<AccessListEntry>();
        foreach (var entry in entries)
        {
            if (entry is not NethereumRlp.RLPCollection { Count: 2 } pair || pair[1] is not NethereumRlp.RLPCollection storage)
            {
                throw new RlpException("An access list entry is [address, storageKeys].");
            }
            var address = Bytes(pair[0], "access list address");
            if (address.Length != Address.Length)
            {
                throw new RlpException("An access list address is 20 bytes.");
            }
            var keys = storage.Select(k =>
            {
                var key = Bytes(k, "storage key");
                return key.Length == 32 ? key : throw new RlpException("A storage key is 32 bytes.");
            }).ToList();
            result.Add(new AccessListEntry(new Address(address), keys));
        }
        return result;
    }
}
