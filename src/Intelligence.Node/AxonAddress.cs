using System.Net;
using System.Net.Sockets;
using System.Numerics;
using Intelligence.Chain.Contracts;

namespace Intelligence.Node;

/// <summary>IP and port of an axon as the contract stores them (IPv4 as a 32-bit number, IPv6 as 128 bits).</summary>
public static class AxonAddress
{
    /// <summary>The (ip, type, port) of an endpoint.</summary>
    public static (BigInteger Ip, byte Type, ushort Port) Encode(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var ip = new BigInteger(endpoint.Address.GetAddressBytes(), isUnsigned: true, isBigEndian: true);
        return (ip, endpoint.Address.AddressFamily == AddressFamily.InterNetworkV6 ? (byte)6 : (byte)4, (ushort)endpoint.Port);
    }

    /// <summary>The endpoint of a stored axon, or null when none is served.</summary>
    public static IPEndPoint? Decode(Axon axon)
    {
        ArgumentNullException.ThrowIfNull(axon);
        if (axon.Port == 0 || axon.Ip.IsZero || axon.IpType is not (4 or 6))
        {
            return null;
        }
        var bytes = axon.Ip.ToByteArray(isUnsigned: true, isBigEndian: true);
        var length = axon.IpType == 6 ? 16 : 4;
        if (bytes.Length > length)
        {
            return null;
        }
        var padded = new byte[length];
        Array.Copy(bytes, 0, padded, length - bytes.Length, bytes.Length);
        return new IPEndPoint(new IPAddress(padded), axon.Port);
    }

    /// <summary>The endpoint text of a stored axon, "(none)" when none.</summary>
    public static string Describe(Axon axon) => Decode(axon)?.ToString() ?? "(none)";
}
