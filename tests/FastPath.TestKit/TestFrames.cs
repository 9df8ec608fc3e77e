using FastPath.Wire.Ethernet;
using FastPath.Wire.Icmp;
using FastPath.Wire.Igmp;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Tcp;
using FastPath.Wire.Udp;

namespace FastPath.TestKit;

/// <summary>
/// Builds well-formed Ethernet frames with the wire representations, for tests that need traffic rather
/// than fixtures. Every checksum is filled; frames shorter than 60 bytes are zero-padded as a NIC would.
/// </summary>
public static class TestFrames
{
    public static readonly MacAddress HostA = MacAddress.Parse("02:00:00:00:00:0a");
    public static readonly MacAddress HostB = MacAddress.Parse("02:00:00:00:00:0b");
    public static readonly Ipv4Address IpA = Ipv4Address.Parse("10.0.0.1");
    public static readonly Ipv4Address IpB = Ipv4Address.Parse("10.0.0.2");

    public static byte[] Udp(byte[] payload, ushort sourcePort = 40000, ushort destinationPort = 9, VlanTag? vlan = null,
        Ipv4Address? source = null, Ipv4Address? destination = null, MacAddress? destinationMac = null)
    {
        var repr = new UdpRepr(sourcePort, destinationPort, payload.Length);
        return Ipv4(IpProtocol.Udp, repr.DatagramLength, source, destination, vlan, destinationMac, (segment, src, dst) =>
        {
            payload.CopyTo(segment[repr.HeaderLength..]);
            repr.Emit(new UdpPacket(segment), src, dst);
        });
    }

    /// <summary>A SYN with the options Linux sends: MSS 1460, SACK-permitted, timestamps, window scale 7.</summary>
    public static byte[] TcpSyn(ushort sourcePort = 40000, ushort destinationPort = 80, uint sequence = 1000)
    {
        var repr = new TcpRepr
        {
            SourcePort = sourcePort,
            DestinationPort = destinationPort,
            SequenceNumber = sequence,
            Flags = TcpFlags.Syn,
            Window = 64240,
            MaxSegmentSize = 1460,
            SackPermitted = true,
            Timestamps = (123456, 0),
            WindowScale = 7,
        };
        return Tcp(repr, []);
    }

    public static byte[] Tcp(TcpRepr repr, byte[] payload)
    {
        repr = repr with { PayloadLength = payload.Length };
        return Ipv4(IpProtocol.Tcp, repr.SegmentLength, null, null, null, null, (segment, src, dst) =>
        {
            payload.CopyTo(segment[repr.HeaderLength..]);
            repr.Emit(new TcpPacket(segment), src, dst);
        });
    }

    public static byte[] IcmpEcho(ushort identifier, ushort sequence, byte[] data, bool reply = false)
    {
        var repr = reply ? Icmpv4Repr.EchoReply(identifier, sequence, data.Length) : Icmpv4Repr.EchoRequest(identifier, sequence, data.Length);
        return Ipv4(IpProtocol.Icmp, repr.MessageLength, null, null, null, null, (message, _, _) =>
        {
            data.CopyTo(message[repr.HeaderLength..]);
            repr.Emit(new Icmpv4Packet(message));
        });
    }

    public static byte[] IgmpV2Report(Ipv4Address group)
    {
        var repr = IgmpRepr.V2Report(group);
        return Ipv4(IpProtocol.Igmp, repr.MessageLength, null, group, null, MacAddress.FromIpv4Multicast(group),
            (message, _, _) => repr.Emit(new IgmpPacket(message)), ttl: 1);
    }

    public delegate void SegmentWriter(Span<byte> segment, Ipv4Address source, Ipv4Address destination);

    /// <summary>Ethernet + IPv4 around a transport segment that <paramref name="write"/> fills in place.</summary>
    public static byte[] Ipv4(IpProtocol protocol, int segmentLength, Ipv4Address? source, Ipv4Address? destination, VlanTag? vlan,
        MacAddress? destinationMac, SegmentWriter write, byte ttl = 64)
    {
        var eth = new EthernetRepr(HostA, destinationMac ?? HostB, EtherType.Ipv4, vlan);
        var ip = new Ipv4Repr(source ?? IpA, destination ?? IpB, protocol, segmentLength, Ttl: ttl, Identification: 0x1234, DontFragment: true);
        int length = eth.HeaderLength + ip.TotalLength;
        var frame = new byte[Math.Max(length, EthernetFrame.MinimumFrameLength)];
        eth.Emit(new EthernetFrame(frame));
        var packet = new Ipv4Packet(frame.AsSpan(eth.HeaderLength, ip.TotalLength));
        ip.Emit(packet);
        write(frame.AsSpan(eth.HeaderLength + ip.HeaderLength, segmentLength), ip.Source, ip.Destination);
        return frame;
    }
}
