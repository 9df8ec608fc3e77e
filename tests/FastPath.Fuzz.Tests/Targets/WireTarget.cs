using FastPath.Wire;
using FastPath.Wire.Arp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Icmp;
using FastPath.Wire.Igmp;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Tcp;
using FastPath.Wire.Udp;

namespace FastPath.Fuzz.Tests.Targets;

/// <summary>
/// Every checked constructor and representation parser of FastPath.Wire over one frame: Ethernet (tags
/// included), then ARP and IPv4 on the Ethernet payload, then ICMP, IGMP, UDP and TCP on the IPv4 payload
/// (all four, whatever the protocol field says, so each parser sees every kind of bytes). Whatever parses
/// is read field by field (options, records and sources enumerated) and its representation emitted back
/// and parsed again, which must give the same representation. Any exception is a failure.
/// </summary>
internal sealed class WireTarget
{
    private readonly byte[] _scratch = new byte[70_000];

    public void Run(Span<byte> frame)
    {
        Span<byte> payload = frame.Length >= EthernetFrame.UntaggedHeaderLength ? frame[EthernetFrame.UntaggedHeaderLength..] : [];
        if (EthernetFrame.TryParse(frame, out EthernetFrame ethernet))
        {
            payload = ethernet.Payload;
            Ethernet(ethernet);
        }
        Arp(payload);
        Span<byte> transport = payload.Length >= Ipv4Packet.MinimumHeaderLength ? payload[Ipv4Packet.MinimumHeaderLength..] : [];
        Ipv4Address source = default, destination = default;
        if (Ipv4Packet.TryParse(payload, out Ipv4Packet ip))
        {
            transport = ip.Payload;
            source = ip.Source;
            destination = ip.Destination;
            Ipv4(ip);
        }
        Icmp(transport);
        Igmp(transport);
        Udp(transport, source, destination);
        Tcp(transport, source, destination);
    }

    private static void Fail(string what) => throw new FuzzFailureException(what);

    private void Ethernet(EthernetFrame frame)
    {
        _ = frame.HasVlan;
        _ = frame.HeaderLength;
        if (!EthernetRepr.TryParse(frame, out EthernetRepr repr)) return;
        Span<byte> buffer = _scratch.AsSpan(0, repr.HeaderLength);
        repr.Emit(new EthernetFrame(buffer));
        if (!EthernetFrame.TryParse(buffer, out EthernetFrame again) || !EthernetRepr.TryParse(again, out EthernetRepr reparsed) || reparsed != repr)
            Fail($"Ethernet: {repr} emitted and parsed again is not the same");
    }

    private void Arp(Span<byte> bytes)
    {
        if (!ArpPacket.TryParse(bytes, out ArpPacket arp)) return;
        _ = (arp.HardwareType, arp.ProtocolType, arp.HardwareLength, arp.ProtocolLength, arp.Operation);
        if (!ArpRepr.TryParse(arp, out ArpRepr repr)) return;
        Span<byte> buffer = _scratch.AsSpan(0, repr.HeaderLength);
        repr.Emit(new ArpPacket(buffer));
        if (!ArpPacket.TryParse(buffer, out ArpPacket again) || !ArpRepr.TryParse(again, out ArpRepr reparsed) || reparsed != repr)
            Fail($"ARP: {repr} emitted and parsed again is not the same");
    }

    private void Ipv4(Ipv4Packet ip)
    {
        _ = (ip.Version, ip.Dscp, ip.Ecn, ip.Identification, ip.DontFragment, ip.MoreFragments, ip.FragmentOffset, ip.IsFragment, ip.Ttl, ip.Checksum);
        _ = ip.Options.Length;
        _ = ip.VerifyChecksum();
        if (!Ipv4Repr.TryParse(ip, out Ipv4Repr repr)) return;
        Span<byte> buffer = _scratch.AsSpan(0, repr.TotalLength);
        repr.Emit(new Ipv4Packet(buffer));
        if (!Ipv4Packet.TryParse(buffer, out Ipv4Packet again) || !Ipv4Repr.TryParse(again, out Ipv4Repr reparsed) || reparsed != repr)
            Fail($"IPv4: {repr} emitted and parsed again is not the same");
        if (!again.VerifyChecksum()) Fail($"IPv4: {repr} emitted with a wrong header checksum");
    }

    private void Icmp(Span<byte> bytes)
    {
        if (!Icmpv4Packet.TryParse(bytes, out Icmpv4Packet icmp)) return;
        _ = (icmp.Type, icmp.Code, icmp.Checksum, icmp.RestOfHeader, icmp.Identifier, icmp.SequenceNumber, icmp.NextHopMtu);
        _ = icmp.Payload.Length;
        _ = icmp.VerifyChecksum();
        if (icmp.HeaderLength >= 20) _ = (icmp.OriginateTimestamp, icmp.ReceiveTimestamp, icmp.TransmitTimestamp);
        if (icmp.HeaderLength >= 12) _ = icmp.AddressMask;
        if (!Icmpv4Repr.TryParse(icmp, out Icmpv4Repr repr)) return;
        Span<byte> buffer = _scratch.AsSpan(0, repr.MessageLength);
        icmp.Payload.CopyTo(buffer[repr.HeaderLength..]);
        repr.Emit(new Icmpv4Packet(buffer));
        if (!Icmpv4Packet.TryParse(buffer, out Icmpv4Packet again) || !Icmpv4Repr.TryParse(again, out Icmpv4Repr reparsed) || reparsed != repr)
            Fail($"ICMP: {repr} emitted and parsed again is not the same");
        if (!again.VerifyChecksum()) Fail($"ICMP: {repr} emitted with a wrong checksum");
    }

    private void Igmp(Span<byte> bytes)
    {
        if (!IgmpPacket.TryParse(bytes, out IgmpPacket igmp)) return;
        _ = (igmp.Type, igmp.MaxResponseCode, igmp.Checksum, igmp.GroupAddress, igmp.Version, igmp.HeaderLength);
        _ = igmp.VerifyChecksum();
        bool v3Query = igmp.Type == IgmpMessageType.MembershipQuery && igmp.Version == IgmpVersion.V3;
        if (v3Query)
        {
            _ = (igmp.SuppressRouterProcessing, igmp.QueryRobustnessVariable, igmp.QueryIntervalCode);
            int index = 0;
            foreach (Ipv4Address source in igmp.Sources)
            {
                if (igmp.GetSource(index++) != source) Fail("IGMP: GetSource disagrees with the enumerator");
            }
            if (index != igmp.NumberOfSources) Fail($"IGMP: {index} sources enumerated, {igmp.NumberOfSources} announced");
        }
        int recordBytes = 0;
        if (igmp.Type == IgmpMessageType.V3MembershipReport)
        {
            var records = igmp.GroupRecords;
            int count = 0;
            while (records.MoveNext())
            {
                IgmpGroupRecord record = records.Current;
                count++;
                recordBytes += record.Length;
                _ = (record.RecordType, record.AuxDataLength, record.MulticastAddress, record.AuxData.Length);
                int index = 0;
                foreach (Ipv4Address source in record.Sources)
                {
                    if (record.GetSource(index++) != source) Fail("IGMP: a record's GetSource disagrees with its enumerator");
                }
                if (index != record.NumberOfSources) Fail($"IGMP: {index} record sources enumerated, {record.NumberOfSources} announced");
            }
            if (records.Error != WireError.None) Fail($"IGMP: a checked report's records fail to enumerate ({records.Error})");
            if (count != igmp.NumberOfGroupRecords) Fail($"IGMP: {count} records enumerated, {igmp.NumberOfGroupRecords} announced");
        }
        if (!IgmpRepr.TryParse(igmp, out IgmpRepr repr)) return;
        if (repr.Type == IgmpMessageType.V3MembershipReport && repr.GroupRecordsLength != recordBytes)
            Fail($"IGMP: repr says {repr.GroupRecordsLength} bytes of records, the walk found {recordBytes}");
        Span<byte> buffer = _scratch.AsSpan(0, repr.MessageLength);
        // The variable part (sources or records) goes in first: Emit writes the fixed part and sums it all.
        int fixedPart = repr.HeaderLength;
        bytes[fixedPart..Math.Min(bytes.Length, repr.MessageLength)].CopyTo(buffer[fixedPart..]);
        repr.Emit(new IgmpPacket(buffer));
        if (!IgmpPacket.TryParse(buffer, out IgmpPacket again) || !IgmpRepr.TryParse(again, out IgmpRepr reparsed) || reparsed != repr)
            Fail($"IGMP: {repr} emitted and parsed again is not the same");
        if (!again.VerifyChecksum()) Fail($"IGMP: {repr} emitted with a wrong checksum");
    }

    private void Udp(Span<byte> bytes, Ipv4Address source, Ipv4Address destination)
    {
        if (!UdpPacket.TryParse(bytes, out UdpPacket udp)) return;
        _ = (udp.SourcePort, udp.DestinationPort, udp.Length, udp.Checksum, udp.Payload.Length, udp.Datagram.Length);
        _ = udp.VerifyChecksum(source, destination);
        if (!UdpRepr.TryParse(udp, out UdpRepr repr)) Fail("UDP: a checked view fails to parse");
        Span<byte> buffer = _scratch.AsSpan(0, repr.DatagramLength);
        udp.Payload.CopyTo(buffer[repr.HeaderLength..]);
        repr.Emit(new UdpPacket(buffer), source, destination);
        if (!UdpPacket.TryParse(buffer, out UdpPacket again) || !UdpRepr.TryParse(again, out UdpRepr reparsed) || reparsed != repr)
            Fail($"UDP: {repr} emitted and parsed again is not the same");
        if (!again.VerifyChecksum(source, destination)) Fail($"UDP: {repr} emitted with a wrong checksum");
    }

    private void Tcp(Span<byte> bytes, Ipv4Address source, Ipv4Address destination)
    {
        if (!TcpPacket.TryParse(bytes, out TcpPacket tcp)) return;
        _ = (tcp.SourcePort, tcp.DestinationPort, tcp.SequenceNumber, tcp.AcknowledgmentNumber, tcp.HeaderLength, tcp.Flags, tcp.Window, tcp.UrgentPointer);
        _ = (tcp.Payload.Length, tcp.OptionBytes.Length);
        _ = tcp.VerifyChecksum(source, destination);
        var options = tcp.Options;
        while (options.MoveNext())
        {
            TcpOption option = options.Current;
            _ = option.Length;
            switch (option.Kind)
            {
                case TcpOptionKind.MaxSegmentSize: _ = option.MaxSegmentSize; break;
                case TcpOptionKind.WindowScale: _ = option.WindowScale; break;
                case TcpOptionKind.Timestamps: _ = (option.TimestampValue, option.TimestampEchoReply); break;
                case TcpOptionKind.Sack:
                    for (int i = 0; i < option.SackBlockCount; i++) _ = option.GetSackBlock(i);
                    break;
            }
        }
        if (!TcpRepr.TryParse(tcp, out TcpRepr repr, out WireError error))
        {
            if (error != options.Error) Fail($"TCP: the repr refuses the options with {error}, the enumerator said {options.Error}");
            return;
        }
        if (options.Error != WireError.None) Fail($"TCP: the enumerator refuses the options ({options.Error}), the repr accepts them");
        // Emit takes what fits the 40-byte options area: four SACK blocks next to timestamps do not.
        if (repr.SackBlocks.Count > repr.SackBlockCapacity) return;
        Span<byte> buffer = _scratch.AsSpan(0, repr.SegmentLength);
        tcp.Payload.CopyTo(buffer[repr.HeaderLength..]);
        repr.Emit(new TcpPacket(buffer), source, destination);
        if (!TcpPacket.TryParse(buffer, out TcpPacket again) || !TcpRepr.TryParse(again, out TcpRepr reparsed) || reparsed != repr)
            Fail($"TCP: {repr} emitted and parsed again is not the same");
        if (!again.VerifyChecksum(source, destination)) Fail($"TCP: {repr} emitted with a wrong checksum");
    }
}
