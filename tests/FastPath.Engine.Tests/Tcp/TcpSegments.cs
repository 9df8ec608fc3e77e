using System.Text;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Tcp;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Tcp;

/// <summary>One TCP segment as it crossed the wire: addresses, the interpreted header, the payload bytes.</summary>
internal sealed record Segment(Ipv4Address Source, Ipv4Address Destination, TcpRepr Header, byte[] Payload, bool ChecksumValid)
{
    public TcpFlags Flags => Header.Flags;
    public uint Sequence => Header.SequenceNumber;
    public uint Acknowledgment => Header.AcknowledgmentNumber;

    /// <summary>Sequence space the segment occupies (RFC 9293 section 3.4: SYN and FIN count one each).</summary>
    public uint SequenceLength =>
        (uint)Payload.Length + ((Flags & TcpFlags.Syn) != 0 ? 1u : 0u) + ((Flags & TcpFlags.Fin) != 0 ? 1u : 0u);

    public bool Has(TcpFlags flags) => (Flags & flags) == flags;

    public override string ToString() =>
        $"{Header.SourcePort}->{Header.DestinationPort} {TcpSegments.Describe(Flags)} seq={Sequence} ack={Acknowledgment} " +
        $"win={Header.Window} len={Payload.Length}{(Header.UrgentPointer != 0 ? $" up={Header.UrgentPointer}" : "")}" +
        $"{(Header.MaxSegmentSize is ushort mss ? $" mss={mss}" : "")}{(Header.WindowScale is byte ws ? $" ws={ws}" : "")}" +
        $"{(Header.SackPermitted ? " sackOK" : "")}{(Header.Timestamps is (uint tsval, uint tsecr) ? $" ts={tsval}/{tsecr}" : "")}" +
        $"{(Header.SackBlocks.Count > 0 ? $" sack={Header.SackBlocks}" : "")}{(ChecksumValid ? "" : " BAD-CHECKSUM")}";
}

/// <summary>Builds the frames a raw TCP peer sends and reads back the segments a stack sent.</summary>
internal static class TcpSegments
{
    /// <summary>Ethernet + IPv4 (peer A to stack B, TestKit's defaults) + TCP, every checksum filled.</summary>
    public static byte[] Frame(TcpRepr header, ReadOnlySpan<byte> payload = default) => Frames.Tcp(header, payload.ToArray());

    /// <summary>The frame with its TCP checksum off by one: a segment damaged on the way.</summary>
    public static byte[] WithBadTcpChecksum(byte[] frame)
    {
        int tcp = EthernetFrame.UntaggedHeaderLength + (frame[EthernetFrame.UntaggedHeaderLength] & 0xF) * 4;
        frame[tcp + 16] ^= 0x01;
        return frame;
    }

    /// <summary>The TCP segment in an untagged IPv4 frame, or false for anything else (ARP, IGMP, ...).</summary>
    public static bool TryParse(byte[] frame, out Segment segment)
    {
        segment = null!;
        Span<byte> bytes = frame;
        if (!EthernetFrame.TryParse(bytes, out EthernetFrame ethernet) || ethernet.EtherType != EtherType.Ipv4) return false;
        if (!Ipv4Packet.TryParse(ethernet.Payload, out Ipv4Packet ip) || ip.Protocol != IpProtocol.Tcp) return false;
        Span<byte> tcpBytes = ip.Payload;
        if (!TcpPacket.TryParse(tcpBytes, out TcpPacket tcp) || !TcpRepr.TryParse(tcp, out TcpRepr header)) return false;
        bool checksumValid = tcp.VerifyChecksum(ip.Source, ip.Destination);
        byte[] payload = tcpBytes[tcp.HeaderLength..].ToArray();
        segment = new Segment(ip.Source, ip.Destination, header, payload, checksumValid);
        return true;
    }

    public static string Describe(TcpFlags flags)
    {
        if (flags == TcpFlags.None) return "<none>";
        var text = new StringBuilder();
        foreach (TcpFlags flag in (ReadOnlySpan<TcpFlags>)[TcpFlags.Syn, TcpFlags.Fin, TcpFlags.Rst, TcpFlags.Psh, TcpFlags.Ack, TcpFlags.Urg, TcpFlags.Ece, TcpFlags.Cwr])
        {
            if ((flags & flag) == 0) continue;
            if (text.Length > 0) text.Append('|');
            text.Append(flag.ToString().ToUpperInvariant());
        }
        return text.ToString();
    }

    /// <summary>The segments, one a line, for assertion messages.</summary>
    public static string Describe(IEnumerable<Segment> segments) => string.Join("\n", segments.Select(segment => segment.ToString()));

    /// <summary>A cheap repeatable payload: byte i of stream <paramref name="seed"/> is (i * 31 + seed) mod 256.</summary>
    public static byte[] Pattern(int length, int seed = 0, long offset = 0)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = (byte)((offset + i) * 31 + seed);
        return bytes;
    }
}
