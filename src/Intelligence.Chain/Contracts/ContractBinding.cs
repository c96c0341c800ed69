using Intelligence.Chain.Rpc;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.FunctionEncoding.Attributes;
using Nethereum.Contracts;

namespace Intelligence.Chain.Contracts;

/// <summary>
/// Base of the generated contract bindings: view functions go through eth_call (at <see cref="Block"/>),
/// state-changing ones are signed by <see cref="Sender"/> and awaited; calls are encoded from Nethereum
/// <c>[Function]</c> messages and results decoded with their <c>[FunctionOutput]</c> DTOs, and the contract's
/// custom errors decode reverts into <see cref="ContractRevertException"/>.
/// </summary>
public abstract class ContractBinding
{
    /// <summary>Creates a binding and registers the contract's custom errors with the client.</summary>
    protected ContractBinding(EthClient client, Address address, TransactionSender? sender, IEnumerable<ContractError> errors)
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

    /// <summary>The block view calls read (null: the latest).</summary>
    public ulong? Block { get; init; }

    /// <summary>Calls a view function and decodes its outputs (in order) with Nethereum.</summary>
    private protected async Task<List<ParameterOutput>> CallAsync<TFunction, TOutput>(TFunction function, CancellationToken ct)
        where TFunction : FunctionMessage
        where TOutput : IFunctionOutputDTO
    {
        var data = await Client.CallAsync(new CallRequest { From = Sender?.Address, To = Address, Data = ContractAbi.Encode(function) }, Block, ct).ConfigureAwait(false);
        return ContractAbi.DecodeOutput<TOutput>(data);
    }

    /// <summary>Sends a state-changing call and waits for a successful receipt.</summary>
    private protected Task<Receipt> SendAsync<TFunction>(TFunction function, CancellationToken ct) where TFunction : FunctionMessage
    {
        var sender = Sender ?? throw new InvalidOperationException($"{GetType().Name} has no sender: bind one with WithSender to call {typeof(TFunction).Name}.");
        return sender.SendAndWaitAsync(new TransactionRequest { To = Address, Data = ContractAbi.Encode(function) }, ReceiptTimeout, ct);
    }

    /// <summary>Deploys a contract (creation bytecode + encoded constructor arguments) and returns its address.</summary>
    private protected static async Task<Address> DeployCodeAsync<TDeployment>(TransactionSender sender, TDeployment deployment, CancellationToken ct)
        where TDeployment : ContractDeploymentMessage, new()
    {
        ArgumentNullException.ThrowIfNull(sender);
        var receipt = await sender.SendAndWaitAsync(new TransactionRequest { Data = ContractAbi.EncodeDeployment(deployment) }, TimeSpan.FromMinutes(2), ct).ConfigureAwait(false);
        return receipt.ContractAddress ?? throw new ChainException("Deployment receipt has no contract address.");
    }
}
