using FastPath.Engine.Memory;
using FastPath.Wire.Icmp;

namespace FastPath.Engine.Stack;

/// <summary>The UDP binding table of one stack.</summary>
public sealed class UdpSockets
{
    private readonly NetworkStack _stack;

    internal UdpSockets(NetworkStack stack) => _stack = stack;

    internal void Receive(in Packet packet, bool inFrame, Span<byte> datagram, int headerLength, Delivery delivery)
    {
        if (delivery == Delivery.Unicast) _stack.SendDestinationUnreachable(datagram, Icmpv4UnreachableCode.PortUnreachable);
        _stack.DropDatagram(packet, inFrame, StackDropReason.NoSocket);
    }

    internal void CloseAll() => GC.KeepAlive(_stack);
}
