using System.Numerics;

namespace Intelligence.Consensus;

/// <summary>
/// The lazy split of block rewards between subnets (docs/consensus.md sections 4.2-4.3), event by event exactly as
/// the contract accrues it: reward-per-stake accumulators, snapshot stakes, and the keeper fee of each epoch.
/// </summary>
public sealed class EmissionLedger
{
    /// <summary>Fixed-point scale of the accumulators (<c>10^36</c>).</summary>
    public static readonly BigInteger Scale = BigInteger.Pow(10, 36);

    /// <summary>Keeper fee divisor: the caller of an epoch receives <c>E_subnet / 1000</c>.</summary>
    public const uint KeeperFeeDivisor = 1000;

    private readonly Dictionary<int, SubnetAccount> _subnets = [];
    private BigInteger _accStake;
    private BigInteger _accEqual;

    /// <summary>Starts a ledger at <paramref name="genesisBlock"/> with nothing issued.</summary>
    public EmissionLedger(ulong genesisBlock, UInt128 issuance = default)
    {
        LastBlock = genesisBlock;
        Issuance = issuance;
    }

    /// <summary>Tokens (base units) accrued so far, including undistributed floor dust.</summary>
    public UInt128 Issuance { get; private set; }

    /// <summary>Block of the last event.</summary>
    public ulong LastBlock { get; private set; }

    /// <summary>Registers subnet <paramref name="netuid"/> at <paramref name="block"/> with snapshot stake 0.</summary>
    public void CreateSubnet(int netuid, ulong block)
    {
        Accrue(block);
        if (!_subnets.TryAdd(netuid, new SubnetAccount { AccStake = _accStake, AccEqual = _accEqual }))
        {
            throw new ArgumentException($"subnet {netuid} already exists", nameof(netuid));
        }
    }

    /// <summary>
    /// Runs the money side of an epoch of <paramref name="netuid"/> at <paramref name="block"/>: returns the emission the
    /// epoch distributes and the keeper fee, then stores <paramref name="snapshotStake"/> as the subnet's new weight.
    /// </summary>
    public (UInt128 EpochEmission, UInt128 KeeperFee) Epoch(int netuid, ulong block, UInt128 snapshotStake)
    {
        if (!_subnets.TryGetValue(netuid, out var account))
        {
            throw new ArgumentException($"subnet {netuid} does not exist", nameof(netuid));
        }
        if (snapshotStake >= FixedPoint.AmountLimit)
        {
            throw new ArgumentOutOfRangeException(nameof(snapshotStake), snapshotStake, "stake must be below 2^96");
        }
        Accrue(block);
        var total = (((BigInteger)account.Stake * (_accStake - account.AccStake)) + (_accEqual - account.AccEqual)) / Scale;
        account.AccStake = _accStake;
        account.AccEqual = _accEqual;
        account.Stake = snapshotStake;
        var subnetEmission = (UInt128)total;
        UInt128 fee = subnetEmission / KeeperFeeDivisor;
        return (subnetEmission - fee, fee);
    }

    private void Accrue(ulong block)
    {
        if (block < LastBlock)
        {
            throw new ArgumentOutOfRangeException(nameof(block), block, $"events must not go back in time (last event at {LastBlock})");
        }
        UInt128 reward = EmissionSchedule.RewardOverBlocks(Issuance, block - LastBlock);
        LastBlock = block;
        if (reward == UInt128.Zero || _subnets.Count == 0)
        {
            return;
        }
        BigInteger totalStake = BigInteger.Zero;
        foreach (var account in _subnets.Values)
        {
            totalStake += (BigInteger)account.Stake;
        }
        if (totalStake > 0)
        {
            _accStake += (BigInteger)reward * Scale / totalStake;
        }
        else
        {
            _accEqual += (BigInteger)reward * Scale / _subnets.Count;
        }
        Issuance += reward;
    }

    private sealed class SubnetAccount
    {
        public UInt128 Stake { get; set; }

        public BigInteger AccStake { get; set; }

        public BigInteger AccEqual { get; set; }
    }
}
