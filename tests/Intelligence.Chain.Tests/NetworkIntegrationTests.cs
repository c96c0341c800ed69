using System.Numerics;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Rpc;

namespace Intelligence.Chain.Tests;

/// <summary>
/// The generated bindings against the real contracts on anvil: deploy, create a subnet, earn tokens from
/// emission, register a validator and a miner (hotkey-signed), stake, serve an axon, commit and reveal
/// weights, run epochs, and read the metagraph (full sync and incremental refresh).
/// </summary>
public class NetworkIntegrationTests(AnvilFixture anvil) : IClassFixture<AnvilFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);

    private Task MineAsync(ulong blocks) => anvil.RawAsync("anvil_mine", RpcHex.Quantity(blocks));

    private TransactionSender SenderFor(PrivateKey key) => new(anvil.Client, key, anvil.ChainId, anvil.Nonces);

    private async Task MineUntilEpochDueAsync(NetworkContract net, ushort netuid)
    {
        var due = await net.NextEpochBlockAsync(netuid).WaitAsync(Wait);
        var head = await anvil.Client.BlockNumberAsync().WaitAsync(Wait);
        // The epoch transaction itself lands in head + 1.
        if (due > head + 1)
        {
            await MineAsync(due - head - 1);
        }
    }

    [Fact]
    public async Task FullLifecycle_RegisterStakeCommitRevealEpoch_MetagraphShowsTheResult()
    {
        using var ownerKey = await anvil.FundedKeyAsync(1000);
        using var validatorKey = await anvil.FundedKeyAsync(10);
        using var minerKey = await anvil.FundedKeyAsync(10);
        var owner = SenderFor(ownerKey);

        // Deploy as Deploy.s.sol does: Yuma, the views module, then Network (which creates the token).
        var yuma = await YumaContract.DeployAsync(owner).WaitAsync(Wait);
        var viewsModule = await NetworkViewsContract.DeployAsync(owner).WaitAsync(Wait);
        var networkAddress = await NetworkContract.DeployAsync(owner, yuma, viewsModule, BigInteger.Zero).WaitAsync(Wait);
        var net = new NetworkContract(anvil.Client, networkAddress, owner);
        var views = new NetworkViewsContract(anvil.Client, networkAddress);
        var token = new IntelligenceTokenContract(anvil.Client, await net.TokenAsync().WaitAsync(Wait), owner);

        // The first subnet is free; short tempo and reveal period so the test mines few blocks.
        var created = await net.CreateSubnetAsync(BigInteger.Zero).WaitAsync(Wait);
        var subnetLog = created.Logs.Single(NetworkContract.SubnetCreatedEvent.Matches);
        var netuid = NetworkContract.SubnetCreatedEvent.Decode(subnetLog).Netuid;
        Assert.Equal(ownerKey.Address, NetworkContract.SubnetCreatedEvent.Decode(subnetLog).Owner);
        var h = (await net.DefaultHyperparametersAsync().WaitAsync(Wait)) with
        {
            Tempo = 10, RevealPeriod = 2, WeightsRateLimit = 0, MaxValidators = 1, CommitReveal = true,
        };
        await net.SetHyperparametersAsync(netuid, h).WaitAsync(Wait);

        // Earn tokens: with no neurons the whole epoch emission goes to the subnet owner.
        await MineUntilEpochDueAsync(net, netuid);
        await net.RunEpochAsync(netuid).WaitAsync(Wait);
        var balance = await token.BalanceOfAsync(ownerKey.Address).WaitAsync(Wait);
        Assert.True(balance > 0, "the owner earned no emission");

        // Register both hotkeys for the owner's coldkey; each hotkey signs the registration digest (EIP-191).
        var uids = new Dictionary<Address, ushort>();
        foreach (var hotkey in new[] { validatorKey, minerKey })
        {
            var digest = await net.RegistrationDigestAsync(netuid, hotkey.Address, ownerKey.Address).WaitAsync(Wait);
            var signature = PersonalSign.Sign(hotkey, digest).ToBytes();
            var cost = await net.BurnCostAsync(netuid).WaitAsync(Wait);
            if (cost > 0)
            {
                await token.ApproveAsync(networkAddress, cost).WaitAsync(Wait);
            }
            var receipt = await net.RegisterAsync(netuid, hotkey.Address, cost, signature).WaitAsync(Wait);
            var registered = NetworkContract.NeuronRegisteredEvent.Decode(receipt.Logs.Single(NetworkContract.NeuronRegisteredEvent.Matches));
            Assert.Equal(hotkey.Address, registered.Hotkey);
            uids[hotkey.Address] = registered.Uid;
        }

        // A bad signature is refused with the contract's typed error.
        var stranger = PrivateKey.Generate();
        var badDigest = await net.RegistrationDigestAsync(netuid, stranger.Address, ownerKey.Address).WaitAsync(Wait);
        var refused = await Assert.ThrowsAsync<ContractRevertException>(() =>
            net.RegisterAsync(netuid, stranger.Address, BigInteger.Zero, PersonalSign.Sign(minerKey, badDigest).ToBytes()).WaitAsync(Wait));
        Assert.Equal("InvalidHotkeySignature", refused.ErrorName);
        Assert.Equal(stranger.Address, refused.Argument("hotkey"));

        // Stake on the validator.
        var stake = (await token.BalanceOfAsync(ownerKey.Address).WaitAsync(Wait)) / 2;
        await token.ApproveAsync(networkAddress, stake).WaitAsync(Wait);
        await net.AddStakeAsync(netuid, validatorKey.Address, stake).WaitAsync(Wait);

        // The miner publishes its endpoint (127.0.0.1:8091) with its own hotkey.
        var minerNet = net.WithSender(SenderFor(minerKey));
        await minerNet.ServeAxonAsync(netuid, 0x7f000001, 4, 8091, 1).WaitAsync(Wait);

        // Epochs hand the validator its permit (the first one snapshots the new stake, the next uses it).
        for (var i = 0; i < 2; i++)
        {
            await MineUntilEpochDueAsync(net, netuid);
            await net.RunEpochAsync(netuid).WaitAsync(Wait);
        }
        Assert.True((await views.GetNeuronAsync(netuid, uids[validatorKey.Address]).WaitAsync(Wait)).ValidatorPermit);

        // Commit, wait the reveal period, reveal. hash = keccak256(abi.encode(hotkey, netuid, uids, weights, salt)).
        var validatorNet = net.WithSender(SenderFor(validatorKey));
        ushort[] weightUids = [uids[minerKey.Address]];
        ushort[] weights = [ushort.MaxValue];
        var salt = Keccak256.Hash("salt"u8);
        var commitHash = NetworkContract.CommitHash(validatorKey.Address, netuid, weightUids, weights, salt);
        await validatorNet.CommitWeightsAsync(netuid, commitHash).WaitAsync(Wait);
        var early = await Assert.ThrowsAsync<ContractRevertException>(() => validatorNet.RevealWeightsAsync(netuid, weightUids, weights, salt).WaitAsync(Wait));
        Assert.Equal("RevealTooEarly", early.ErrorName);
        await MineAsync(h.RevealPeriod);
        await validatorNet.RevealWeightsAsync(netuid, weightUids, weights, salt).WaitAsync(Wait);
        Assert.Equal(new ushort[] { ushort.MaxValue }, (await views.GetWeightsAsync(netuid, uids[validatorKey.Address]).WaitAsync(Wait)).Where(w => w > 0));

        await MineUntilEpochDueAsync(net, netuid);
        await net.RunEpochAsync(netuid).WaitAsync(Wait);

        // Read the metagraph in one call and check what the chain did.
        var metagraph = new Metagraph(anvil.Client, networkAddress);
        var snapshot = await metagraph.SyncAsync(netuid).WaitAsync(Wait);
        Assert.Equal(2, snapshot.Count);
        var validator = snapshot.ByHotkey(validatorKey.Address)!;
        var miner = snapshot.ByHotkey(minerKey.Address)!;
        Assert.Equal(ownerKey.Address, validator.Coldkey);
        // Validator dividends are credited as stake, so it has grown past what was added.
        Assert.True(validator.Stake > stake, $"stake {validator.Stake} did not grow past {stake}");
        Assert.True(validator.ValidatorPermit);
        Assert.False(miner.ValidatorPermit);
        Assert.Equal(ushort.MaxValue, miner.Incentive);
        Assert.True(validator.Dividends > 0);
        Assert.True(miner.Emission > 0);
        Assert.Equal(8091, miner.Axon.Port);
        Assert.Equal(new BigInteger(0x7f000001), miner.Axon.Ip);
        Assert.Equal(validator.Stake + miner.Stake, snapshot.TotalStake);

        // Refresh: nothing happened -> the same neurons, newer block; a stake change -> re-read.
        await MineAsync(3);
        var same = await metagraph.RefreshAsync(snapshot).WaitAsync(Wait);
        Assert.Same(snapshot.Neurons, same.Neurons);
        Assert.True(same.Block >= snapshot.Block + 3);
        await token.ApproveAsync(networkAddress, 1000).WaitAsync(Wait);
        await net.AddStakeAsync(netuid, validatorKey.Address, 1000).WaitAsync(Wait);
        var changed = await metagraph.RefreshAsync(same).WaitAsync(Wait);
        Assert.NotSame(same.Neurons, changed.Neurons);
        Assert.Equal(same.ByHotkey(validatorKey.Address)!.Stake + 1000, changed.ByHotkey(validatorKey.Address)!.Stake);
    }
}
