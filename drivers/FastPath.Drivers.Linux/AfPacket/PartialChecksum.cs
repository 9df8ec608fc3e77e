using System.Buffers.Binary;
using FastPath.Wire.Checksums;

namespace FastPath.Drivers.Linux.AfPacket;

/// <summary>
/// Finishes the TCP/UDP checksum of a frame the kernel marked TP_STATUS_CSUMNOTREADY (CHECKSUM_PARTIAL: a
/// local sender left the sum to offload that never ran, e.g. on loopback or veth with TX offload on). The
/// checksum field then holds the folded pseudo-header sum, not yet complemented, and what the device would
/// have stored is the complement of the sum over the whole segment, that field included.
/// </summary>
internal static class PartialChecksum
{
    private const int EthernetHeaderLength = 14;
    private const ushort EtherTypeIpv4 = 0x0800;
    private const ushort EtherTypeVlan = 0x8100;
    private const ushort EtherTypeQinQ = 0x88A8;
    private const byte ProtocolTcp = 6;
    private const byte ProtocolUdp = 17;

    /// <summary>Completes the checksum in place; false when the frame is not an unfragmented IPv4 TCP or UDP packet.</summary>
    internal static bool TryComplete(Span<byte> frame)
    {
        if (frame.Length < EthernetHeaderLength) return false;
        int offset = 12;
        ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]);
        while (etherType is EtherTypeVlan or EtherTypeQinQ)
        {
            offset += 4;
            if (frame.Length < offset + 2) return false;
            etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[offset..]);
        }
        offset += 2;
        if (etherType != EtherTypeIpv4 || frame.Length < offset + 20) return false;

        Span<byte> ip = frame[offset..];
        int headerLength = (ip[0] & 0xF) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        bool fragment = (BinaryPrimitives.ReadUInt16BigEndian(ip[6..]) & 0x3FFF) != 0; // MF or an offset
        if (ip[0] >> 4 != 4 || headerLength < 20 || totalLength < headerLength || totalLength > ip.Length || fragment) return false;

        Span<byte> segment = ip[headerLength..totalLength];
        int checksumOffset = ip[9] switch
        {
            ProtocolUdp => 6,
            ProtocolTcp => 16,
            _ => -1,
        };
        if (checksumOffset < 0 || segment.Length < checksumOffset + 2) return false;

        ushort checksum = InternetChecksum.Finish(InternetChecksum.Sum(segment));
        // RFC 768: a computed UDP checksum of zero goes on the wire as all ones (zero means "none").
        if (checksum == 0 && ip[9] == ProtocolUdp) checksum = 0xFFFF;
        BinaryPrimitives.WriteUInt16BigEndian(segment[checksumOffset..], checksum);
        return true;
    }
}
