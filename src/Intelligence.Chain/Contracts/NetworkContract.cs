namespace Intelligence.Chain.Contracts;

public sealed partial class NetworkContract
{
    /// <summary>
    /// The hash a validator commits before revealing its weights: keccak256(abi.encode(hotkey, netuid, uids,
    /// weights, salt)), as Network.revealWeights recomputes it from the reveal's calldata.
    /// </summary>
    public static byte[] CommitHash(Address hotkey, ushort netuid, IReadOnlyList<ushort> uids, IReadOnlyList<ushort> weights, byte[] salt)
    {
        ArgumentNullException.ThrowIfNull(uids);
        ArgumentNullException.ThrowIfNull(weights);
        return Keccak256.Hash(ContractAbi.Encode(("address", hotkey), ("uint16", netuid), ("uint16[]", uids.ToList()), ("uint16[]", weights.ToList()), ("bytes32", salt)));
    }
}
