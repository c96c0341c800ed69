using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Numerics;
using System.Text.Json;
using Intelligence.Chain;
using Intelligence.Chain.Contracts;
using Intelligence.Consensus;
using Intelligence.Consensus.Cases;

namespace Intelligence.Explorer.Tests;

/// <summary>Every /api/ endpoint against the shared devnet, compared with what the chain itself returns, and bad input.</summary>
[Collection(DevnetCollection.Name)]
public class ApiTests(DevnetFixture devnet)
{
    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await devnet.Http.GetAsync(path).WaitAsync(DevnetFixture.Timeout);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {body}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private NetworkViewsContract Views => new(devnet.Eth, Address.Parse(Indexing.ChainReader.LoadDeployment(devnet.AddressesFile).Network));

    [Fact]
    public async Task Network_ListsTheSubnet_WithOwnerTempoAndCounts()
    {
        var doc = await GetAsync("/api/network");
        Assert.Equal(devnet.Eth.Rpc.Endpoint.Port, devnet.Rpc.Port);
        Assert.Equal(31337UL, doc.GetProperty("chainId").GetUInt64());
        var subnet = doc.GetProperty("subnets").EnumerateArray().Single(s => s.GetProperty("netuid").GetUInt16() == devnet.Driver.Netuid);
        Assert.Equal(devnet.Driver.OwnerAddress.ToString(), subnet.GetProperty("owner").GetString());
        Assert.Equal(8u, subnet.GetProperty("tempo").GetUInt32());
        Assert.Equal(5, subnet.GetProperty("neurons").GetInt32());
        Assert.Equal(2, subnet.GetProperty("validators").GetInt32());
        Assert.Equal(3, subnet.GetProperty("miners").GetInt32());
        Assert.Equal(1.0, subnet.GetProperty("emissionShare").GetDouble(), 6);
        Assert.Equal(0, doc.GetProperty("era").GetInt32());
        Assert.True(BigInteger.Parse(doc.GetProperty("supply").GetString()!, CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task Supply_HasTheHalvings_AndOnePointPerEpoch_AtOrBelowTheSchedule()
    {
        var doc = await GetAsync("/api/network/supply");
        var halvings = doc.GetProperty("halvings").EnumerateArray().ToArray();
        Assert.Equal(8, halvings.Length);
        Assert.Equal("10500000000000000000000000", halvings[0].GetProperty("issuance").GetString());
        var points = doc.GetProperty("points").EnumerateArray().ToArray();
        Assert.True(points.Length >= 4, $"{points.Length} points");
        foreach (var p in points)
        {
            var supply = BigInteger.Parse(p.GetProperty("supply").GetString()!, CultureInfo.InvariantCulture);
            var schedule = BigInteger.Parse(p.GetProperty("schedule").GetString()!, CultureInfo.InvariantCulture);
            Assert.True(supply <= schedule, $"supply {supply} above the schedule {schedule}");
        }
    }

    [Fact]
    public async Task Subnets_AndSubnet_CarryTheOnChainHyperparameters()
    {
        var list = await GetAsync("/api/subnets");
        Assert.Contains(list.EnumerateArray(), s => s.GetProperty("netuid").GetUInt16() == devnet.Driver.Netuid);
        var doc = await GetAsync($"/api/subnets/{devnet.Driver.Netuid}");
        var onChain = await Views.HyperparametersAsync(devnet.Driver.Netuid).WaitAsync(DevnetFixture.Timeout);
        var h = doc.GetProperty("hyperparameters");
        Assert.Equal(onChain.Tempo, h.GetProperty("tempo").GetUInt32());
        Assert.Equal(onChain.Kappa, h.GetProperty("kappa").GetUInt32());
        Assert.Equal(onChain.MaxValidators, h.GetProperty("maxValidators").GetUInt16());
        Assert.Equal(onChain.CommitReveal, h.GetProperty("commitReveal").GetBoolean());
        Assert.Equal(onChain.MinBurn.ToString(CultureInfo.InvariantCulture), h.GetProperty("minBurn").GetString());
        Assert.True(doc.GetProperty("subnet").GetProperty("nextEpochBlock").GetUInt64() > 0);
    }

    [Fact]
    public async Task Metagraph_EqualsGetMetagraphAtTheSameBlock()
    {
        var doc = await GetAsync($"/api/subnets/{devnet.Driver.Netuid}/metagraph");
        var block = doc.GetProperty("block").GetUInt64();
        var chain = new Indexing.ChainReader(devnet.Rpc, Indexing.ChainReader.LoadDeployment(devnet.AddressesFile), TimeSpan.FromSeconds(10));
        using (chain)
        {
            var expected = await chain.MetagraphAsync(devnet.Driver.Netuid, block, CancellationToken.None).WaitAsync(DevnetFixture.Timeout);
            var neurons = doc.GetProperty("neurons").EnumerateArray().ToArray();
            Assert.Equal(expected.Count, neurons.Length);
            for (var i = 0; i < expected.Count; i++)
            {
                var n = neurons[i];
                Assert.Equal(expected[i].Uid, n.GetProperty("uid").GetUInt16());
                Assert.Equal(expected[i].Hotkey, n.GetProperty("hotkey").GetString());
                Assert.Equal(expected[i].Coldkey, n.GetProperty("coldkey").GetString());
                Assert.Equal(expected[i].Stake.ToString(CultureInfo.InvariantCulture), n.GetProperty("stake").GetString());
                Assert.Equal(expected[i].Incentive, n.GetProperty("incentive").GetUInt16());
                Assert.Equal(expected[i].Dividends, n.GetProperty("dividends").GetUInt16());
                Assert.Equal(expected[i].Emission.ToString(CultureInfo.InvariantCulture), n.GetProperty("emission").GetString());
                Assert.Equal(expected[i].Axon.Endpoint, n.GetProperty("axon").GetProperty("endpoint").GetString());
            }
            // The miners' axons as served; the validators serve none.
            Assert.Equal($"127.0.0.1:{devnet.ReachableAxonPort}", neurons[2].GetProperty("axon").GetProperty("endpoint").GetString());
            Assert.Equal(JsonValueKind.Null, neurons[0].GetProperty("axon").GetProperty("endpoint").ValueKind);
        }
    }

    [Fact]
    public async Task History_HasEmissionPerEpoch_RegistrationBurns_AndConcentration()
    {
        var doc = await GetAsync($"/api/subnets/{devnet.Driver.Netuid}/history");
        var epochs = doc.GetProperty("epochs").EnumerateArray().ToArray();
        Assert.True(epochs.Length >= 5);
        Assert.True(epochs.Zip(epochs.Skip(1)).All(p => p.First.GetProperty("epoch").GetUInt64() < p.Second.GetProperty("epoch").GetUInt64()));
        Assert.Equal(5, doc.GetProperty("registrations").GetArrayLength());
        var concentration = doc.GetProperty("concentration");
        // Four hotkeys belong to the owner's coldkey, the last miner to a second one: the shares add up to one.
        var byColdkey = concentration.GetProperty("byColdkey").EnumerateArray().ToArray();
        Assert.Equal(2, byColdkey.Length);
        Assert.Contains(byColdkey, c => c.GetProperty("coldkey").GetString() == devnet.Driver.SecondColdkey.ToString() && c.GetProperty("neurons").GetInt32() == 1);
        Assert.Equal(1.0, byColdkey.Sum(c => c.GetProperty("share").GetDouble()), 6);
        var hhi = concentration.GetProperty("herfindahl").GetDouble();
        Assert.Equal(byColdkey.Sum(c => Math.Pow(c.GetProperty("share").GetDouble(), 2)), hhi, 6);
        Assert.True(hhi is >= 0.5 and < 1.0, $"herfindahl {hhi}");
    }

    [Fact]
    public async Task Epochs_AndEpochDetail_MatchTheChain_AndTheReplayIsIdentical()
    {
        var list = await GetAsync($"/api/subnets/{devnet.Driver.Netuid}/epochs");
        var epochs = list.GetProperty("epochs").EnumerateArray().ToArray();
        Assert.All(epochs, e => Assert.Equal("identical", e.GetProperty("verdict").GetString()));
        var doc = await GetAsync($"/api/subnets/{devnet.Driver.Netuid}/epochs/{devnet.SetUpEpoch}");
        var epoch = doc.GetProperty("epoch");
        Assert.Equal(devnet.SetUpEpoch, epoch.GetProperty("epoch").GetUInt64());
        Assert.Empty(epoch.GetProperty("differences").EnumerateArray());
        var weights = doc.GetProperty("weights").EnumerateArray().ToArray();
        Assert.Equal(5, weights.Length);
        // Validators (uids 0 and 1) weight the three miners; miners set no weights.
        Assert.All(weights[0].EnumerateArray().Skip(2), w => Assert.True(w.GetUInt16() > 0));
        Assert.All(weights[3].EnumerateArray(), w => Assert.Equal(0, w.GetUInt16()));
        Assert.Equal(5, doc.GetProperty("bonds").GetArrayLength());
        Assert.Equal($"intelligence epoch simulate --input subnet-{devnet.Driver.Netuid}-epoch-{devnet.SetUpEpoch}.json --format json",
            doc.GetProperty("simulate").GetProperty("command").GetString());
    }

    [Fact]
    public async Task Case_Download_ReproducesTheCreditedEmissions()
    {
        var netuid = devnet.Driver.Netuid;
        var detail = await GetAsync($"/api/subnets/{netuid}/epochs/{devnet.SetUpEpoch}");
        using var response = await devnet.Http.GetAsync(detail.GetProperty("simulate").GetProperty("caseUrl").GetString()).WaitAsync(DevnetFixture.Timeout);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"subnet-{netuid}-epoch-{devnet.SetUpEpoch}.json", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        var result = YumaEpoch.Run(CaseReader.Parse(await response.Content.ReadAsStringAsync()));
        var neurons = detail.GetProperty("neurons").EnumerateArray().ToArray();
        Assert.Equal(neurons.Length, result.Emission.Length);
        for (var u = 0; u < neurons.Length; u++)
        {
            Assert.Equal(neurons[u].GetProperty("emission").GetString(), CaseWriter.Amount(result.Emission[u]));
        }
        Assert.Equal(detail.GetProperty("epoch").GetProperty("ownerEmission").GetString(), CaseWriter.Amount(result.OwnerEmission));
    }

    [Fact]
    public async Task SubnetEvents_ListRegistrationsStakesAndAxons()
    {
        var doc = await GetAsync($"/api/subnets/{devnet.Driver.Netuid}/events");
        var kinds = doc.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToHashSet();
        foreach (var kind in new[] { "SubnetCreated", "NeuronRegistered", "StakeAdded", "AxonServed", "WeightsSet", "EpochRun", "HyperparametersSet" })
        {
            Assert.Contains(kind, kinds);
        }
    }

    [Fact]
    public async Task Neuron_HasHistoryWeightsAndRegistration()
    {
        var validator = devnet.Driver.Hotkeys[0].Address.ToString();
        var doc = await GetAsync($"/api/neurons/{validator.ToLowerInvariant()}");
        Assert.Equal(validator, doc.GetProperty("hotkey").GetString());
        Assert.Equal(0, doc.GetProperty("registrations")[0].GetProperty("neuron").GetProperty("uid").GetInt32());
        var history = doc.GetProperty("history").EnumerateArray().ToArray();
        Assert.True(history.Length >= 4);
        Assert.Contains(history, h => h.GetProperty("validatorTrust").GetUInt16() > 0);
        var weights = doc.GetProperty("weights")[0];
        Assert.Equal(3, weights.GetProperty("given").GetArrayLength());
        Assert.Equal(0, weights.GetProperty("received").GetArrayLength());

        var miner = devnet.Driver.Hotkeys[2].Address.ToString();
        var minerDoc = await GetAsync($"/api/neurons/{miner}");
        Assert.Equal(2, minerDoc.GetProperty("weights")[0].GetProperty("received").GetArrayLength());
    }

    [Fact]
    public async Task Health_ProbesTheAxon_ReachableAndRefused()
    {
        var reachable = await GetAsync($"/api/neurons/{devnet.Driver.Hotkeys[2].Address}/health");
        var probe = reachable.GetProperty("probes")[0];
        Assert.True(probe.GetProperty("reachable").GetBoolean(), probe.ToString());
        Assert.True(probe.GetProperty("latencyMs").GetDouble() >= 0);
        var refused = await GetAsync($"/api/neurons/{devnet.Driver.Hotkeys[3].Address}/health");
        Assert.False(refused.GetProperty("probes")[0].GetProperty("reachable").GetBoolean());
        var validator = await GetAsync($"/api/neurons/{devnet.Driver.Hotkeys[0].Address}/health");
        Assert.Equal("no axon served", validator.GetProperty("probes")[0].GetProperty("error").GetString());
    }

    [Fact]
    public async Task Status_IsFollowing()
    {
        var doc = await GetAsync("/api/status");
        Assert.Equal("following", doc.GetProperty("state").GetString());
        Assert.True(doc.GetProperty("indexedTo").GetUInt64() >= doc.GetProperty("head").GetUInt64() - 1);
    }

    [Theory]
    [InlineData("/api/subnets/999")]
    [InlineData("/api/subnets/abc")]
    [InlineData("/api/subnets/-1")]
    [InlineData("/api/subnets/70000/metagraph")]
    [InlineData("/api/subnets/999/history")]
    [InlineData("/api/subnets/999/epochs")]
    [InlineData("/api/subnets/999/events")]
    [InlineData("/api/subnets/1/epochs/999999")]
    [InlineData("/api/subnets/1/epochs/x")]
    [InlineData("/api/subnets/1/epochs/999999/case")]
    [InlineData("/api/neurons/0x1234")]
    [InlineData("/api/neurons/not-a-key")]
    [InlineData("/api/neurons/0x000000000000000000000000000000000000dead")]
    [InlineData("/api/neurons/0x000000000000000000000000000000000000dead/health")]
    [InlineData("/api/nothing-here")]
    public async Task BadInput_Is404_WithAJsonError(string path)
    {
        using var response = await devnet.Http.GetAsync(path).WaitAsync(DevnetFixture.Timeout);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        var doc = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrWhiteSpace(doc.GetProperty("error").GetString()));
    }

    [Theory]
    [InlineData("POST")]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    public async Task Api_IsReadOnly(string method)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), $"/api/subnets/{devnet.Driver.Netuid}");
        using var response = await devnet.Http.SendAsync(request).WaitAsync(DevnetFixture.Timeout);
        Assert.True(response.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotFound, response.StatusCode.ToString());
    }
}
