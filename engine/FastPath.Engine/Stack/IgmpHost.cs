using FastPath.Engine.Memory;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Stack;

/// <summary>Multicast group membership of one stack (IGMP v1/v2/v3 host side).</summary>
public sealed class IgmpHost
{
    private readonly NetworkStack _stack;

    internal IgmpHost(NetworkStack stack) => _stack = stack;

    internal bool Accepts(Ipv4Address group) => _stack is not null && group.Value == 0xE000_0001u;

    internal void OnStart() => GC.KeepAlive(_stack);

    internal void OnStop() => GC.KeepAlive(_stack);

    internal void Receive(in Packet packet, bool inFrame, Span<byte> datagram, int headerLength, Delivery delivery) =>
        _stack.DropDatagram(packet, inFrame, StackDropReason.IgmpUnhandled);
}
