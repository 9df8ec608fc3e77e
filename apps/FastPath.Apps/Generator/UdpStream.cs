using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Udp;

namespace FastPath.Apps.Generator;

/// <summary>
/// One UDP stream: the addresses and the frame size (Ethernet header to the end of the payload, no FCS, so
/// 60 bytes is the 64-byte minimum on the wire). The payload is zero.
/// </summary>
public sealed record UdpStream(MacAddress SourceMac, MacAddress DestinationMac, Ipv4Address SourceIp, Ipv4Address DestinationIp,
    ushort SourcePort = UdpStream.DefaultPort, ushort DestinationPort = UdpStream.DefaultPort, int FrameSize = UdpStream.MinimumFrameSize)
{
    /// <summary>The discard port (RFC 863): whatever lands on a host by mistake is thrown away.</summary>
    public const ushort DefaultPort = 9;
    /// <summary>Ethernet's minimum frame without the FCS (64 on the wire).</summary>
    public const int MinimumFrameSize = 60;
    /// <summary>The largest untagged frame for a 1500-byte MTU, without the FCS.</summary>
    public const int MaximumStandardFrameSize = 1514;

    private const int HeadersLength = EthernetFrame.UntaggedHeaderLength + Ipv4Packet.MinimumHeaderLength + UdpPacket.FixedHeaderLength;

    /// <summary>Bytes of UDP payload a frame of <see cref="FrameSize"/> carries.</summary>
    public int PayloadLength => FrameSize - HeadersLength;

    /// <summary>Why this stream cannot be sent on an interface with <paramref name="mtu"/>, or null when it can.</summary>
    public string? FindProblem(int mtu)
    {
        if (FrameSize < MinimumFrameSize)
            return $"frame size {FrameSize} is below Ethernet's minimum of {MinimumFrameSize} bytes (without FCS)";
        int largest = mtu + EthernetFrame.UntaggedHeaderLength;
        return FrameSize > largest ? $"frame size {FrameSize} exceeds the interface's largest frame, {largest} bytes (MTU {mtu} + 14)" : null;
    }

    /// <summary>Writes the whole frame, both checksums filled, into <paramref name="frame"/> (at least FrameSize bytes).</summary>
    public void Emit(Span<byte> frame)
    {
        frame = frame[..FrameSize];
        var ethernet = new EthernetRepr(SourceMac, DestinationMac, EtherType.Ipv4);
        var udp = new UdpRepr(SourcePort, DestinationPort, PayloadLength);
        var ip = new Ipv4Repr(SourceIp, DestinationIp, IpProtocol.Udp, udp.DatagramLength, Ttl: Ipv4Repr.DefaultTtl, DontFragment: true);
        ethernet.Emit(new EthernetFrame(frame));
        var packet = new Ipv4Packet(frame.Slice(EthernetFrame.UntaggedHeaderLength, ip.TotalLength));
        ip.Emit(packet);
        Span<byte> datagram = frame.Slice(EthernetFrame.UntaggedHeaderLength + ip.HeaderLength, udp.DatagramLength);
        datagram[UdpPacket.FixedHeaderLength..].Clear();
        udp.Emit(new UdpPacket(datagram), SourceIp, DestinationIp);
    }
}
