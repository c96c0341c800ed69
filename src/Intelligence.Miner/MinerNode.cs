using System.Globalization;
using System.Net;
using Intelligence.Chain;
using Intelligence.Chain.Contracts;
using Intelligence.Node;
using Intelligence.Protocol;
using Intelligence.Subnets.Catalog;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Intelligence.Miner;

/// <summary>
/// The miner's lifecycle: at start load the subnet and the model, unlock the hotkey, connect to the chain, check
/// (or with --register make) the registration, start the gRPC server, publish the axon when the chain's differs;
/// while running keep the callers in step with the metagraph and watch for its own deregistration; on stop drain
/// in-flight calls.
/// </summary>
public sealed class MinerNode(
    IOptions<MinerOptions> minerOptions,
    IOptions<ChainOptions> chainOptions,
    IOptions<WalletOptions> walletOptions,
    IOptions<SubnetOptions> subnetOptions,
    NodeStatus status,
    ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<MinerNode>();
    private MinerOptions _options = null!;
    private ushort _netuid;
    private ModelServer? _model;
    private ChainConnection? _chain;
    private ChainWatch? _watch;
    private MinerServer? _server;
    private PrivateKey? _hotkey;
    private IPEndPoint? _external;
    private int _axonBusy;
    private ulong _axonRetryAt;
    private bool _axonPending;
    private bool _deregistered;

    /// <summary>The miner's UID (after start).</summary>
    public int Uid { get; private set; } = -1;

    /// <summary>The hotkey address (after start).</summary>
    public string Hotkey => _hotkey?.Address.ToLowerHex() ?? "";

    /// <summary>The gRPC endpoint host:port (after start).</summary>
    public string GrpcEndpoint { get; private set; } = "";

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _options = minerOptions.Value;
        _netuid = (ushort)subnetOptions.Value.Netuid;
        var subnetName = subnetOptions.Value.Name;
        var subnet = SubnetCatalog.Create(subnetName) ?? throw new NodeStartupException($"Subnet:Name: unknown subnet '{subnetName}'");
        _model = ModelServer.Load(_options.Model, _options.Provider, subnet.Schema, _options.MaxBatchSize, _options.MaxBatchWait, _options.QueueCapacity, loggers.CreateLogger<ModelServer>());
        status.Set("role", "miner");
        status.Set("model", _model.Name);
        status.Set("model_version", _model.Version);
        status.Set("provider", _model.Provider);
        status.Set("netuid", _netuid.ToString(CultureInfo.InvariantCulture));
        status.Set("subnet", subnetName);

        var (hotkey, coldkey) = WalletUnlock.Unlock(walletOptions.Value, coldkey: _options.Register);
        _hotkey = hotkey;
        status.Set("hotkey", hotkey.Address.ToLowerHex());
        try
        {
            _chain = await ChainConnection.ConnectAsync(chainOptions.Value, hotkey, cancellationToken).ConfigureAwait(false);
            _watch = new ChainWatch(_chain, _netuid, status, chainOptions.Value, loggers.CreateLogger<ChainWatch>());
            var snapshot = await _watch.InitialSyncAsync(cancellationToken).ConfigureAwait(false);
            var me = snapshot.ByHotkey(hotkey.Address);
            if (me is null)
            {
                var burn = await _chain.BoundedAsync(c => _chain.Network.BurnCostAsync(_netuid, c), cancellationToken).ConfigureAwait(false);
                if (coldkey is null)
                {
                    throw new NodeStartupException(string.Create(CultureInfo.InvariantCulture,
                        $"hotkey {hotkey.Address.ToLowerHex()} ({walletOptions.Value.Name}/{walletOptions.Value.Hotkey}) is not registered on subnet {_netuid}; registering costs {ChainConnection.Tokens(burn)} tokens now (burned from the coldkey)"))
                    {
                        Hints =
                        [
                            "register and start in one go:  intelligence-miner <same options> --register",
                            string.Create(CultureInfo.InvariantCulture, $"or register first:            intelligence subnet register --netuid {_netuid} --wallet {walletOptions.Value.Name} --hotkey {walletOptions.Value.Hotkey}"),
                        ],
                    };
                }
                me = await RegisterAsync(coldkey, burn, cancellationToken).ConfigureAwait(false);
            }
            Uid = me.Uid;
            status.Set("uid", Uid.ToString(CultureInfo.InvariantCulture));

            _server = await MinerServer.StartAsync(hotkey, _chain.ChainId, _netuid, _options, _model, status, loggers, cancellationToken).ConfigureAwait(false);
            MinerOptions.TryEndpoint(_options.Listen, out var listen);
            var host = listen!.Address.Equals(IPAddress.Any) ? IPAddress.Loopback : listen.Address.Equals(IPAddress.IPv6Any) ? IPAddress.IPv6Loopback : listen.Address;
            GrpcEndpoint = new IPEndPoint(host, _server.Port).ToString();
            status.Set("grpc", GrpcEndpoint);
            _external = string.IsNullOrEmpty(_options.ExternalAddress) ? new IPEndPoint(host, _server.Port) : IPEndPoint.Parse(_options.ExternalAddress);
            status.Set("axon", _external.ToString());
            _server.UpdateCallers(snapshot);
            await EnsureAxonAsync(me, cancellationToken).ConfigureAwait(false);

            _watch.Updated += OnMetagraph;
            _watch.NewBlock += OnBlock;
            await _watch.StartAsync(cancellationToken).ConfigureAwait(false);
            status.MarkReady();
            MinerLog.Ready(_logger, Uid, Hotkey, _netuid, subnetName, _model.Name, _model.Version, _model.Provider, GrpcEndpoint);
        }
        finally
        {
            coldkey?.Dispose();
        }
    }

    private async Task<NeuronView> RegisterAsync(PrivateKey coldkey, System.Numerics.BigInteger burn, CancellationToken ct)
    {
        var chain = _chain!;
        var maxBurn = _options.MaxBurn > 0 ? new System.Numerics.BigInteger(_options.MaxBurn * 1_000_000m) * System.Numerics.BigInteger.Pow(10, 12) : burn;
        if (burn > maxBurn)
        {
            throw new NodeStartupException($"Miner:MaxBurn: registration costs {ChainConnection.Tokens(burn)} tokens, above the {_options.MaxBurn.ToString(CultureInfo.InvariantCulture)} allowed");
        }
        MinerLog.Registering(_logger, Hotkey, _netuid, ChainConnection.Tokens(burn), coldkey.Address.ToLowerHex());
        try
        {
            var digest = await chain.BoundedAsync(c => chain.Network.RegistrationDigestAsync(_netuid, _hotkey!.Address, coldkey.Address, c), ct).ConfigureAwait(false);
            if (burn > 0)
            {
                await chain.TokenAs(coldkey).ApproveAsync(chain.Deployment.Network, maxBurn, ct).ConfigureAwait(false);
            }
            await chain.NetworkAs(coldkey).RegisterAsync(_netuid, _hotkey!.Address, maxBurn, PersonalSign.Sign(_hotkey, digest).ToBytes(), ct).ConfigureAwait(false);
        }
        catch (ChainException e)
        {
            throw new NodeStartupException($"registration failed: {e.Message}");
        }
        var snapshot = await _watch!.InitialSyncAsync(ct).ConfigureAwait(false);
        var me = snapshot.ByHotkey(_hotkey.Address) ?? throw new NodeStartupException("registration transaction succeeded but the hotkey is not in the metagraph");
        MinerLog.Registered(_logger, Hotkey, me.Uid, _netuid);
        return me;
    }

    private async Task EnsureAxonAsync(NeuronView me, CancellationToken ct)
    {
        var (ip, type, port) = AxonAddress.Encode(_external!);
        if (me.Axon.Ip == ip && me.Axon.IpType == type && me.Axon.Port == port && me.Axon.ProtocolVersion == ProtocolVersion.Current)
        {
            _axonPending = false;
            return;
        }
        MinerLog.ServingAxon(_logger, _external!.ToString(), _netuid, AxonAddress.Describe(me.Axon));
        try
        {
            await _chain!.Network.ServeAxonAsync(_netuid, ip, type, port, ProtocolVersion.Current, ct).ConfigureAwait(false);
            _axonPending = false;
            await _watch!.RefreshNowAsync(ct).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ChainException || ChainConnection.IsTransient(e))
        {
            _chain!.ResyncNonce();
            _axonPending = true;
            _axonRetryAt = (_watch?.Head ?? 0) + 2;
            MinerLog.ServeAxonFailed(_logger, e.Message);
        }
    }

    private void OnMetagraph(MetagraphSnapshot snapshot)
    {
        _server?.UpdateCallers(snapshot);
        MinerLog.MetagraphUpdated(_logger, snapshot.Block, snapshot.Count, snapshot.Neurons.Count(n => n.ValidatorPermit));
        var me = snapshot.ByHotkey(_hotkey!.Address);
        if (me is null)
        {
            if (!_deregistered)
            {
                _deregistered = true;
                var other = Uid >= 0 && Uid < snapshot.Count ? snapshot.Neurons[Uid].Hotkey.ToLowerHex() : "nobody";
                MinerLog.Deregistered(_logger, Uid, _netuid, other, Hotkey);
                status.Degrade("registration", $"deregistered: uid {Uid} now belongs to {other}");
            }
            return;
        }
        if (_deregistered || me.Uid != Uid)
        {
            _deregistered = false;
            Uid = me.Uid;
            status.Set("uid", Uid.ToString(CultureInfo.InvariantCulture));
            status.Degrade("registration", null);
            MinerLog.RegisteredAgain(_logger, Hotkey, Uid);
        }
        var (ip, type, port) = AxonAddress.Encode(_external!);
        if (me.Axon.Ip != ip || me.Axon.IpType != type || me.Axon.Port != port)
        {
            _axonPending = true;
        }
    }

    private void OnBlock(MetagraphSnapshot snapshot)
    {
        if (!_axonPending || _deregistered || snapshot.Block < _axonRetryAt || Interlocked.Exchange(ref _axonBusy, 1) == 1)
        {
            return;
        }
        _ = Task.Run(async () =>
        {
            try
            {
                if (snapshot.ByHotkey(_hotkey!.Address) is { } me)
                {
                    using var cts = new CancellationTokenSource(chainOptions.Value.ReceiptTimeout);
                    await EnsureAxonAsync(me, cts.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                _axonRetryAt = snapshot.Block + 2;
            }
            finally
            {
                Volatile.Write(ref _axonBusy, 0);
            }
        });
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            var (running, queued) = _server.Load;
            MinerLog.Draining(_logger, running, queued);
            await _server.DisposeAsync().ConfigureAwait(false);
            _server = null;
        }
        if (_watch is not null)
        {
            await _watch.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
        _watch?.Dispose();
        if (_model is not null)
        {
            await _model.DisposeAsync().ConfigureAwait(false);
        }
        _chain?.Dispose();
        _hotkey?.Dispose();
    }
}
