using FastPath.Engine.Memory;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Stack;

/// <summary>
/// A datagram taken from a polling socket's queue with <see cref="UdpSocket.TryReceive"/>. It holds a frame
/// of the worker's pool: read it with <see cref="UdpSocket.GetPayload"/>, then give it back with
/// <see cref="UdpSocket.Release"/> or send it on with <see cref="UdpSocket.SendReceived"/> (no copy).
/// </summary>
public readonly struct UdpReceived
{
    internal UdpReceived(Packet packet, UdpEndpoint from, Ipv4Address to)
    {
        Packet = packet;
        From = from;
        To = to;
    }

    // A field, not a property: GetPayload returns a span over it through an 'in' parameter.
    internal readonly Packet Packet;

    /// <summary>The sender.</summary>
    public UdpEndpoint From { get; }

    /// <summary>The address it was sent to: ours, a broadcast address, or a joined group.</summary>
    public Ipv4Address To { get; }

    /// <summary>Payload bytes.</summary>
    public int Length => Packet.Length;
}
