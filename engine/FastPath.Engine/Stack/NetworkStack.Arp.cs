using FastPath.Engine.Memory;
using FastPath.Wire;
using FastPath.Wire.Arp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Stack;

public sealed partial class NetworkStack
{
    private const int ArpFrameLength = EthernetHeaderLength + ArpPacket.Length;

    private void ReceiveArp(in Packet packet, Span<byte> frame)
    {
        if (!ArpPacket.TryParse(frame[EthernetHeaderLength..], out ArpPacket arp, out WireError error))
        {
            Drop(packet, error == WireError.Truncated ? StackDropReason.Truncated : StackDropReason.BadHeader);
            return;
        }
        if (!ArpRepr.TryParse(arp, out ArpRepr repr))
        {
            Drop(packet, StackDropReason.BadHeader);
            return;
        }
        bool request = repr.Operation == ArpOperation.Request;
        if (request) _counters.ArpRequestsReceived++;
        else _counters.ArpRepliesReceived++;

        MacAddress senderMac = repr.SenderHardwareAddress;
        Ipv4Address sender = repr.SenderProtocolAddress;
        if (senderMac.IsMulticast || senderMac.IsZero)
        {
            Drop(packet, StackDropReason.BadAddress);
            return;
        }
        if (sender.Value == _address)
        {
            // Someone else claims our address (RFC 5227 section 2.4): count it, learn nothing from it.
            if (senderMac != _mac) _counters.ArpConflicts++;
            Drop(packet, StackDropReason.BadAddress);
            return;
        }
        bool targetsUs = repr.TargetProtocolAddress.Value == _address;
        long now = Now;
        // RFC 826 "merge": any ARP packet refreshes an entry we already have. New entries only from requests
        // aimed at us (we are about to talk to the sender) and replies we asked for: a flood of strangers'
        // requests for other hosts cannot fill the table.
        bool known = !sender.IsUnspecified && _arpCache.TryUpdate(sender, senderMac, now);
        if (!known && !sender.IsUnspecified && (targetsUs && request || !request && _arpResolver.IsPending(sender)))
        {
            _arpCache.Set(sender, senderMac, now);
            known = true;
        }
        if (known) _arpResolver.Resolve(sender, senderMac);

        if (request && targetsUs)
        {
            ReplyToArpInPlace(packet, frame, repr);
            return;
        }
        if (!request && !known)
        {
            Drop(packet, StackDropReason.ArpUnsolicited);
            return;
        }
        if (request && !known)
        {
            Drop(packet, StackDropReason.NotForUs);
            return;
        }
        _pool.Free(packet);
    }

    /// <summary>Turns the request into its reply in the same frame (RFC 826: swap sender and target, fill in our MAC).</summary>
    private void ReplyToArpInPlace(Packet packet, Span<byte> frame, in ArpRepr request)
    {
        new ArpRepr(ArpOperation.Reply, _mac, new Ipv4Address(_address), request.SenderHardwareAddress, request.SenderProtocolAddress)
            .Emit(new ArpPacket(frame[EthernetHeaderLength..]));
        new EthernetRepr(_mac, request.SenderHardwareAddress, EtherType.Arp).Emit(new EthernetFrame(frame));
        packet.Length = (ushort)PadToMinimum(packet, ArpFrameLength);
        if (Transmit(packet)) _counters.ArpReplies++;
    }

    /// <summary>Who-has <paramref name="target"/>, broadcast (RFC 826).</summary>
    internal void SendArpRequest(Ipv4Address target)
    {
        if (SendArp(ArpOperation.Request, MacAddress.Broadcast, MacAddress.Zero, target)) _counters.ArpRequestsSent++;
    }

    /// <summary>RFC 5227 section 3 announcement: a request with our address as both sender and target.</summary>
    private void SendGratuitousArp()
    {
        if (SendArp(ArpOperation.Request, MacAddress.Broadcast, MacAddress.Zero, new Ipv4Address(_address))) _counters.ArpGratuitousSent++;
    }

    private bool SendArp(ArpOperation operation, MacAddress destination, MacAddress targetMac, Ipv4Address target)
    {
        if (!TryAllocate(out Packet packet)) return false;
        Span<byte> frame = WritableBytes(packet);
        new EthernetRepr(_mac, destination, EtherType.Arp).Emit(new EthernetFrame(frame));
        new ArpRepr(operation, _mac, new Ipv4Address(_address), targetMac, target).Emit(new ArpPacket(frame[EthernetHeaderLength..]));
        packet.Length = ArpFrameLength;
        packet.Length = (ushort)PadToMinimum(packet, ArpFrameLength);
        Transmit(packet);
        return true;
    }

    /// <summary>
    /// Zero-pads a frame to the 60 bytes Ethernet requires (IEEE 802.3; a NIC would, a veth does not), as far as
    /// the frame has room: a request answered in place may sit at the very end of its frame (a port may hand
    /// frames over anywhere in them), and a NIC pads what is left. Found by the fuzzer (it places inputs there).
    /// </summary>
    private int PadToMinimum(in Packet packet, int length)
    {
        if (length >= EthernetFrame.MinimumFrameLength) return length;
        Span<byte> room = WritableBytes(packet);
        int padded = Math.Min(EthernetFrame.MinimumFrameLength, room.Length);
        room[length..padded].Clear();
        return padded;
    }
}
