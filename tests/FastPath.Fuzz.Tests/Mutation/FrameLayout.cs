using System.Buffers.Binary;

namespace FastPath.Fuzz.Tests.Mutation;

/// <summary>
/// Where the headers of a (possibly broken) frame are, read leniently so that mutations can aim at fields:
/// offsets are -1 where a layer is absent or cut off. Nothing here trusts a length that the frame does not back.
/// </summary>
internal readonly record struct FrameLayout(int EtherTypeOffset, ushort EtherType, int Arp, int Ip, int IpHeaderLength, int IpEnd, byte Protocol,
    bool IsFragment, bool IsFirstFragment, int Transport)
{
    public const ushort Ipv4 = 0x0800;
    public const ushort ArpType = 0x0806;
    public const byte Icmp = 1;
    public const byte Igmp = 2;
    public const byte Tcp = 6;
    public const byte Udp = 17;

    /// <summary>Bytes from the transport header to the end of the datagram (as the total length bounds it, within the frame).</summary>
    public int TransportLength => Transport < 0 ? 0 : IpEnd - Transport;

    public static FrameLayout Of(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 14) return new FrameLayout(-1, 0, -1, -1, 0, 0, 0, false, false, -1);
        int typeOffset = 12;
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
        // Up to two tags (802.1ad, 802.1Q), as the engine's EthernetFrame knows them.
        for (int tags = 0; tags < 2 && (type == 0x8100 || type == 0x88A8) && frame.Length >= typeOffset + 6; tags++)
        {
            typeOffset += 4;
            type = BinaryPrimitives.ReadUInt16BigEndian(frame[typeOffset..]);
        }
        int payload = typeOffset + 2;
        if (type == ArpType) return new FrameLayout(typeOffset, type, frame.Length >= payload + 8 ? payload : -1, -1, 0, 0, 0, false, false, -1);
        if (type != Ipv4 || frame.Length < payload + 20) return new FrameLayout(typeOffset, type, -1, -1, 0, 0, 0, false, false, -1);
        int ip = payload;
        int headerLength = (frame[ip] & 0xF) * 4;
        int total = BinaryPrimitives.ReadUInt16BigEndian(frame[(ip + 2)..]);
        int end = Math.Min(frame.Length, ip + Math.Max(total, 0));
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(frame[(ip + 6)..]);
        bool fragment = (flags & 0x3FFF) != 0;
        bool first = (flags & 0x1FFF) == 0;
        int transport = headerLength >= 20 && ip + headerLength <= end ? ip + headerLength : -1;
        return new FrameLayout(typeOffset, type, -1, ip, headerLength, end, frame[ip + 9], fragment, first, transport);
    }
}
