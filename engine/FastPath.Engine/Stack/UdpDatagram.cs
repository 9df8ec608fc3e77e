using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Stack;

/// <summary>
/// A received datagram as a <see cref="UdpReceiveHandler"/> sees it: the payload in place in the received
/// frame (or reassembly buffer), valid only during the call. Copy what must outlive it.
/// </summary>
public readonly ref struct UdpDatagram
{
    internal UdpDatagram(ReadOnlySpan<byte> payload, UdpEndpoint from, Ipv4Address to, ushort localPort)
    {
        Payload = payload;
        From = from;
        To = to;
        LocalPort = localPort;
    }

    /// <summary>The data after the UDP header, as long as the UDP length says.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The sender: reply here.</summary>
    public UdpEndpoint From { get; }

    /// <summary>The address it was sent to: ours, a broadcast address, or a joined group.</summary>
    public Ipv4Address To { get; }

    public ushort LocalPort { get; }
}

/// <summary>Receives each datagram for a socket bound with a handler, on the worker's thread, during the stack's receive.</summary>
/// <param name="socket">The socket: reply with <see cref="UdpSocket.SendTo"/>.</param>
/// <param name="datagram">The datagram; its payload span is valid only until the handler returns.</param>
public delegate void UdpReceiveHandler(UdpSocket socket, UdpDatagram datagram);
