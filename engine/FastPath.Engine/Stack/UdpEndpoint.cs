using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Stack;

/// <summary>An IPv4 address and UDP port: where a datagram came from, or where to send one.</summary>
public readonly record struct UdpEndpoint(Ipv4Address Address, ushort Port)
{
    public override string ToString() => $"{Address}:{Port}";
}
