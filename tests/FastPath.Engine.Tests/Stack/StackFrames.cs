using FastPath.Wire.Arp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Icmp;
using FastPath.Wire.Ipv4;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Stack;

/// <summary>Frames the stack tests need beyond TestKit's: ARP, raw IPv4 with chosen header fields, fragments.</summary>
internal static class StackFrames
{
    public static byte[] Arp(ArpOperation operation, MacAddress senderMac, Ipv4Address sender, MacAddress targetMac, Ipv4Address target,
        MacAddress? destination = null)
    {
        var frame = new byte[EthernetFrame.MinimumFrameLength];
        new EthernetRepr(senderMac, destination ?? (operation == ArpOperation.Request ? MacAddress.Broadcast : targetMac), EtherType.Arp)
            .Emit(new EthernetFrame(frame));
        new ArpRepr(operation, senderMac, sender, targetMac, target).Emit(new ArpPacket(frame.AsSpan(14)));
        return frame;
    }

    /// <summary>Who-has the stack's address, from the peer.</summary>
    public static byte[] ArpRequestForStack() =>
        Arp(ArpOperation.Request, StackHarness.PeerMac, StackHarness.PeerIp, MacAddress.Zero, StackHarness.StackIp);

    /// <summary>The peer's answer to the stack's who-has.</summary>
    public static byte[] ArpReplyFromPeer(MacAddress? mac = null, Ipv4Address? ip = null) =>
        Arp(ArpOperation.Reply, mac ?? StackHarness.PeerMac, ip ?? StackHarness.PeerIp, StackHarness.StackMac, StackHarness.StackIp);

    public static byte[] EchoRequest(ushort identifier, ushort sequence, byte[] data, Ipv4Address? destination = null, MacAddress? destinationMac = null)
    {
        var repr = Icmpv4Repr.EchoRequest(identifier, sequence, data.Length);
        return Frames.Ipv4(IpProtocol.Icmp, repr.MessageLength, null, destination, null, destinationMac, (message, _, _) =>
        {
            data.CopyTo(message[repr.HeaderLength..]);
            repr.Emit(new Icmpv4Packet(message));
        });
    }

    public static byte[] Pattern(int length, int seed = 1)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++) bytes[i] = (byte)(i * 7 + seed);
        return bytes;
    }

    /// <summary>Refills the IPv4 header checksum after a test changed a header field (frame untagged).</summary>
    public static byte[] FixIpChecksum(byte[] frame)
    {
        // Raw, not through the checked view: the tests break the very fields it checks.
        Span<byte> header = frame.AsSpan(14, Math.Max(20, (frame[14] & 0xF) * 4));
        header[10] = 0;
        header[11] = 0;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(header[10..], FastPath.Wire.Checksums.InternetChecksum.Compute(header));
        return frame;
    }

    /// <summary>
    /// The fragments of an IPv4 datagram carrying <paramref name="payload"/> (a whole transport message), cut
    /// at the given byte ranges of the payload (each start a multiple of 8; ranges may overlap or leave holes).
    /// </summary>
    public static byte[] Fragment(IpProtocol protocol, byte[] payload, int start, int length, bool last, ushort identification = 0x4242,
        Ipv4Address? source = null)
    {
        var ip = new Ipv4Repr(source ?? StackHarness.PeerIp, StackHarness.StackIp, protocol, length, Identification: identification,
            MoreFragments: !last, FragmentOffset: (ushort)start);
        var frame = new byte[Math.Max(14 + ip.TotalLength, EthernetFrame.MinimumFrameLength)];
        new EthernetRepr(StackHarness.PeerMac, StackHarness.StackMac, EtherType.Ipv4).Emit(new EthernetFrame(frame));
        ip.Emit(new Ipv4Packet(frame.AsSpan(14, ip.TotalLength)));
        payload.AsSpan(start, length).CopyTo(frame.AsSpan(14 + 20));
        return frame;
    }

    /// <summary>An ICMP echo request message (header and data, checksum filled) to carry in fragments.</summary>
    public static byte[] EchoMessage(ushort identifier, ushort sequence, byte[] data)
    {
        var repr = Icmpv4Repr.EchoRequest(identifier, sequence, data.Length);
        var message = new byte[repr.MessageLength];
        data.CopyTo(message, repr.HeaderLength);
        repr.Emit(new Icmpv4Packet(message));
        return message;
    }
}
