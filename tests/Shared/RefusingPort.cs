using System.Net;
using System.Net.Sockets;

namespace Intelligence.Testing;

/// <summary>
/// A loopback port that is bound but never listened on, held for a test's duration: connects to it are
/// refused, and no other process can bind it meanwhile (unlike a port probed free and then released).
/// Linked into the test projects that need it.
/// </summary>
internal sealed class RefusingPort : IDisposable
{
    private readonly Socket _socket;

    public RefusingPort()
    {
        // .NET turns SO_REUSEADDR on when binding a socket created as TCP, which would let another
        // SO_REUSEADDR socket (redis, anvil, Kestrel) bind and listen here too; an unspecified protocol
        // (still TCP for a stream socket) and the option cleared on both sides of Bind keep the port ours.
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Unspecified);
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false);
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
    }

    /// <summary>The held port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>Releases the port.</summary>
    public void Dispose() => _socket.Dispose();
}
