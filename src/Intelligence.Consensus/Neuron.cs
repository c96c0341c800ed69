namespace Intelligence.Consensus;

/// <summary>One neuron (UID) of a subnet as the epoch sees it.</summary>
/// <param name="Stake">Stake in base units (18 decimals).</param>
/// <param name="LastUpdate">Block of the neuron's last weight update.</param>
/// <param name="RegisteredAt">Block at which the UID was (last) registered.</param>
public readonly record struct Neuron(UInt128 Stake, ulong LastUpdate, ulong RegisteredAt);
