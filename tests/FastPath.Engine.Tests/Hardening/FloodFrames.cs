using System.Buffers.Binary;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Tests.Hardening;

/// <summary>
/// Patches a template frame (Ethernet II + 20-byte IPv4 header) in place, so a flood builds each frame
/// from a copy of one template without allocating: new addresses, ports or identification, checksums redone.
/// </summary>
internal static class FloodFrames
{
    private const int Ip = 14;

    /// <summary>A bijection of 0..2^32-1 that looks random: the flood's "random" values never repeat by accident.</summary>
    public static uint Scatter(long index, uint salt = 0) => (uint)((ulong)index * 0x9E3779B1u) ^ salt;

    public static int Copy(Span<byte> frame, byte[] template)
    {
        template.CopyTo(frame);
        return template.Length;
    }

    public static void SetIpv4Source(Span<byte> frame, uint source) => BinaryPrimitives.WriteUInt32BigEndian(frame[(Ip + 12)..], source);

    public static void SetIpv4Identification(Span<byte> frame, ushort identification) =>
        BinaryPrimitives.WriteUInt16BigEndian(frame[(Ip + 4)..], identification);

    public static void FillIpv4Checksum(Span<byte> frame)
    {
        Span<byte> header = frame.Slice(Ip, 20);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header));
    }

    /// <summary>Source port and sequence number of a TCP segment, then both checksums.</summary>
    public static void SetTcp(Span<byte> frame, ushort sourcePort, uint sequence)
    {
        Span<byte> segment = TransportSegment(frame);
        BinaryPrimitives.WriteUInt16BigEndian(segment, sourcePort);
        BinaryPrimitives.WriteUInt32BigEndian(segment[4..], sequence);
        BinaryPrimitives.WriteUInt16BigEndian(segment[16..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(segment[16..], ChecksumOf(frame, segment, IpProtocol.Tcp));
        FillIpv4Checksum(frame);
    }

    /// <summary>ARP sender hardware and protocol address (and the Ethernet source with it).</summary>
    public static void SetArpSender(Span<byte> frame, ReadOnlySpan<byte> mac, uint address)
    {
        mac.CopyTo(frame[6..]);
        mac.CopyTo(frame[(Ip + 8)..]);
        BinaryPrimitives.WriteUInt32BigEndian(frame[(Ip + 14)..], address);
    }

    private static Span<byte> TransportSegment(Span<byte> frame)
    {
        int total = BinaryPrimitives.ReadUInt16BigEndian(frame[(Ip + 2)..]);
        return frame[(Ip + 20)..(Ip + total)];
    }

    private static ushort ChecksumOf(Span<byte> frame, Span<byte> segment, IpProtocol protocol) =>
        InternetChecksum.ComputeWithPseudoHeader(new Ipv4Address(BinaryPrimitives.ReadUInt32BigEndian(frame[(Ip + 12)..])),
            new Ipv4Address(BinaryPrimitives.ReadUInt32BigEndian(frame[(Ip + 16)..])), protocol, segment);
}
