using FastPath.Wire.Ethernet;

namespace FastPath.Engine.Ports;

/// <summary>What a port is: its interface and queue, and how the driver attached to it.</summary>
/// <param name="Name">Interface (or pseudo-interface) name.</param>
/// <param name="Mac">The interface's MAC address.</param>
/// <param name="Mtu">IP MTU in bytes (frame size without Ethernet header and FCS).</param>
/// <param name="Queue">Queue index on the interface.</param>
/// <param name="Driver">"afxdp", "afpacket", "memory", "pcap", ...</param>
/// <param name="Mode">How the driver runs, e.g. "native zero-copy", "generic copy", "tpacket-v3".</param>
public sealed record PortInfo(string Name, MacAddress Mac, int Mtu, int Queue, string Driver, string Mode)
{
    /// <summary>Checksum offloads the port does for us on transmit (none unless the driver says so).</summary>
    public PortOffloads Offloads { get; init; }
}

[Flags]
public enum PortOffloads
{
    None = 0,
    Ipv4ChecksumTx = 1,
    L4ChecksumTx = 2,
    L4ChecksumRx = 4,
}
