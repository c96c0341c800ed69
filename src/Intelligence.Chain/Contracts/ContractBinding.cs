using Intelligence.Chain.Abi;
using Intelligence.Chain.Rpc;

namespace Intelligence.Chain.Contracts;

/// <summary>
/// Base of the generated contract bindings: view functions go through eth_call, state-changing ones are
/// signed by <see cref="Sender"/> and awaited; the contract's custom errors decode reverts into
/// <see cref="ContractRevertException"/>.
/// </summary>
public abstract class ContractBinding
{
    /// <summary>Creates a binding and registers the contract's custom errors with the client.</summary>
    protected ContractBinding(EthClient client, Address address, TransactionSender? sender, IEnumerable<AbiError> errors)
    {
        Client = client ?? throw new ArgumentNullException(nameof(client));
        Address = address;
        Sender = sender;
        foreach (var e in errors)
        {
            client.Errors.Add(e);
        }
    }

    /// <summary>The client used for calls.</summary>
    public EthClient Client { get; }

    /// <summary>The contract's address.</summary>
    public Address Address { get; }

    /// <summary>Signs state-changing calls; null for a read-only binding.</summary>
    public TransactionSender? Sender { get; }

    /// <summary>How long a state-changing call waits for its receipt.</summary>
    public TimeSpan ReceiptTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Calls a view function and decodes its outputs.</summary>
    protected async Task<object?[]> CallAsync(AbiFunction function, object?[] args, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(function);
        var data = await Client.CallAsync(new CallRequest { From = Sender?.Address, To = Address, Data = function.EncodeCall(args) }, null, ct).ConfigureAwait(false);
        return function.DecodeOutput(data);
    }

    /// <summary>Sends a state-changing call and waits for a successful receipt.</summary>
    protected Task<Receipt> SendAsync(AbiFunction function, object?[] args, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(function);
        var sender = Sender ?? throw new InvalidOperationException($"{GetType().Name} has no sender: bind one with WithSender to call {function.Name}.");
        return sender.SendAndWaitAsync(new TransactionRequest { To = Address, Data = function.EncodeCall(args) }, ReceiptTimeout, ct);
    }

    /// <summary>Deploys init code + encoded constructor arguments and returns the new contract's address.</summary>
    protected static async Task<Address> DeployCodeAsync(TransactionSender sender, string bytecodeHex, byte[] constructorArgs, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(sender);
        var code = Hex.Decode(bytecodeHex);
        var receipt = await sender.SendAndWaitAsync(new TransactionRequest { Data = [.. code, .. constructorArgs] }, TimeSpan.FromMinutes(2), ct).ConfigureAwait(false);
        return receipt.ContractAddress ?? throw new ChainException("Deployment receipt has no contract address.");
    }

    /// <summary>Decodes the first log in <paramref name="receipt"/> from this contract matching <paramref name="abiEvent"/>.</summary>
    protected DecodedLog? FindLog(Receipt receipt, AbiEvent abiEvent)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(abiEvent);
        foreach (var log in receipt.Logs)
        {
            if (log.Address == Address && log.Topics.Count > 0 && log.Topics[0].AsSpan().SequenceEqual(abiEvent.Topic))
            {
                return abiEvent.Decode(log.Topics, log.Data);
            }
        }
        return null;
    }
}
