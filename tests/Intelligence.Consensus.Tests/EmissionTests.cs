namespace Intelligence.Consensus.Tests;

public class EmissionTests
{
    private static readonly UInt128 Token = TestCases.Token;

    [Fact]
    public void BlockReward_HalvesAtEachThreshold()
    {
        Assert.Equal(Token, EmissionSchedule.BlockReward(0));
        Assert.Equal(10_500_000 * Token, EmissionSchedule.EraEnd(0));
        Assert.Equal(15_750_000 * Token, EmissionSchedule.EraEnd(1));
        Assert.Equal(18_375_000 * Token, EmissionSchedule.EraEnd(2));
        Assert.Equal(Token, EmissionSchedule.BlockReward((10_500_000 * Token) - Token));
        Assert.Equal(Token / 2, EmissionSchedule.BlockReward(10_500_000 * Token));
        Assert.Equal(Token / 4, EmissionSchedule.BlockReward(15_750_000 * Token));
        Assert.Equal(UInt128.Zero, EmissionSchedule.BlockReward(EmissionSchedule.Cap));
    }

    [Fact]
    public void BlockReward_NeverCrossesAThreshold()
    {
        // Half a token before the end of era 0 the reward is only that half token.
        Assert.Equal(Token / 2, EmissionSchedule.BlockReward((10_500_000 * Token) - (Token / 2)));
    }

    [Fact]
    public void RewardOverBlocks_EqualsBlockByBlockSum()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 200; trial++)
        {
            // Start near an era boundary, with an odd offset so the clipped block occurs.
            int era = rng.Next(0, 70);
            UInt128 start = EmissionSchedule.EraEnd(Math.Min(era, 80)) - (UInt128)(ulong)rng.NextInt64(0, 3_000_000_000_000_000_000);
            if (start >= EmissionSchedule.Cap)
            {
                start = EmissionSchedule.Cap - 1;
            }
            ulong blocks = (ulong)rng.Next(0, 40);
            UInt128 x = start;
            for (ulong b = 0; b < blocks; b++)
            {
                x += EmissionSchedule.BlockReward(x);
            }
            Assert.Equal(x - start, EmissionSchedule.RewardOverBlocks(start, blocks));
        }
    }

    [Fact]
    public void RewardOverBlocks_WholeSchedule_StaysAtOrBelowTheCap()
    {
        UInt128 all = EmissionSchedule.RewardOverBlocks(0, ulong.MaxValue);
        Assert.True(all <= EmissionSchedule.Cap);
        // Era 0 alone is 10.5M blocks of one token.
        Assert.Equal(10_500_000 * Token, EmissionSchedule.RewardOverBlocks(0, 10_500_000));
        Assert.Equal((10_500_000 * Token) + (Token / 2), EmissionSchedule.RewardOverBlocks(0, 10_500_001));
    }

    [Fact]
    public void Ledger_SplitsByStakeSnapshot_AndPaysTheKeeper()
    {
        var ledger = new EmissionLedger(genesisBlock: 100);
        ledger.CreateSubnet(1, 100);
        ledger.CreateSubnet(2, 100);
        // No stake snapshots yet: 10 blocks split equally -> 5 tokens each; fee 5/1000.
        var (e1, fee1) = ledger.Epoch(1, 110, snapshotStake: 300 * Token);
        Assert.Equal(5 * Token / 1000, fee1);
        Assert.Equal((5 * Token) - fee1, e1);
        var (e2, _) = ledger.Epoch(2, 110, snapshotStake: 100 * Token);
        Assert.Equal((5 * Token) - (5 * Token / 1000), e2);
        // Next 8 blocks: stakes 300:100 -> 6 and 2 tokens.
        var (e1b, fee1b) = ledger.Epoch(1, 118, 300 * Token);
        var (e2b, fee2b) = ledger.Epoch(2, 118, 100 * Token);
        Assert.Equal(6 * Token, e1b + fee1b);
        Assert.Equal(2 * Token, e2b + fee2b);
        Assert.Equal(18 * Token, ledger.Issuance);
    }

    [Fact]
    public void Ledger_WithoutSubnets_IssuesNothing_AndDustIsNeverOverpaid()
    {
        var ledger = new EmissionLedger(genesisBlock: 0);
        ledger.CreateSubnet(7, 50);
        Assert.Equal(UInt128.Zero, ledger.Issuance);
        ledger.CreateSubnet(8, 50);
        ledger.CreateSubnet(9, 50);
        UInt128 paid = UInt128.Zero;
        ulong block = 50;
        for (int round = 0; round < 20; round++)
        {
            block += 7;
            foreach (int netuid in new[] { 7, 8, 9 })
            {
                var (e, fee) = ledger.Epoch(netuid, block, (UInt128)(netuid * 3 + round) * Token / 7);
                paid += e + fee;
            }
        }
        Assert.True(paid <= ledger.Issuance);
        // Dust is at most one base unit per division per subnet epoch.
        Assert.True(ledger.Issuance - paid < 100);
    }

    [Fact]
    public void Ledger_RejectsTimeTravelAndUnknownSubnets()
    {
        var ledger = new EmissionLedger(genesisBlock: 10);
        ledger.CreateSubnet(1, 20);
        Assert.Throws<ArgumentOutOfRangeException>(() => ledger.Epoch(1, 19, 0));
        Assert.Throws<ArgumentException>(() => ledger.Epoch(2, 30, 0));
        Assert.Throws<ArgumentException>(() => ledger.CreateSubnet(1, 30));
    }
}
