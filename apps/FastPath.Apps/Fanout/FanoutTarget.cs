using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastPath.Engine.Telemetry;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Fanout;

/// <summary>
/// One destination of one group on one worker: the Ethernet, IPv4 and UDP headers of its copies made once
/// (a template), the partial checksums of what never changes, the next-hop state and the counters. A copy
/// is the template, the payload, and four fields: IPv4 total length, identification and checksum, UDP
/// length and checksum, the checksums finished from the partial sums and the payload's sum (computed once
/// per datagram for all destinations), so no copy re-sums its payload.
/// </summary>
internal sealed class FanoutTarget
{
    public const int HeadersLength = EthernetLength + Ipv4Length + UdpLength;
    private const int EthernetLength = 14;
    private const int Ipv4Length = 20;
    private const int UdpLength = 8;
    private const ushort DontFragment = 0x4000;

    private readonly byte[] _headers = new byte[HeadersLength];
    private readonly uint _ipSum;
    private readonly uint _udpSum;
    private ushort _identification;

    public FanoutTarget(FanoutDestination destination, MacAddress source, Ipv4Address sourceAddress, ushort sourcePort, byte ttl)
    {
        Destination = destination;
        Ipv4Address address = destination.Endpoint.Address;
        MacAddress nextHop = destination.StaticMac ?? (destination.IsGroup ? MacAddress.FromIpv4Multicast(address) : MacAddress.Zero);
        // A unicast destination with no static MAC: its MAC comes from the stack's ARP cache, looked up before the first copy.
        ReadyUntil = nextHop.IsZero ? long.MinValue : long.MaxValue;

        Span<byte> headers = _headers;
        nextHop.CopyTo(headers);
        source.CopyTo(headers[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(headers[12..], 0x0800);
        Span<byte> ip = headers[EthernetLength..];
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[6..], DontFragment);
        ip[8] = ttl;
        ip[9] = (byte)IpProtocol.Udp;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], sourceAddress.Value);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], address.Value);
        Span<byte> udp = ip[Ipv4Length..];
        BinaryPrimitives.WriteUInt16BigEndian(udp, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(udp[2..], destination.Endpoint.Port);

        // Total length, identification and checksum are zero in the template: the sum covers the rest.
        _ipSum = InternetChecksum.Sum(ip[..Ipv4Length]);
        // The pseudo-header without its length, and the ports (RFC 768); both lengths are added per copy.
        _udpSum = InternetChecksum.Add(InternetChecksum.PseudoHeaderSum(sourceAddress, address, IpProtocol.Udp, 0), InternetChecksum.Sum(udp[..4]));
    }

    public FanoutDestination Destination { get; }

    /// <summary>Copies go out without looking at ARP until this time (nanoseconds; MaxValue for groups and static MACs).</summary>
    public long ReadyUntil { get; set; }

    /// <summary>When the next datagram may be handed to the stack to make it resolve the destination.</summary>
    public long NextProbeAt { get; set; } = long.MinValue;

    public long Sent { get; set; }

    public long SentBytes { get; set; }

    public DropCounters<FanoutDropReason> Drops { get; } = new();

    public void SetNextHop(MacAddress mac) => mac.CopyTo(_headers);

    /// <summary>Writes the copy into <paramref name="frame"/> and returns its length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Build(Span<byte> frame, ReadOnlySpan<byte> payload, uint payloadSum)
    {
        int length = HeadersLength + payload.Length;
        if ((uint)length > (uint)frame.Length) ThrowFrameTooSmall(length, frame.Length);
        ref byte start = ref MemoryMarshal.GetReference(frame);
        Unsafe.CopyBlockUnaligned(ref start, ref MemoryMarshal.GetArrayDataReference(_headers), HeadersLength);
        payload.CopyTo(frame[HeadersLength..]);

        int udpLength = UdpLength + payload.Length;
        int totalLength = Ipv4Length + udpLength;
        ushort identification = _identification++;
        ushort ipChecksum = InternetChecksum.Finish(_ipSum + (uint)totalLength + identification);
        ushort udpChecksum = InternetChecksum.Finish(InternetChecksum.Add(_udpSum + 2 * (uint)udpLength, payloadSum));
        WriteBigEndian(ref start, EthernetLength + 2, (ushort)totalLength);
        WriteBigEndian(ref start, EthernetLength + 4, identification);
        WriteBigEndian(ref start, EthernetLength + 10, ipChecksum);
        WriteBigEndian(ref start, EthernetLength + Ipv4Length + 4, (ushort)udpLength);
        // RFC 768: a computed zero goes out as all ones; zero on the wire means "no checksum".
        WriteBigEndian(ref start, EthernetLength + Ipv4Length + 6, udpChecksum == 0 ? (ushort)0xFFFF : udpChecksum);
        return length;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteBigEndian(ref byte start, int offset, ushort value) =>
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref start, offset), BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(value) : value);

    private static void ThrowFrameTooSmall(int length, int room) =>
        throw new InvalidOperationException($"a {length}-byte copy does not fit the {room} bytes of the frame");
}
