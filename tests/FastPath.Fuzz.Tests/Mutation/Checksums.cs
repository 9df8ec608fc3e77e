using System.Buffers.Binary;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ipv4;

namespace FastPath.Fuzz.Tests.Mutation;

/// <summary>
/// Makes a mutant's checksums right again (IPv4 header, and UDP, TCP, ICMP or IGMP over what the lengths
/// bound), so that it gets past the checksum checks and reaches the code behind them.
/// </summary>
internal static class Checksums
{
    public static void Fix(Span<byte> frame)
    {
        FrameLayout layout = FrameLayout.Of(frame);
        if (layout.Ip < 0) return;
        int ip = layout.Ip;
        int headerLength = layout.IpHeaderLength;
        if (headerLength >= 20 && ip + headerLength <= frame.Length)
        {
            Span<byte> header = frame.Slice(ip, headerLength);
            BinaryPrimitives.WriteUInt16BigEndian(header[10..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header));
        }
        // A fragment's transport checksum covers the whole datagram, which no single fragment holds.
        if (layout.Transport < 0 || layout.IsFragment) return;
        Span<byte> segment = frame[layout.Transport..layout.IpEnd];
        var source = new Ipv4Address(BinaryPrimitives.ReadUInt32BigEndian(frame[(ip + 12)..]));
        var destination = new Ipv4Address(BinaryPrimitives.ReadUInt32BigEndian(frame[(ip + 16)..]));
        switch (layout.Protocol)
        {
            case FrameLayout.Udp when segment.Length >= 8:
                int length = BinaryPrimitives.ReadUInt16BigEndian(segment[4..]);
                Span<byte> datagram = length >= 8 && length <= segment.Length ? segment[..length] : segment;
                BinaryPrimitives.WriteUInt16BigEndian(segment[6..], 0);
                ushort udp = InternetChecksum.ComputeWithPseudoHeader(source, destination, IpProtocol.Udp, datagram);
                BinaryPrimitives.WriteUInt16BigEndian(segment[6..], udp == 0 ? (ushort)0xFFFF : udp);
                break;
            case FrameLayout.Tcp when segment.Length >= 18:
                BinaryPrimitives.WriteUInt16BigEndian(segment[16..], 0);
                BinaryPrimitives.WriteUInt16BigEndian(segment[16..], InternetChecksum.ComputeWithPseudoHeader(source, destination, IpProtocol.Tcp, segment));
                break;
            case FrameLayout.Icmp or FrameLayout.Igmp when segment.Length >= 4:
                BinaryPrimitives.WriteUInt16BigEndian(segment[2..], 0);
                BinaryPrimitives.WriteUInt16BigEndian(segment[2..], InternetChecksum.Compute(segment));
                break;
        }
    }

    /// <summary>Sets the IPv4 total length to what the frame holds after the IPv4 header's start (capped at 65535).</summary>
    public static void FitTotalLength(Span<byte> frame)
    {
        FrameLayout layout = FrameLayout.Of(frame);
        if (layout.Ip < 0) return;
        BinaryPrimitives.WriteUInt16BigEndian(frame[(layout.Ip + 2)..], (ushort)Math.Min(frame.Length - layout.Ip, ushort.MaxValue));
    }
}
