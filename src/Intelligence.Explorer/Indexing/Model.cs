using System.Numerics;

namespace Intelligence.Explorer.Indexing;

/// <summary>Where the contracts of a deployment live: the JSON that contracts/script/Deploy.s.sol writes.</summary>
public sealed record Deployment(ulong ChainId, string Network, string Token, string Views, ulong StartBlock);

/// <summary>A block as the index remembers it: number, hash (0x hex) and timestamp (unix seconds).</summary>
public sealed record BlockRef(ulong Number, string Hash, ulong Timestamp);

/// <summary>A subnet's hyperparameters as stored on chain.</summary>
public sealed record SubnetParameters(
    uint Tempo, uint Kappa, uint BondsMovingAverage, uint BondsPenalty, ushort MaxUids, ushort MaxValidators,
    uint ImmunityPeriod, uint ActivityCutoff, ushort MinAllowedWeights, uint WeightsRateLimit, bool CommitReveal,
    uint RevealPeriod, BigInteger MinBurn, BigInteger MaxBurn, BigInteger StakeThreshold);

/// <summary>One subnet as of one block.</summary>
public sealed record SubnetState(
    ushort Netuid, string Owner, int N, ulong CreatedAt, ulong LastEpoch, ulong Epochs, BigInteger Burn,
    BigInteger StakeSnapshot, SubnetParameters Parameters);

/// <summary>An axon endpoint; <see cref="Endpoint"/> is host:port, or null when none is served.</summary>
public sealed record AxonInfo(string? Endpoint, byte IpType, ushort Port, uint ProtocolVersion, ulong Block);

/// <summary>One neuron of a metagraph (u16 fractions as stored on chain: 65535 = 1).</summary>
public sealed record NeuronState(
    ushort Uid, string Hotkey, string Coldkey, BigInteger Stake, BigInteger EffectiveStake, AxonInfo Axon,
    ulong LastUpdate, ulong RegisteredAt, bool ValidatorPermit, bool Active, ushort Consensus, ushort ValidatorTrust,
    ushort Incentive, ushort Dividends, BigInteger Emission);

/// <summary>A decoded event of the Network contract. <see cref="Fields"/> are the event's own values as text.</summary>
public sealed record ChainEvent(ulong Block, ulong LogIndex, string Transaction, string Kind, ushort? Netuid, IReadOnlyDictionary<string, string> Fields);

/// <summary>The EpochRun event: one epoch of one subnet.</summary>
public sealed record EpochRun(ushort Netuid, ulong Epoch, ulong Block, BigInteger Emission, BigInteger KeeperFee, BigInteger OwnerEmission, string Keeper);
