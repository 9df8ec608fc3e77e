using FastPath.TestKit;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Icmp;
using FastPath.Wire.Igmp;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Tcp;

namespace FastPath.Fuzz.Tests.Corpus;

/// <summary>
/// Seeds for what the captures cannot hold: a host does not send queries, and the kernel never quoted one of
/// FastPath's echo requests. Built with the Wire representations, addressed from the peer (TestFrames' host A)
/// to the stack under test (host B): IGMP v1, v2 and v3 queries (general, group-specific, with sources), an
/// ICMP unreachable and a time exceeded that quote an echo request of ours, an address mask request, and TCP
/// segments with SACK blocks and every option at once.
/// </summary>
internal static class SyntheticSeeds
{
    public static List<CorpusFrame> Build()
    {
        var group = new Ipv4Address(239, 1, 2, 3);
        var frames = new List<CorpusFrame>
        {
            new("synthetic/igmpv1-query", Igmp(IgmpRepr.V1Query(), AllSystems, [])),
            new("synthetic/igmpv2-general-query", Igmp(IgmpRepr.V2Query(TimeSpan.FromSeconds(10), default), AllSystems, [])),
            new("synthetic/igmpv2-group-query", Igmp(IgmpRepr.V2Query(TimeSpan.FromSeconds(1), group), group, [])),
            new("synthetic/igmpv3-general-query", Igmp(IgmpRepr.V3Query(TimeSpan.FromSeconds(10), default, false, 2, TimeSpan.FromSeconds(125)), AllSystems, [])),
            new("synthetic/igmpv3-group-source-query",
                Igmp(IgmpRepr.V3Query(TimeSpan.FromSeconds(1), group, true, 2, TimeSpan.FromSeconds(125), 2), group, [10, 0, 0, 1, 10, 0, 0, 9])),
            new("synthetic/igmpv2-report-other-host", TestFrames.IgmpV2Report(group)),
            new("synthetic/icmp-unreachable-quoting-our-echo", IcmpQuotingOurEcho(Icmpv4Repr.DestinationUnreachable(Icmpv4UnreachableCode.HostUnreachable, 28))),
            new("synthetic/icmp-time-exceeded-quoting-our-echo", IcmpQuotingOurEcho(Icmpv4Repr.TimeExceeded(Icmpv4TimeExceededCode.TtlExceededInTransit, 28))),
            new("synthetic/icmp-echo-reply", TestFrames.IcmpEcho(0x4242, 7, [1, 2, 3, 4], reply: true)),
            new("synthetic/icmp-address-mask-request", Icmp(Icmpv4Repr.AddressMaskRequest(1, 1), [])),
            new("synthetic/tcp-sack-timestamps", TestFrames.Tcp(new TcpRepr
            {
                SourcePort = 40000, DestinationPort = 8080, SequenceNumber = 1, AcknowledgmentNumber = 1, Flags = TcpFlags.Ack, Window = 1000,
                Timestamps = (10, 20),
                SackBlocks = new TcpSackBlocks([new TcpSackBlock(100, 200), new TcpSackBlock(300, 400), new TcpSackBlock(500, 600)]),
            }, [0x61, 0x62, 0x63])),
            new("synthetic/tcp-syn-every-option", TestFrames.Tcp(new TcpRepr
            {
                SourcePort = 40001, DestinationPort = 8080, SequenceNumber = 77, Flags = TcpFlags.Syn | TcpFlags.Ece | TcpFlags.Cwr, Window = 512,
                MaxSegmentSize = 536, WindowScale = 14, SackPermitted = true, Timestamps = (1, 0),
            }, [])),
            new("synthetic/tcp-urgent-data", TestFrames.Tcp(new TcpRepr
            {
                SourcePort = 40000, DestinationPort = 8080, SequenceNumber = 1, AcknowledgmentNumber = 1, Flags = TcpFlags.Ack | TcpFlags.Urg | TcpFlags.Psh,
                Window = 1000, UrgentPointer = 2,
            }, [0x78, 0x79, 0x7A, 0x7B])),
            new("synthetic/udp-to-group", TestFrames.Udp([1, 2, 3], 40000, 5001, destination: group, destinationMac: MacAddress.FromIpv4Multicast(group))),
            new("synthetic/udp-broadcast", TestFrames.Udp([1, 2, 3], 40000, 5000, destination: Ipv4Address.Broadcast, destinationMac: MacAddress.Broadcast)),
            new("synthetic/udp-zero-checksum", UdpWithoutChecksum()),
        };
        return frames;
    }

    private static readonly Ipv4Address AllSystems = new(224, 0, 0, 1);

    private static byte[] Igmp(IgmpRepr repr, Ipv4Address destination, byte[] variablePart) =>
        TestFrames.Ipv4(IpProtocol.Igmp, repr.MessageLength, null, destination, null, MacAddress.FromIpv4Multicast(destination), (message, _, _) =>
        {
            variablePart.CopyTo(message[repr.HeaderLength..]);
            repr.Emit(new IgmpPacket(message));
        }, ttl: 1);

    private static byte[] Icmp(Icmpv4Repr repr, byte[] payload) =>
        TestFrames.Ipv4(IpProtocol.Icmp, repr.MessageLength, null, null, null, null, (message, _, _) =>
        {
            payload.CopyTo(message[repr.HeaderLength..]);
            repr.Emit(new Icmpv4Packet(message));
        });

    /// <summary>An ICMP error about an echo request the stack (host B) sent to host A: the quote is its IPv4 header and first 8 bytes.</summary>
    private static byte[] IcmpQuotingOurEcho(Icmpv4Repr error)
    {
        byte[] request = TestFrames.Ipv4(IpProtocol.Icmp, 8, TestFrames.IpB, TestFrames.IpA, null, TestFrames.HostA, (message, _, _) =>
            Icmpv4Repr.EchoRequest(0x4242, 9, 0).Emit(new Icmpv4Packet(message)));
        byte[] quote = request.AsSpan(EthernetFrame.UntaggedHeaderLength, 28).ToArray();
        return Icmp(error with { PayloadLength = quote.Length }, quote);
    }

    private static byte[] UdpWithoutChecksum()
    {
        byte[] frame = TestFrames.Udp([9, 9, 9, 9], 40000, 5000);
        frame[EthernetFrame.UntaggedHeaderLength + 20 + 6] = 0;
        frame[EthernetFrame.UntaggedHeaderLength + 20 + 7] = 0;
        return frame;
    }
}
