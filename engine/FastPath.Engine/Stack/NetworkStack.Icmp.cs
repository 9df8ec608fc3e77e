using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using FastPath.Engine.Memory;
using FastPath.Wire.Checksums;
using FastPath.Wire.Icmp;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Stack;

public sealed partial class NetworkStack
{
    private const int IcmpHeaderLength = 8;
    private const int IcmpTimestampLength = 20;
    // RFC 1812 section 4.3.2.3: an ICMP error quotes as much of the offending datagram as fits in 576 bytes.
    private const int IcmpErrorMaximumDatagram = 576;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void ReceiveIcmp(in Packet packet, bool inFrame, Span<byte> datagram, int headerLength, Delivery delivery)
    {
        Span<byte> message = datagram[headerLength..];
        if (message.Length < IcmpHeaderLength)
        {
            DropDatagram(packet, inFrame, StackDropReason.Truncated);
            return;
        }
        if (!InternetChecksum.IsValid(message))
        {
            DropDatagram(packet, inFrame, StackDropReason.BadChecksum);
            return;
        }
        _counters.IcmpReceived++;
        byte type = message[0];
        if (type == (byte)Icmpv4Type.EchoRequest)
        {
            _counters.EchoRequests++;
            if (delivery != Delivery.Unicast && !_config.ReplyToBroadcastEcho)
            {
                DropDatagram(packet, inFrame, StackDropReason.IcmpUnhandled);
                return;
            }
            // A reply the transmit buffer refuses is counted as that drop, not as a reply.
            if (inFrame ? ReplyInPlace(packet, datagram, headerLength, (byte)Icmpv4Type.EchoReply, delivery)
                        : ReplyFromBuffer(datagram, headerLength, (byte)Icmpv4Type.EchoReply))
                _counters.EchoReplies++;
            return;
        }
        if (type == (byte)Icmpv4Type.Timestamp && delivery == Delivery.Unicast)
        {
            if (message.Length < IcmpTimestampLength)
            {
                DropDatagram(packet, inFrame, StackDropReason.Truncated);
                return;
            }
            // RFC 792: receive and transmit times in ms since midnight UT; we receive and transmit in the same instant.
            uint milliseconds = (uint)(DateTime.UtcNow.TimeOfDay.Ticks / TimeSpan.TicksPerMillisecond);
            BinaryPrimitives.WriteUInt32BigEndian(message[12..], milliseconds);
            BinaryPrimitives.WriteUInt32BigEndian(message[16..], milliseconds);
            if (inFrame ? ReplyInPlace(packet, datagram, headerLength, (byte)Icmpv4Type.TimestampReply, delivery)
                        : ReplyFromBuffer(datagram, headerLength, (byte)Icmpv4Type.TimestampReply))
                _counters.TimestampReplies++;
            return;
        }
        DropDatagram(packet, inFrame, StackDropReason.IcmpUnhandled);
    }

    /// <summary>
    /// Turns a request into its reply in the same frame: MACs and addresses swapped, TTL reset, type changed.
    /// Swapping the addresses leaves the header sum as it was, and the type and TTL words are patched by
    /// RFC 1624, so neither header nor payload is summed again (timestamps, which rewrote two fields, are).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool ReplyInPlace(Packet packet, Span<byte> datagram, int headerLength, byte replyType, Delivery delivery)
    {
        ref byte frame = ref Unsafe.Subtract(ref MemoryMarshal.GetReference(datagram), EthernetHeaderLength);
        // Destination MAC := the request's source; source MAC := ours.
        Unsafe.WriteUnaligned(ref frame, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref frame, 6)));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref frame, 4), Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref frame, 10)));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref frame, 6), _macHead);
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref frame, 10), _macTail);

        ref byte ip = ref MemoryMarshal.GetReference(datagram);
        uint source = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref ip, 12));
        uint destination = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref ip, 16));
        ushort oldTtlProtocol = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref ip, 8)));
        ushort newTtlProtocol = (ushort)(_config.Ttl << 8 | (oldTtlProtocol & 0xFF));
        Unsafe.Add(ref ip, 8) = _config.Ttl;
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref ip, 16), source);
        ushort headerChecksum = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref ip, 10)));
        if (delivery == Delivery.Unicast)
        {
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref ip, 12), destination);
            headerChecksum = InternetChecksum.Update(headerChecksum, oldTtlProtocol, newTtlProtocol);
        }
        else
        {
            // Answering a broadcast or group: we reply from our own address, not the one the request went to.
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref ip, 12), BinaryPrimitives.ReverseEndianness(_address));
            headerChecksum = InternetChecksum.Update(InternetChecksum.Update(headerChecksum, oldTtlProtocol, newTtlProtocol),
                BinaryPrimitives.ReverseEndianness(destination), _address);
        }
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref ip, 10), BinaryPrimitives.ReverseEndianness(headerChecksum));

        Span<byte> message = datagram[headerLength..];
        ref byte icmp = ref MemoryMarshal.GetReference(message);
        byte requestType = icmp;
        icmp = replyType;
        if (requestType == (byte)Icmpv4Type.EchoRequest)
        {
            ushort checksum = BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref icmp, 2)));
            checksum = InternetChecksum.Update(checksum, (ushort)(requestType << 8), (ushort)(replyType << 8));
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref icmp, 2), BinaryPrimitives.ReverseEndianness(checksum));
        }
        else
        {
            new Icmpv4Packet(message).FillChecksum();
        }
        // Ethernet padding after the datagram is not sent back.
        packet.Length = (ushort)(EthernetHeaderLength + datagram.Length);
        return Transmit(packet);
    }

    /// <summary>Answers a reassembled request: the reply is built in new frames (and fragmented if it must be).</summary>
    private bool ReplyFromBuffer(Span<byte> datagram, int headerLength, byte replyType)
    {
        Span<byte> message = datagram[headerLength..];
        message[0] = replyType;
        new Icmpv4Packet(message).FillChecksum();
        var source = new Ipv4Address(BinaryPrimitives.ReadUInt32BigEndian(datagram[12..]));
        SendDatagram(message, source, IpProtocol.Icmp);
        return true;
    }

    /// <summary>
    /// Destination unreachable about <paramref name="offending"/> (an IPv4 datagram addressed to us), rate-limited
    /// by a token bucket (RFC 1812 section 4.3.2.8). Never about a broadcast, group or fragment past the first
    /// (RFC 1122 section 3.2.2); the caller checks the delivery.
    /// </summary>
    internal void SendDestinationUnreachable(ReadOnlySpan<byte> offending, Icmpv4UnreachableCode code) =>
        SendIcmpError(offending, Icmpv4Repr.DestinationUnreachable(code, QuotedLength(offending)));

    /// <summary>Time exceeded, fragment reassembly (RFC 792), quoting the first fragment's header and data.</summary>
    internal void SendTimeExceededReassembly(ReadOnlySpan<byte> offending) =>
        SendIcmpError(offending, Icmpv4Repr.TimeExceeded(Icmpv4TimeExceededCode.FragmentReassemblyTimeExceeded, QuotedLength(offending)));

    private static int QuotedLength(ReadOnlySpan<byte> offending) =>
        Math.Min(offending.Length, IcmpErrorMaximumDatagram - Ipv4MinimumHeaderLength - IcmpHeaderLength);

    private void SendIcmpError(ReadOnlySpan<byte> offending, Icmpv4Repr repr)
    {
        if (!_icmpErrors.TryTake(Now))
        {
            _counters.IcmpErrorsRateLimited++;
            return;
        }
        var to = new Ipv4Address(BinaryPrimitives.ReadUInt32BigEndian(offending[12..]));
        if (!TryAllocateForTransport(out Packet packet)) return;
        Span<byte> message = WritableBytes(packet)[..repr.MessageLength];
        offending[..repr.PayloadLength].CopyTo(message[repr.HeaderLength..]);
        repr.Emit(new Icmpv4Packet(message));
        packet.Length = (ushort)repr.MessageLength;
        if (repr.Type == Icmpv4Type.DestinationUnreachable) _counters.UnreachablesSent++;
        else _counters.TimeExceededSent++;
        SendIpv4(packet, to, IpProtocol.Icmp);
    }
}
