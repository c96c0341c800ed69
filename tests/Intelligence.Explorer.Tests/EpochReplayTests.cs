using System.Numerics;
using Intelligence.Consensus;
using Intelligence.Explorer.Indexing;

namespace Intelligence.Explorer.Tests;

/// <summary>The parity comparison on its own: what the chain stored against what <see cref="YumaEpoch"/> computes.</summary>
public class EpochReplayTests
{
    private static (EpochRun Run, NeuronState[] After, ushort[][] Bonds, EpochResult Result) Agreeing()
    {
        var weights = new SparseU16Matrix.Builder(3).Set(0, 1, 40_000).Set(0, 2, 20_000).Set(1, 2, 65_535).Build();
        var input = new EpochInput
        {
            Block = 100,
            Emission = 999_000,
            Neurons = [new Neuron(3_000, 99, 1), new Neuron(1_000, 99, 1), new Neuron(0, 99, 1)],
            Weights = weights,
            Bonds = SparseU16Matrix.Empty(3),
        };
        var result = YumaEpoch.Run(input);
        var after = Enumerable.Range(0, 3).Select(u => new NeuronState((ushort)u, "0xh", "0xc", 0, 0, new AxonInfo(null, 0, 0, 0, 0), 99, 1,
            result.ValidatorPermit[u], result.Active[u], EpochReplay.ToU16(result.Consensus[u]), EpochReplay.ToU16(result.ValidatorTrust[u]),
            EpochReplay.ToU16(result.Incentive[u]), EpochReplay.ToU16(result.Dividends[u]), (BigInteger)result.Emission[u])).ToArray();
        var bonds = Enumerable.Range(0, 3).Select(i => Enumerable.Range(0, 3).Select(j => result.Bonds[i, j]).ToArray()).ToArray();
        var run = new EpochRun(1, 7, 100, 1_000_000, 1_000, (BigInteger)result.OwnerEmission, "0xk");
        return (run, after, bonds, result);
    }

    [Fact]
    public void Compare_WhatTheEpochComputes_HasNoDifference()
    {
        var (run, after, bonds, result) = Agreeing();
        Assert.Empty(EpochReplay.Compare(run, after, bonds, 3, result));
        Assert.True(result.Emission.Aggregate(UInt128.Zero, (s, e) => s + e) > 0);
    }

    [Fact]
    public void Compare_OneCreditedEmissionOff_NamesThatField()
    {
        var (run, after, bonds, result) = Agreeing();
        after[2] = after[2] with { Emission = after[2].Emission + 1 };
        var difference = Assert.Single(EpochReplay.Compare(run, after, bonds, 3, result));
        Assert.StartsWith("uid 2 emission: chain", difference, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_WrongKeeperFeeAndABond_AreBothReported()
    {
        var (run, after, bonds, result) = Agreeing();
        bonds[0][1] ^= 1;
        var differences = EpochReplay.Compare(run with { KeeperFee = 999 }, after, bonds, 3, result);
        Assert.Equal(2, differences.Count);
        Assert.Contains(differences, d => d.StartsWith("keeper fee", StringComparison.Ordinal));
        Assert.Contains(differences, d => d.StartsWith("bond [0][1]", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("127.0.0.1", 4, 8091, "127.0.0.1:8091")]
    [InlineData("0", 4, 8091, null)]
    [InlineData("127.0.0.1", 4, 0, null)]
    [InlineData("::1", 6, 443, "[::1]:443")]
    public void FormatEndpoint_OfAnOnChainAxon(string ip, byte type, ushort port, string? expected)
    {
        var value = ip == "0" ? BigInteger.Zero : new BigInteger(System.Net.IPAddress.Parse(ip).GetAddressBytes(), isUnsigned: true, isBigEndian: true);
        Assert.Equal(expected, ChainReader.FormatEndpoint(value, type, port));
    }
}
