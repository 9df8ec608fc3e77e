using System.Buffers.Binary;
using FastPath.Engine.Memory;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Stack;

public sealed partial class NetworkStack
{
    private const int RouterAlertLength = 4;
    private const ushort MoreFragmentsFlag = 0x2000;

    /// <summary>Room a frame needs in front of a transport message for the IPv4 (with Router Alert) and Ethernet headers.</summary>
    internal const int TransportHeadroom = EthernetHeaderLength + Ipv4MinimumHeaderLength + RouterAlertLength;

    /// <summary>
    /// Sends the transport message that <paramref name="packet"/> holds (from its offset, headroom in front)
    /// to <paramref name="destination"/>: IPv4 and Ethernet headers prepended, next hop resolved by ARP if
    /// need be. A message larger than the MTU leaves as fragments built in new frames.
    /// </summary>
    internal void SendIpv4(Packet packet, Ipv4Address destination, IpProtocol protocol, bool routerAlert = false, byte ttl = 0)
    {
        int headerLength = Ipv4MinimumHeaderLength + (routerAlert ? RouterAlertLength : 0);
        if (packet.Length + headerLength > _mtu)
        {
            SendFragments(Bytes(packet), destination, protocol, ttl);
            _pool.Free(packet);
            return;
        }
        if (!TryRoute(destination, out MacAddress mac, out Ipv4Address nextHop))
        {
            Drop(packet, StackDropReason.NoRoute);
            return;
        }
        if (!packet.TryPrepend(headerLength + EthernetHeaderLength)) ThrowNoHeadroom(packet);
        Span<byte> frame = Bytes(packet);
        WriteIpv4Header(frame[EthernetHeaderLength..], headerLength, packet.Length - EthernetHeaderLength - headerLength, protocol, destination,
            NextIdentification(), 0, ttl, routerAlert);
        WriteEthernetHeader(frame, mac);
        Forward(packet, mac, nextHop);
    }

    /// <summary>Sends a transport message held in a buffer: copied into one new frame, or into fragments if it exceeds the MTU.</summary>
    internal void SendDatagram(ReadOnlySpan<byte> message, Ipv4Address destination, IpProtocol protocol)
    {
        if (message.Length + Ipv4MinimumHeaderLength > _mtu)
        {
            SendFragments(message, destination, protocol, 0);
            return;
        }
        if (!TryAllocateForTransport(out Packet packet)) return;
        message.CopyTo(WritableBytes(packet));
        packet.Length = (ushort)message.Length;
        SendIpv4(packet, destination, protocol);
    }

    /// <summary>RFC 791 section 3.2 fragmentation: pieces of (MTU - 20) rounded down to 8 bytes, MF on all but the last.</summary>
    private void SendFragments(ReadOnlySpan<byte> message, Ipv4Address destination, IpProtocol protocol, byte ttl)
    {
        if (message.Length + Ipv4MinimumHeaderLength > Ipv4Packet.MaximumLength)
        {
            CountDrop(StackDropReason.DatagramTooLarge);
            return;
        }
        if (!TryRoute(destination, out MacAddress mac, out Ipv4Address nextHop))
        {
            CountDrop(StackDropReason.NoRoute);
            return;
        }
        int pieceLength = (_mtu - Ipv4MinimumHeaderLength) & ~7;
        int maxInFrame = (_region.FrameSize - _pool.Headroom - EthernetHeaderLength - Ipv4MinimumHeaderLength) & ~7;
        pieceLength = Math.Min(pieceLength, maxInFrame);
        ushort identification = NextIdentification();
        for (int offset = 0; offset < message.Length; offset += pieceLength)
        {
            int length = Math.Min(pieceLength, message.Length - offset);
            if (!TryAllocate(out Packet packet)) return;
            Span<byte> frame = WritableBytes(packet);
            message.Slice(offset, length).CopyTo(frame[(EthernetHeaderLength + Ipv4MinimumHeaderLength)..]);
            bool more = offset + length < message.Length;
            WriteIpv4Header(frame[EthernetHeaderLength..], Ipv4MinimumHeaderLength, length, protocol, destination, identification,
                (ushort)(offset / 8 | (more ? MoreFragmentsFlag : 0)), ttl, false);
            WriteEthernetHeader(frame, mac);
            packet.Length = (ushort)(EthernetHeaderLength + Ipv4MinimumHeaderLength + length);
            _counters.FragmentsSent++;
            Forward(packet, mac, nextHop);
        }
    }

    /// <summary>
    /// The next hop's MAC when it is known without asking (a cached neighbour, a group, a broadcast), else zero
    /// with the address to resolve. False when the destination is off-link and there is no gateway.
    /// </summary>
    private bool TryRoute(Ipv4Address destination, out MacAddress mac, out Ipv4Address nextHop)
    {
        nextHop = destination;
        if (destination.IsMulticast)
        {
            mac = MacAddress.FromIpv4Multicast(destination);
            return true;
        }
        if (destination.IsBroadcast || destination.Value == _subnetBroadcast)
        {
            mac = MacAddress.Broadcast;
            return true;
        }
        if (((destination.Value ^ _address) & _netmask) != 0)
        {
            if (_config.Gateway.IsUnspecified)
            {
                mac = default;
                return false;
            }
            nextHop = _config.Gateway;
        }
        if (!_arpCache.TryGet(nextHop, Now, out mac)) mac = default;
        return true;
    }

    /// <summary>Transmits a finished frame, or parks it with the ARP resolver when the next hop's MAC is still unknown.</summary>
    private void Forward(in Packet packet, MacAddress mac, Ipv4Address nextHop)
    {
        if (mac.IsZero) _arpResolver.Enqueue(nextHop, packet);
        else Transmit(packet);
    }

    private void WriteEthernetHeader(Span<byte> frame, MacAddress destination)
    {
        destination.CopyTo(frame);
        _mac.CopyTo(frame[6..]);
        BinaryPrimitives.WriteUInt16BigEndian(frame[12..], EtherTypeIpv4);
    }

    private void WriteIpv4Header(Span<byte> header, int headerLength, int payloadLength, IpProtocol protocol, Ipv4Address destination,
        ushort identification, ushort flagsAndOffset, byte ttl, bool routerAlert)
    {
        header[0] = (byte)(0x40 | headerLength / 4);
        header[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(headerLength + payloadLength));
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], identification);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], flagsAndOffset);
        // RFC 1112 section 6.1: group datagrams default to TTL 1, they stay on the link unless asked otherwise.
        header[8] = ttl != 0 ? ttl : destination.IsMulticast ? (byte)1 : _config.Ttl;
        header[9] = (byte)protocol;
        header[10] = 0;
        header[11] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(header[12..], _address);
        BinaryPrimitives.WriteUInt32BigEndian(header[16..], destination.Value);
        // RFC 2113 Router Alert (copied, option 20, length 4, value 0): IGMP requires it (RFC 2236, RFC 3376).
        if (routerAlert) BinaryPrimitives.WriteUInt32BigEndian(header[20..], 0x9404_0000u);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], InternetChecksum.Compute(header[..headerLength]));
    }

    private static void ThrowNoHeadroom(in Packet packet) =>
        throw new InvalidOperationException($"{packet} has no room in front for the IPv4 and Ethernet headers ({TransportHeadroom} bytes)");
}
