using System.Globalization;
using FastPath.Wire;
using FastPath.Wire.Arp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Icmp;
using FastPath.Wire.Igmp;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Tcp;
using FastPath.Wire.Udp;

namespace FastPath.Apps.Decode;

/// <summary>
/// Decodes an Ethernet frame layer by layer with the checked wire parsers: whatever the bytes are, it
/// returns a description and never throws. A layer that does not parse ends the walk with an error code;
/// checksums are verified where the bytes they cover were captured.
/// </summary>
public static class FrameDecoder
{
    public static DecodedFrame Decode(Span<byte> frame, int index, int originalLength = -1, DateTimeOffset? timestamp = null)
    {
        var decoded = new DecodedFrame
        {
            Index = index,
            Length = originalLength < 0 ? frame.Length : originalLength,
            CapturedLength = frame.Length,
            Timestamp = timestamp,
        };
        DecodeEthernet(frame, decoded);
        return decoded;
    }

    private static bool CaptureCut(DecodedFrame frame) => frame.CapturedLength < frame.Length;

    private static void Fail(DecodedFrame frame, string layer, WireError error, string problemForHeaderLength = "ihl")
    {
        string code = error switch
        {
            WireError.Truncated => "truncated",
            WireError.BadVersion => "version",
            WireError.BadHeaderLength => problemForHeaderLength,
            WireError.BadLength => "length",
            WireError.BadOption => "option",
            WireError.Unsupported => "unsupported",
            WireError.BadField => "field",
            _ => "malformed",
        };
        // A length field that runs past the captured bytes of a snap-length-cut capture is a cut, not a lie.
        if (code == "length" && CaptureCut(frame)) code = "truncated";
        frame.Errors.Add($"{layer}.{code}");
    }

    private static void DecodeEthernet(Span<byte> bytes, DecodedFrame frame)
    {
        if (!EthernetFrame.TryParse(bytes, out var eth, out var error))
        {
            Fail(frame, "eth", error);
            return;
        }
        ushort outerType = (ushort)(bytes[12] << 8 | bytes[13]);
        var layer = new DecodedLayer("eth")
            .Add("src", eth.Source.ToString())
            .Add("dst", eth.Destination.ToString())
            .Add("type", (int)outerType);
        layer.Summary = $"{eth.Source} > {eth.Destination}, ethertype {EtherTypeName(eth.EtherType)} (0x{(ushort)eth.EtherType:x4}), length {frame.Length}";
        frame.Layers.Add(layer);

        if (eth.ServiceVlan is { } service)
            frame.Layers.Add(VlanLayer("service_vlan", service, (ushort)EtherType.Vlan));
        if (eth.Vlan is { } vlan)
            frame.Layers.Add(VlanLayer("vlan", vlan, (ushort)eth.EtherType));

        switch (eth.EtherType)
        {
            case EtherType.Arp:
                DecodeArp(eth.Payload, frame);
                break;
            case EtherType.Ipv4:
                DecodeIpv4(eth.Payload, frame);
                break;
        }
    }

    private static DecodedLayer VlanLayer(string name, VlanTag tag, ushort innerType) => new DecodedLayer(name)
    {
        Summary = $"{(name == "vlan" ? "vlan" : "svlan")} {tag.VlanId}, p {tag.Priority}{(tag.DropEligible ? ", DEI" : "")}",
    }
        .Add("id", (int)tag.VlanId)
        .Add("priority", (int)tag.Priority)
        .Add("dei", tag.DropEligible)
        .Add("type", (int)innerType);

    private static void DecodeArp(Span<byte> bytes, DecodedFrame frame)
    {
        if (!ArpPacket.TryParse(bytes, out var arp, out var error))
        {
            Fail(frame, "arp", error);
            return;
        }
        var layer = new DecodedLayer("arp")
            .Add("hardware_type", (int)arp.HardwareType)
            .Add("protocol_type", (int)(ushort)arp.ProtocolType)
            .Add("hardware_length", (int)arp.HardwareLength)
            .Add("protocol_length", (int)arp.ProtocolLength)
            .Add("operation", (int)(ushort)arp.Operation)
            .Add("sender_mac", arp.SenderHardwareAddress.ToString())
            .Add("sender_ip", arp.SenderProtocolAddress.ToString())
            .Add("target_mac", arp.TargetHardwareAddress.ToString())
            .Add("target_ip", arp.TargetProtocolAddress.ToString());
        layer.Summary = arp.Operation switch
        {
            ArpOperation.Request => $"ARP, Request who-has {arp.TargetProtocolAddress} tell {arp.SenderProtocolAddress}, length {ArpPacket.Length}",
            ArpOperation.Reply => $"ARP, Reply {arp.SenderProtocolAddress} is-at {arp.SenderHardwareAddress}, length {ArpPacket.Length}",
            _ => $"ARP, op {(ushort)arp.Operation}, length {ArpPacket.Length}",
        };
        frame.Layers.Add(layer);
    }

    private static void DecodeIpv4(Span<byte> bytes, DecodedFrame frame)
    {
        if (!Ipv4Packet.TryParse(bytes, out var ip, out var error))
        {
            Fail(frame, "ipv4", error);
            return;
        }
        bool checksumValid = ip.VerifyChecksum();
        var layer = new DecodedLayer("ipv4")
            .Add("version", (int)ip.Version)
            .Add("ihl", ip.HeaderLength / 4)
            .Add("dscp", (int)ip.Dscp)
            .Add("ecn", (int)ip.Ecn)
            .Add("total_length", (int)ip.TotalLength)
            .Add("id", (int)ip.Identification)
            .Add("df", ip.DontFragment)
            .Add("mf", ip.MoreFragments)
            .Add("fragment_offset", (int)ip.FragmentOffset)
            .Add("ttl", (int)ip.Ttl)
            .Add("protocol", (int)(byte)ip.Protocol)
            .Add("checksum", (int)ip.Checksum)
            .Add("checksum_valid", checksumValid)
            .Add("src", ip.Source.ToString())
            .Add("dst", ip.Destination.ToString());
        if (ip.HeaderLength > Ipv4Packet.MinimumHeaderLength) layer.Add("options_length", ip.HeaderLength - Ipv4Packet.MinimumHeaderLength);
        string flags = (ip.DontFragment, ip.MoreFragments) switch
        {
            (true, true) => "DF+",
            (true, false) => "DF",
            (false, true) => "+",
            _ => "none",
        };
        layer.Summary = string.Create(CultureInfo.InvariantCulture,
            $"IP (tos 0x{(ip.Dscp << 2) | ip.Ecn:x}, ttl {ip.Ttl}, id {ip.Identification}, offset {ip.FragmentOffset}, flags [{flags}], proto {ProtocolName(ip.Protocol)} ({(byte)ip.Protocol}), length {ip.TotalLength}, cksum 0x{ip.Checksum:x4} ({(checksumValid ? "correct" : "incorrect")})) {ip.Source} > {ip.Destination}");
        frame.Layers.Add(layer);
        if (!checksumValid) frame.Errors.Add("ipv4.checksum");

        // Only the first fragment carries the transport header, and no fragment carries all the bytes its
        // checksum covers: leave transport decoding to reassembly.
        if (ip.IsFragment)
        {
            layer.Add("fragment", true);
            return;
        }
        Ipv4Address src = ip.Source, dst = ip.Destination;
        switch (ip.Protocol)
        {
            case IpProtocol.Udp:
                DecodeUdp(ip.Payload, src, dst, frame);
                break;
            case IpProtocol.Tcp:
                DecodeTcp(ip.Payload, src, dst, frame);
                break;
            case IpProtocol.Icmp:
                DecodeIcmp(ip.Payload, frame);
                break;
            case IpProtocol.Igmp:
                DecodeIgmp(ip.Payload, frame);
                break;
        }
    }

    private static void DecodeUdp(Span<byte> bytes, Ipv4Address src, Ipv4Address dst, DecodedFrame frame)
    {
        if (!UdpPacket.TryParse(bytes, out var udp, out var error))
        {
            Fail(frame, "udp", error);
            return;
        }
        bool present = udp.Checksum != 0; // RFC 768: zero means the sender computed none
        bool valid = !present || udp.VerifyChecksum(src, dst);
        var layer = new DecodedLayer("udp")
            .Add("src_port", (int)udp.SourcePort)
            .Add("dst_port", (int)udp.DestinationPort)
            .Add("length", (int)udp.Length)
            .Add("checksum", (int)udp.Checksum)
            .Add("checksum_valid", present ? valid : null)
            .Add("payload_length", udp.Payload.Length);
        layer.Summary = $"UDP {udp.SourcePort} > {udp.DestinationPort}, length {udp.Payload.Length}, cksum 0x{udp.Checksum:x4} ({(present ? valid ? "correct" : "incorrect" : "none")})";
        frame.Layers.Add(layer);
        if (!valid) frame.Errors.Add("udp.checksum");
    }

    private static void DecodeTcp(Span<byte> bytes, Ipv4Address src, Ipv4Address dst, DecodedFrame frame)
    {
        if (!TcpPacket.TryParse(bytes, out var tcp, out var error))
        {
            Fail(frame, "tcp", error, "data_offset");
            return;
        }
        bool valid = tcp.VerifyChecksum(src, dst);
        var layer = new DecodedLayer("tcp")
            .Add("src_port", (int)tcp.SourcePort)
            .Add("dst_port", (int)tcp.DestinationPort)
            .Add("seq", (long)tcp.SequenceNumber)
            .Add("ack", (long)tcp.AcknowledgmentNumber)
            .Add("data_offset", tcp.HeaderLength / 4)
            .Add("flags", FlagLetters(tcp.Flags))
            .Add("window", (int)tcp.Window)
            .Add("checksum", (int)tcp.Checksum)
            .Add("checksum_valid", valid)
            .Add("urgent_pointer", (int)tcp.UrgentPointer)
            .Add("payload_length", tcp.Payload.Length);

        // A repeated option overrides the earlier one in the JSON (as Linux's tcp_parse_options and TcpRepr do); the
        // summary lists every option as sent. Found by the fuzzer: two SACK-permitted options made a member appear twice.
        var options = new DecodedLayer("options");
        var summary = new List<string>();
        var enumerator = tcp.Options;
        while (enumerator.MoveNext())
        {
            var option = enumerator.Current;
            switch (option.Kind)
            {
                case TcpOptionKind.MaxSegmentSize:
                    options.Set("mss", (int)option.MaxSegmentSize);
                    summary.Add($"mss {option.MaxSegmentSize}");
                    break;
                case TcpOptionKind.WindowScale:
                    options.Set("window_scale", (int)option.WindowScale);
                    summary.Add($"wscale {option.WindowScale}");
                    break;
                case TcpOptionKind.SackPermitted:
                    options.Set("sack_permitted", true);
                    summary.Add("sackOK");
                    break;
                case TcpOptionKind.Sack:
                    var blocks = new List<object?>();
                    for (int i = 0; i < option.SackBlockCount; i++)
                    {
                        var block = option.GetSackBlock(i);
                        blocks.Add(new DecodedLayer("block").Add("left", (long)block.Left).Add("right", (long)block.Right));
                    }
                    options.Set("sack", blocks);
                    summary.Add($"sack {option.SackBlockCount}");
                    break;
                case TcpOptionKind.Timestamps:
                    options.Set("ts_val", (long)option.TimestampValue).Set("ts_ecr", (long)option.TimestampEchoReply);
                    summary.Add($"TS val {option.TimestampValue} ecr {option.TimestampEchoReply}");
                    break;
                default:
                    summary.Add($"opt-{(byte)option.Kind}");
                    break;
            }
        }
        if (options.Fields.Count > 0) layer.Add("options", options);
        layer.Summary = $"TCP {tcp.SourcePort} > {tcp.DestinationPort}: Flags [{TcpdumpFlags(tcp.Flags)}], seq {tcp.SequenceNumber}, ack {tcp.AcknowledgmentNumber}, win {tcp.Window}"
            + (summary.Count > 0 ? $", options [{string.Join(",", summary)}]" : "")
            + $", length {tcp.Payload.Length}, cksum 0x{tcp.Checksum:x4} ({(valid ? "correct" : "incorrect")})";
        frame.Layers.Add(layer);
        if (enumerator.Error != WireError.None) Fail(frame, "tcp", enumerator.Error);
        if (!valid) frame.Errors.Add("tcp.checksum");
    }

    private static void DecodeIcmp(Span<byte> bytes, DecodedFrame frame)
    {
        if (!Icmpv4Packet.TryParse(bytes, out var icmp, out var error))
        {
            Fail(frame, "icmp", error);
            return;
        }
        bool valid = icmp.VerifyChecksum();
        var layer = new DecodedLayer("icmp")
            .Add("type", (int)(byte)icmp.Type)
            .Add("code", (int)icmp.Code)
            .Add("checksum", (int)icmp.Checksum)
            .Add("checksum_valid", valid);
        string what;
        switch (icmp.Type)
        {
            case Icmpv4Type.EchoRequest or Icmpv4Type.EchoReply:
                layer.Add("id", (int)icmp.Identifier).Add("seq", (int)icmp.SequenceNumber).Add("payload_length", icmp.Payload.Length);
                what = $"echo {(icmp.Type == Icmpv4Type.EchoRequest ? "request" : "reply")}, id {icmp.Identifier}, seq {icmp.SequenceNumber}, length {bytes.Length}";
                break;
            case Icmpv4Type.Timestamp or Icmpv4Type.TimestampReply:
                layer.Add("id", (int)icmp.Identifier).Add("seq", (int)icmp.SequenceNumber)
                    .Add("originate", (long)icmp.OriginateTimestamp).Add("receive", (long)icmp.ReceiveTimestamp).Add("transmit", (long)icmp.TransmitTimestamp);
                what = $"time stamp {(icmp.Type == Icmpv4Type.Timestamp ? "query" : "reply")} id {icmp.Identifier} seq {icmp.SequenceNumber}";
                break;
            case Icmpv4Type.AddressMaskRequest or Icmpv4Type.AddressMaskReply:
                layer.Add("id", (int)icmp.Identifier).Add("seq", (int)icmp.SequenceNumber).Add("mask", icmp.AddressMask.ToString());
                what = $"address mask {(icmp.Type == Icmpv4Type.AddressMaskRequest ? "request" : "is " + icmp.AddressMask)}";
                break;
            case Icmpv4Type.DestinationUnreachable:
                if (icmp.Code == 4) layer.Add("next_hop_mtu", (int)icmp.NextHopMtu);
                layer.Add("payload_length", icmp.Payload.Length);
                what = $"destination unreachable, code {icmp.Code}";
                break;
            case Icmpv4Type.TimeExceeded:
                layer.Add("payload_length", icmp.Payload.Length);
                what = icmp.Code == 0 ? "time exceeded in-transit" : "ip reassembly time exceeded";
                break;
            default:
                what = $"type {(byte)icmp.Type}, code {icmp.Code}";
                break;
        }
        layer.Summary = $"ICMP {what}, cksum 0x{icmp.Checksum:x4} ({(valid ? "correct" : "incorrect")})";
        frame.Layers.Add(layer);
        if (!valid) frame.Errors.Add("icmp.checksum");
    }

    private static void DecodeIgmp(Span<byte> bytes, DecodedFrame frame)
    {
        if (!IgmpPacket.TryParse(bytes, out var igmp, out var error))
        {
            Fail(frame, "igmp", error);
            return;
        }
        bool valid = igmp.VerifyChecksum();
        var layer = new DecodedLayer("igmp")
            .Add("type", (int)(byte)igmp.Type)
            .Add("version", (int)igmp.Version)
            .Add("max_response_code", (int)igmp.MaxResponseCode)
            .Add("checksum", (int)igmp.Checksum)
            .Add("checksum_valid", valid);
        string what;
        if (igmp.Type == IgmpMessageType.V3MembershipReport)
        {
            var records = new List<object?>();
            foreach (var record in igmp.GroupRecords)
            {
                var sources = new List<object?>();
                foreach (var source in record.Sources) sources.Add(source.ToString());
                records.Add(new DecodedLayer("record")
                    .Add("type", (int)(byte)record.RecordType)
                    .Add("group", record.MulticastAddress.ToString())
                    .Add("sources", sources));
            }
            layer.Add("records", records);
            what = $"v3 report, {records.Count} group record(s)";
        }
        else
        {
            layer.Add("group", igmp.GroupAddress.ToString());
            if (igmp.Version == IgmpVersion.V3 && igmp.Type == IgmpMessageType.MembershipQuery)
            {
                var sources = new List<object?>();
                foreach (var source in igmp.Sources) sources.Add(source.ToString());
                layer.Add("qrv", (int)igmp.QueryRobustnessVariable).Add("qqic", (int)igmp.QueryIntervalCode).Add("sources", sources);
            }
            what = igmp.Type switch
            {
                IgmpMessageType.MembershipQuery => $"v{(int)igmp.Version} query, group {igmp.GroupAddress}",
                IgmpMessageType.V1MembershipReport => $"v1 report {igmp.GroupAddress}",
                IgmpMessageType.V2MembershipReport => $"v2 report {igmp.GroupAddress}",
                IgmpMessageType.LeaveGroup => $"leave {igmp.GroupAddress}",
                _ => $"type 0x{(byte)igmp.Type:x2}",
            };
        }
        layer.Summary = $"IGMP {what}, cksum 0x{igmp.Checksum:x4} ({(valid ? "correct" : "incorrect")})";
        frame.Layers.Add(layer);
        if (!valid) frame.Errors.Add("igmp.checksum");
    }

    private static string EtherTypeName(EtherType type) => type switch
    {
        EtherType.Ipv4 => "IPv4",
        EtherType.Arp => "ARP",
        EtherType.Ipv6 => "IPv6",
        _ => "Unknown",
    };

    private static string ProtocolName(IpProtocol protocol) => protocol switch
    {
        IpProtocol.Icmp => "ICMP",
        IpProtocol.Igmp => "IGMP",
        IpProtocol.Tcp => "TCP",
        IpProtocol.Udp => "UDP",
        _ => "unknown",
    };

    /// <summary>Flags as letters in header order, CWR first: "SA" for SYN+ACK (lower snake case JSON keeps them compact).</summary>
    private static string FlagLetters(TcpFlags flags)
    {
        Span<char> letters = stackalloc char[8];
        int n = 0;
        if ((flags & TcpFlags.Cwr) != 0) letters[n++] = 'C';
        if ((flags & TcpFlags.Ece) != 0) letters[n++] = 'E';
        if ((flags & TcpFlags.Urg) != 0) letters[n++] = 'U';
        if ((flags & TcpFlags.Ack) != 0) letters[n++] = 'A';
        if ((flags & TcpFlags.Psh) != 0) letters[n++] = 'P';
        if ((flags & TcpFlags.Rst) != 0) letters[n++] = 'R';
        if ((flags & TcpFlags.Syn) != 0) letters[n++] = 'S';
        if ((flags & TcpFlags.Fin) != 0) letters[n++] = 'F';
        return new string(letters[..n]);
    }

    /// <summary>tcpdump's flag notation: S, F, R, P, U, E, W, and '.' for ACK.</summary>
    private static string TcpdumpFlags(TcpFlags flags)
    {
        var text = new System.Text.StringBuilder(8);
        if ((flags & TcpFlags.Syn) != 0) text.Append('S');
        if ((flags & TcpFlags.Fin) != 0) text.Append('F');
        if ((flags & TcpFlags.Rst) != 0) text.Append('R');
        if ((flags & TcpFlags.Psh) != 0) text.Append('P');
        if ((flags & TcpFlags.Urg) != 0) text.Append('U');
        if ((flags & TcpFlags.Ece) != 0) text.Append('E');
        if ((flags & TcpFlags.Cwr) != 0) text.Append('W');
        if ((flags & TcpFlags.Ack) != 0) text.Append('.');
        return text.Length == 0 ? "none" : text.ToString();
    }
}
