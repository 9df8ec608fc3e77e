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

    private byte[]? _largeEchoBuffer;
    // Made by Start only with a configured rate: null (the default, 0) answers every request.
    private TokenBucket? _echoReplies;

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
            if (_echoReplies is not null && !_echoReplies.TryTake(Now))
            {
                DropDatagram(packet, inFrame, StackDropReason.EchoRateLimited);
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
        if (EchoReplyHandler is { } handler && delivery == Delivery.Unicast && TryDeliverEchoAnswer(handler, datagram, headerLength, type))
        {
            Consumed(packet, inFrame);
            return;
        }
        DropDatagram(packet, inFrame, StackDropReason.IcmpUnhandled);
    }

    /// <summary>
    /// Called on the worker's thread for every echo reply addressed to us, and every destination unreachable or
    /// time exceeded that quotes an echo request we sent; without a handler they are dropped (icmp_unhandled).
    /// The handler filters by identifier: the stack does not know which requests are whose.
    /// </summary>
    public IcmpEchoReplyHandler? EchoReplyHandler { get; set; }

    /// <summary>
    /// Sends an ICMP echo request (RFC 792) to <paramref name="destination"/> with <paramref name="data"/> as its
    /// data, through the normal output path: the next hop is resolved by ARP (the request waits in the resolver's
    /// bounded queue), and a message beyond the MTU leaves as fragments. <paramref name="ttl"/> 0 means the
    /// configured TTL. True once handed to IPv4; false when no route leads there or no frame was free (counted).
    /// </summary>
    public bool SendEchoRequest(Ipv4Address destination, ushort identifier, ushort sequenceNumber, ReadOnlySpan<byte> data, byte ttl = 0)
    {
        EnsureRunning();
        int length = IcmpHeaderLength + data.Length;
        if (length + Ipv4MinimumHeaderLength > Ipv4Packet.MaximumLength)
            throw new ArgumentOutOfRangeException(nameof(data), data.Length, "an echo request's data must fit one IPv4 datagram (65507 bytes at most)");
        if (!IsRoutable(destination))
        {
            CountDrop(StackDropReason.NoRoute);
            return false;
        }
        if (length > FrameCapacity)
        {
            // Made once, on the first large request: ping -s 65000 builds here and leaves as fragments.
            byte[] message = _largeEchoBuffer ??= new byte[Ipv4Packet.MaximumLength];
            WriteEchoRequest(message.AsSpan(0, length), identifier, sequenceNumber, data);
            SendFragments(message.AsSpan(0, length), destination, IpProtocol.Icmp, ttl);
            return true;
        }
        if (!TryAllocateForTransport(out Packet packet)) return false;
        WriteEchoRequest(WritableBytes(packet)[..length], identifier, sequenceNumber, data);
        packet.Length = (ushort)length;
        SendIpv4(packet, destination, IpProtocol.Icmp, ttl: ttl);
        return true;
    }

    private static void WriteEchoRequest(Span<byte> message, ushort identifier, ushort sequenceNumber, ReadOnlySpan<byte> data)
    {
        message[0] = (byte)Icmpv4Type.EchoRequest;
        message[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(message[4..], identifier);
        BinaryPrimitives.WriteUInt16BigEndian(message[6..], sequenceNumber);
        data.CopyTo(message[IcmpHeaderLength..]);
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], InternetChecksum.Compute(message));
    }

    /// <summary>On-link, broadcast, a group, or off-link with a gateway: what <see cref="TryRoute"/> accepts.</summary>
    private bool IsRoutable(Ipv4Address destination) =>
        destination.IsMulticast || destination.IsBroadcast || ((destination.Value ^ _address) & _netmask) == 0 || !_config.Gateway.IsUnspecified;

    /// <summary>
    /// An echo reply, or an error quoting one of our echo requests (RFC 792: the quote is the original IP header
    /// and the first 8 bytes of its data, which for an echo request are the type, code, checksum, identifier and
    /// sequence number), handed to <paramref name="handler"/>. False for anything else.
    /// </summary>
    private bool TryDeliverEchoAnswer(IcmpEchoReplyHandler handler, Span<byte> datagram, int headerLength, byte type)
    {
        Span<byte> message = datagram[headerLength..];
        var source = new Ipv4Address(BinaryPrimitives.ReadUInt32BigEndian(datagram[12..]));
        byte ttl = datagram[8];
        if (type == (byte)Icmpv4Type.EchoReply)
        {
            handler(new IcmpEchoReply(Icmpv4Type.EchoReply, message[1], source, BinaryPrimitives.ReadUInt16BigEndian(message[4..]),
                BinaryPrimitives.ReadUInt16BigEndian(message[6..]), ttl, message[IcmpHeaderLength..], Now));
            return true;
        }
        if (type != (byte)Icmpv4Type.DestinationUnreachable && type != (byte)Icmpv4Type.TimeExceeded) return false;
        Span<byte> quoted = message[IcmpHeaderLength..];
        if (quoted.Length < Ipv4MinimumHeaderLength || quoted[0] >> 4 != 4) return false;
        int quotedHeaderLength = (quoted[0] & 0xF) * 4;
        if (quotedHeaderLength < Ipv4MinimumHeaderLength || quoted.Length < quotedHeaderLength + IcmpHeaderLength) return false;
        if (quoted[9] != (byte)IpProtocol.Icmp || BinaryPrimitives.ReadUInt32BigEndian(quoted[12..]) != _address) return false;
        Span<byte> request = quoted[quotedHeaderLength..];
        if (request[0] != (byte)Icmpv4Type.EchoRequest) return false;
        handler(new IcmpEchoReply((Icmpv4Type)type, message[1], source, BinaryPrimitives.ReadUInt16BigEndian(request[4..]),
            BinaryPrimitives.ReadUInt16BigEndian(request[6..]), ttl, [], Now));
        return true;
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
