using System.Net;
using System.Net.Sockets;
using System.Numerics;
using Intelligence.Chain.Contracts;
using Intelligence.Chain.Rpc;
using Intelligence.Testing;

namespace Intelligence.Chain.Tests;

/// <summary>JSON-RPC, sending, fees, receipts, logs and following against a real anvil.</summary>
public class RpcIntegrationTests(AnvilFixture anvil) : IClassFixture<AnvilFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    // A tiny contract: constructor-less runtime that emits LOG1(topic = calldata word 0) with data = caller,
    // and reverts with Error("nope") when the calldata is empty. Assembled by hand below.
    private static byte[] EmitterInitCode()
    {
        // runtime:
        //   CALLDATASIZE ISZERO PUSH1 <revert> JUMPI
        //   CALLER PUSH1 0 MSTORE  PUSH1 0 CALLDATALOAD PUSH1 32 PUSH1 0 LOG1 STOP
        //   revert: JUMPDEST  store Error("nope") at 0 and REVERT(0, 100)
        byte[] errorData = [.. ContractError.Error.Selector, .. ContractAbi.Encode(("string", "nope"))];
        var runtime = new List<byte> { 0x36, 0x15, 0x60, 0x00, 0x57, 0x33, 0x60, 0x00, 0x52, 0x60, 0x00, 0x35, 0x60, 0x20, 0x60, 0x00, 0xa1, 0x00 };
        var revertAt = runtime.Count;
        runtime[3] = (byte)revertAt;
        runtime.Add(0x5b);
        for (var i = 0; i < errorData.Length; i += 32)
        {
            var word = new byte[32];
            Array.Copy(errorData, i, word, 0, Math.Min(32, errorData.Length - i));
            runtime.Add(0x7f);
            runtime.AddRange(word);
            runtime.AddRange([0x60, (byte)i, 0x52]);
        }
        runtime.AddRange([0x60, (byte)errorData.Length, 0x60, 0x00, 0xfd]);
        // init: copy runtime to memory and return it.
        var init = new List<byte> { 0x60, (byte)runtime.Count, 0x60, 0x0c, 0x60, 0x00, 0x39, 0x60, (byte)runtime.Count, 0x60, 0x00, 0xf3 };
        init.AddRange(runtime);
        return init.ToArray();
    }

    private async Task<(TransactionSender Sender, Address Contract)> DeployEmitterAsync()
    {
        using var key = await anvil.FundedKeyAsync();
        var sender = new TransactionSender(anvil.Client, PrivateKey.FromBytes(key.ExportBytes()), anvil.ChainId, anvil.Nonces);
        var receipt = await sender.SendAndWaitAsync(new TransactionRequest { Data = EmitterInitCode() }, Wait).WaitAsync(Wait);
        Assert.True(receipt.Succeeded);
        return (sender, receipt.ContractAddress!.Value);
    }

    [Fact]
    public async Task Batch_SeveralCalls_AnswersInOrderWithPerCallErrors()
    {
        var results = await anvil.Client.Rpc.BatchAsync(
        [
            new RpcRequest("eth_chainId"),
            new RpcRequest("eth_noSuchMethod"),
            new RpcRequest("eth_getBalance", Address.Parse("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266").ToLowerHex(), "latest"),
        ]).WaitAsync(Wait);
        Assert.Equal(anvil.ChainId, RpcHex.ParseULong(results[0].GetResult()));
        Assert.NotNull(results[1].Error);
        Assert.Equal(-32601, results[1].Error!.Code);
        Assert.True(RpcHex.ParseQuantity(results[2].GetResult()) > 0);
    }

    [Fact]
    public async Task Call_UnknownMethod_ThrowsRpcExceptionWithoutRetry()
    {
        var ex = await Assert.ThrowsAsync<RpcException>(() => anvil.Client.Rpc.CallAsync("eth_noSuchMethod", []).WaitAsync(Wait));
        Assert.Equal(-32601, ex.Code);
    }

    [Fact]
    public async Task Call_NothingListening_RetriesThenThrowsTransportError()
    {
        using var port = new RefusingPort(); // held bound-not-listening, so no other process can take it meanwhile
        using var rpc = new JsonRpcClient(new Uri($"http://127.0.0.1:{port.Port}"), new JsonRpcOptions { MaxRetries = 2, RetryDelay = TimeSpan.FromMilliseconds(10) });
        var ex = await Assert.ThrowsAsync<RpcTransportException>(() => rpc.CallAsync("eth_chainId", []).WaitAsync(Wait));
        Assert.Contains("3 attempts", ex.Message);
    }

    [Fact]
    public async Task Call_ServerNeverAnswers_TimesOutPerAttempt()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var rpc = new JsonRpcClient(new Uri($"http://127.0.0.1:{port}"),
            new JsonRpcOptions { RequestTimeout = TimeSpan.FromMilliseconds(300), MaxRetries = 1, RetryDelay = TimeSpan.FromMilliseconds(10) });
        var ex = await Assert.ThrowsAsync<RpcTransportException>(() => rpc.CallAsync("eth_chainId", []).WaitAsync(Wait));
        Assert.Contains("no answer within 300 ms", ex.Message);
    }

    [Fact]
    public async Task Call_TransientHttp503ThenSuccess_IsRetried()
    {
        using var server = new CannedHttpServer(("503 Service Unavailable", "busy"), ("200 OK", "{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":\"0x2a\"}"));
        using var rpc = new JsonRpcClient(server.Endpoint, new JsonRpcOptions { MaxRetries = 2, RetryDelay = TimeSpan.FromMilliseconds(10) });
        var result = await rpc.CallAsync("eth_chainId", []).WaitAsync(Wait);
        Assert.Equal(42UL, RpcHex.ParseULong(result));
        await server.Served.WaitAsync(Wait);
    }

    [Fact]
    public async Task Receipt_MalformedAnswer_IsATransportErrorNotACrash()
    {
        using var server = new CannedHttpServer(
            ("200 OK", "{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":{\"status\":\"0x1\"}}"),
            ("200 OK", "{\"jsonrpc\":\"2.0\",\"id\":{id},\"result\":\"0xzz\"}"),
            ("400 Bad Request", "not json"));
        using var rpc = new JsonRpcClient(server.Endpoint, new JsonRpcOptions { MaxRetries = 0 });
        var eth = new EthClient(rpc);
        await Assert.ThrowsAsync<RpcTransportException>(() => eth.GetReceiptAsync(new byte[32]).WaitAsync(Wait));
        await Assert.ThrowsAsync<RpcTransportException>(() => eth.BlockNumberAsync().WaitAsync(Wait));
        await Assert.ThrowsAsync<RpcTransportException>(() => eth.ChainIdAsync().WaitAsync(Wait));
        await server.Served.WaitAsync(Wait);
    }

    [Fact]
    public async Task ConcurrentSenders_OneKey_NeverCollideOnNonces()
    {
        using var key = await anvil.FundedKeyAsync();
        var sender = new TransactionSender(anvil.Client, key, anvil.ChainId, anvil.Nonces);
        var target = PrivateKey.Generate().Address;
        var sends = Enumerable.Range(0, 24).Select(_ => Task.Run(() => sender.SendAndWaitAsync(
            new TransactionRequest { To = target, Value = 1, GasLimit = 21_000 }, Wait))).ToArray();
        var receipts = await Task.WhenAll(sends).WaitAsync(Wait * 2);
        Assert.All(receipts, r => Assert.True(r.Succeeded));
        Assert.Equal(24UL, await anvil.Client.GetTransactionCountAsync(key.Address, pending: false).WaitAsync(Wait));
        Assert.Equal(new BigInteger(24), await anvil.Client.GetBalanceAsync(target).WaitAsync(Wait));
    }

    [Fact]
    public async Task SendAndWait_Reverting_ThrowsTypedRevertFromEstimate()
    {
        var (sender, contract) = await DeployEmitterAsync();
        var ex = await Assert.ThrowsAsync<ContractRevertException>(() => sender.SendAndWaitAsync(new TransactionRequest { To = contract }, Wait).WaitAsync(Wait));
        Assert.Equal("Error", ex.ErrorName);
        Assert.Equal("nope", ex.Arguments[0]);

        // With a fixed gas limit the transaction is mined, fails, and the replay names the error.
        var failed = await Assert.ThrowsAsync<TransactionFailedException>(() => sender.SendAndWaitAsync(new TransactionRequest { To = contract, GasLimit = 100_000 }, Wait).WaitAsync(Wait));
        Assert.False(failed.Receipt.Succeeded);
        Assert.Equal("nope", failed.Revert?.Arguments[0]);
    }

    [Fact]
    public async Task FeeSuggestion_FollowsBaseFee()
    {
        var sender = new TransactionSender(anvil.Client, PrivateKey.Generate(), anvil.ChainId, anvil.Nonces);
        var fees = await sender.SuggestFeesAsync().WaitAsync(Wait);
        var block = await anvil.Client.GetBlockAsync().WaitAsync(Wait);
        Assert.True(fees.MaxPriorityFeePerGas > 0);
        Assert.True(fees.MaxFeePerGas >= block!.BaseFeePerGas!.Value + fees.MaxPriorityFeePerGas);
    }

    [Fact]
    public async Task WaitForReceipt_UnknownHash_TimesOut()
    {
        var sender = new TransactionSender(anvil.Client, PrivateKey.Generate(), anvil.ChainId, anvil.Nonces);
        await Assert.ThrowsAsync<ReceiptTimeoutException>(() => sender.WaitForReceiptAsync(new byte[32], TimeSpan.FromMilliseconds(500)).WaitAsync(Wait));
    }

    [Fact]
    public async Task Logs_PagedAndFollowed_ArriveOnceInOrder()
    {
        var (sender, contract) = await DeployEmitterAsync();
        var start = await anvil.Client.BlockNumberAsync().WaitAsync(Wait);
        var topics = Enumerable.Range(1, 6).Select(i => ContractAbi.Encode(("uint256", i))).ToList();
        foreach (var t in topics)
        {
            await sender.SendAndWaitAsync(new TransactionRequest { To = contract, Data = t }, Wait).WaitAsync(Wait);
        }
        var head = await anvil.Client.BlockNumberAsync().WaitAsync(Wait);
        var filter = new LogFilter { FromBlock = start, ToBlock = head, Addresses = [contract] };

        var paged = await anvil.Client.GetLogsPagedAsync(filter, pageSize: 2).WaitAsync(Wait);
        Assert.Equal(topics.Select(t => Hex.Encode(t)), paged.Select(l => Hex.Encode(l.Topics[0])));
        Assert.All(paged, l => Assert.Equal(sender.Address, new Address(l.Data.AsSpan(12))));

        var onlyThird = await anvil.Client.GetLogsAsync(filter with { Topics = [[topics[2]]] }).WaitAsync(Wait);
        Assert.Single(onlyThird);

        using var cts = new CancellationTokenSource(Wait);
        var follower = new ChainFollower(anvil.Client, TimeSpan.FromMilliseconds(100));
        var seen = new List<Log>();
        var following = Task.Run(async () =>
        {
            await foreach (var log in follower.FollowLogsAsync(filter, start, pageSize: 3, cts.Token))
            {
                seen.Add(log);
                if (seen.Count == 7)
                {
                    break;
                }
            }
        });
        // One more log after the follower has caught up.
        await sender.SendAndWaitAsync(new TransactionRequest { To = contract, Data = ContractAbi.Encode(("uint256", 99)) }, Wait).WaitAsync(Wait);
        await following.WaitAsync(Wait);
        Assert.Equal(7, seen.Count);
        Assert.Equal(seen.OrderBy(l => l.BlockNumber).ThenBy(l => l.LogIndex), seen);
        Assert.Equal(seen.Count, seen.Select(l => Hex.Encode(l.TransactionHash) + l.LogIndex).Distinct().Count());

        var blocks = new List<BlockHeader>();
        await foreach (var b in follower.FollowBlocksAsync(start, cts.Token))
        {
            blocks.Add(b);
            if (b.Number >= head)
            {
                break;
            }
        }
        Assert.Equal(Enumerable.Range((int)start, (int)(head - start + 1)).Select(i => (ulong)i), blocks.Select(b => b.Number));
    }

    [Fact]
    public async Task Resubmit_StuckTransaction_BumpedVersionIsMined()
    {
        using var key = await anvil.FundedKeyAsync();
        var sender = new TransactionSender(anvil.Client, key, anvil.ChainId, anvil.Nonces,
            new GasOptions { PollInterval = TimeSpan.FromMilliseconds(50) });
        var target = PrivateKey.Generate().Address;
        await anvil.RawAsync("evm_setAutomine", false);
        try
        {
            var first = await sender.SendAsync(new TransactionRequest { To = target, Value = 5, GasLimit = 21_000 }).WaitAsync(Wait);
            await Assert.ThrowsAsync<ReceiptTimeoutException>(() => sender.WaitForReceiptAsync(first.Hash, TimeSpan.FromMilliseconds(300)).WaitAsync(Wait));
            var bumped = await sender.ResubmitWithBumpedFeesAsync(first).WaitAsync(Wait);
            var oldTx = (Intelligence.Chain.Transactions.Eip1559Transaction)first.Transaction;
            var newTx = (Intelligence.Chain.Transactions.Eip1559Transaction)bumped.Transaction;
            Assert.Equal(oldTx.Nonce, newTx.Nonce);
            Assert.True(newTx.MaxFeePerGas * 10 >= oldTx.MaxFeePerGas * 11);
            Assert.True(newTx.MaxPriorityFeePerGas * 10 >= oldTx.MaxPriorityFeePerGas * 11);
            await anvil.RawAsync("evm_mine");
            var receipt = await sender.WaitForReceiptAsync(bumped.Hash, Wait).WaitAsync(Wait);
            Assert.True(receipt.Succeeded);
            Assert.Null(await anvil.Client.GetReceiptAsync(first.Hash).WaitAsync(Wait));
        }
        finally
        {
            await anvil.RawAsync("evm_setAutomine", true);
        }
    }
}
