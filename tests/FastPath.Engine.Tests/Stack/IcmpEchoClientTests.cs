using System.Buffers.Binary;
using FastPath.Engine.Memory;
using FastPath.Engine.Stack;
using FastPath.Wire.Arp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Icmp;
using FastPath.Wire.Ipv4;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Stack;

/// <summary>The client side of ICMP echo: what ping needs from the stack (send requests, get replies and errors).</summary>
public class IcmpEchoClientTests
{
    private sealed record Answer(Icmpv4Type Type, byte Code, Ipv4Address Source, ushort Identifier, ushort Sequence, byte Ttl, byte[] Payload, long Received);

    private static List<Answer> Collect(NetworkStack stack)
    {
        var answers = new List<Answer>();
        stack.EchoReplyHandler = reply => answers.Add(new Answer(reply.Type, reply.Code, reply.Source, reply.Identifier, reply.SequenceNumber,
            reply.Ttl, reply.Payload.ToArray(), reply.ReceivedNanoseconds));
        return answers;
    }

    /// <summary>Resolves the peer so that requests leave at once.</summary>
    private static void Resolve(StackHarness h)
    {
        Assert.True(h.Stack.SendEchoRequest(StackHarness.PeerIp, 1, 0, []));
        h.Run();
        h.Inject(StackFrames.ArpReplyFromPeer());
        h.Sent();
    }

    [Fact]
    public void The_first_request_waits_for_arp_then_leaves_byte_correct()
    {
        using var h = new StackHarness();
        h.Sent();
        byte[] data = StackFrames.Pattern(56);
        Assert.True(h.Stack.SendEchoRequest(StackHarness.PeerIp, 0xBEEF, 1, data));
        h.Run();

        byte[] arp = h.SentSingle();
        Assert.True(EthernetFrame.TryParse(arp, out var arpFrame));
        Assert.Equal(EtherType.Arp, arpFrame.EtherType);
        Assert.True(ArpPacket.TryParse(arpFrame.Payload, out var who));
        Assert.Equal((ArpOperation.Request, StackHarness.PeerIp), (who.Operation, who.TargetProtocolAddress));

        h.Inject(StackFrames.ArpReplyFromPeer());
        byte[] frame = h.SentSingle();
        Assert.True(EthernetFrame.TryParse(frame, out var eth));
        Assert.Equal((StackHarness.PeerMac, StackHarness.StackMac), (eth.Destination, eth.Source));
        Assert.True(Ipv4Packet.TryParse(eth.Payload, out var ip));
        Assert.True(ip.VerifyChecksum());
        Assert.Equal((StackHarness.StackIp, StackHarness.PeerIp, IpProtocol.Icmp, (byte)64), (ip.Source, ip.Destination, ip.Protocol, ip.Ttl));
        var icmp = new Icmpv4Packet(ip.Payload);
        Assert.True(icmp.VerifyChecksum());
        Assert.Equal((Icmpv4Type.EchoRequest, (byte)0, (ushort)0xBEEF, (ushort)1), (icmp.Type, icmp.Code, icmp.Identifier, icmp.SequenceNumber));
        Assert.Equal(data, icmp.Payload.ToArray());
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_requested_ttl_is_the_one_on_the_wire()
    {
        using var h = new StackHarness();
        Resolve(h);
        Assert.True(h.Stack.SendEchoRequest(StackHarness.PeerIp, 7, 2, [1, 2, 3], ttl: 3));
        h.Run();
        Assert.True(Ipv4Packet.TryParse(h.SentSingle().AsSpan(14), out var ip));
        Assert.Equal(3, ip.Ttl);
        Assert.True(ip.VerifyChecksum());
    }

    [Fact]
    public void A_reply_reaches_the_handler_with_its_fields_and_the_frame_goes_back_to_the_pool()
    {
        using var h = new StackHarness();
        List<Answer> answers = Collect(h.Stack);
        h.Sent();
        byte[] data = StackFrames.Pattern(100, seed: 3);
        byte[] reply = Frames.IcmpEcho(0x1234, 42, data, reply: true);
        reply[14 + 8] = 57;
        h.Inject(StackFrames.FixIpChecksum(reply));

        Answer answer = Assert.Single(answers);
        Assert.Equal(Icmpv4Type.EchoReply, answer.Type);
        Assert.Equal((StackHarness.PeerIp, (ushort)0x1234, (ushort)42, (byte)57), (answer.Source, answer.Identifier, answer.Sequence, answer.Ttl));
        Assert.Equal(data, answer.Payload);
        Assert.Equal(h.Clock.NowNanoseconds, answer.Received);
        Assert.Empty(h.Sent());
        Assert.Equal(0, h.Stack.GetCounters().DropsTotal);
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Without_a_handler_a_reply_is_dropped_as_unhandled()
    {
        using var h = new StackHarness();
        h.Inject(Frames.IcmpEcho(1, 1, [9], reply: true));
        Assert.Equal(1, h.Dropped(StackDropReason.IcmpUnhandled));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_reply_with_a_bad_checksum_never_reaches_the_handler()
    {
        using var h = new StackHarness();
        List<Answer> answers = Collect(h.Stack);
        byte[] reply = Frames.IcmpEcho(1, 1, [1, 2, 3, 4], reply: true);
        reply[14 + 20 + 8] ^= 0xFF;
        h.Inject(reply);
        Assert.Empty(answers);
        Assert.Equal(1, h.Dropped(StackDropReason.BadChecksum));
    }

    [Theory]
    [InlineData(Icmpv4Type.DestinationUnreachable, 1)]
    [InlineData(Icmpv4Type.TimeExceeded, 0)]
    public void An_error_quoting_our_request_reaches_the_handler_with_the_requests_identifier_and_sequence(Icmpv4Type type, byte code)
    {
        var router = Ipv4Address.Parse("10.0.0.254");
        using var h = new StackHarness();
        List<Answer> answers = Collect(h.Stack);
        Resolve(h);
        Assert.True(h.Stack.SendEchoRequest(StackHarness.PeerIp, 0x4321, 9, StackFrames.Pattern(56)));
        h.Run();
        byte[] request = h.SentSingle();

        h.Inject(Error(type, code, router, request.AsSpan(14)));
        Answer answer = Assert.Single(answers, a => a.Type != Icmpv4Type.EchoReply);
        Assert.Equal((type, code, router, (ushort)0x4321, (ushort)9), (answer.Type, answer.Code, answer.Source, answer.Identifier, answer.Sequence));
        Assert.Empty(answer.Payload);
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void An_error_about_someone_elses_datagram_is_not_ours()
    {
        using var h = new StackHarness();
        List<Answer> answers = Collect(h.Stack);
        // A request the peer sent (source 10.0.0.1), quoted back to us: not one of our requests.
        byte[] foreign = Frames.IcmpEcho(5, 5, StackFrames.Pattern(8));
        h.Inject(Error(Icmpv4Type.DestinationUnreachable, 3, StackHarness.PeerIp, foreign.AsSpan(14, 20 + 8 + 8)));
        // A UDP datagram of ours quoted: an error, but not about an echo request.
        byte[] udp = Frames.Udp([1, 2, 3], 40000, 9);
        udp.AsSpan(14 + 12, 4).CopyTo(udp.AsSpan(14 + 16));
        BinaryPrimitives.WriteUInt32BigEndian(udp.AsSpan(14 + 12), StackHarness.StackIp.Value);
        h.Inject(Error(Icmpv4Type.DestinationUnreachable, 3, StackHarness.PeerIp, udp.AsSpan(14, 20 + 8 + 3)));
        Assert.Empty(answers);
        Assert.Equal(2, h.Dropped(StackDropReason.IcmpUnhandled));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_request_larger_than_the_mtu_leaves_as_fragments_that_make_the_message()
    {
        using var h = new StackHarness();
        Resolve(h);
        byte[] data = StackFrames.Pattern(4000);
        Assert.True(h.Stack.SendEchoRequest(StackHarness.PeerIp, 3, 4, data));
        h.Run();
        List<byte[]> fragments = h.Sent();
        Assert.Equal(3, fragments.Count);
        var message = new byte[8 + data.Length];
        foreach (byte[] fragment in fragments)
        {
            Assert.True(Ipv4Packet.TryParse(fragment.AsSpan(14), out var ip));
            Assert.True(ip.VerifyChecksum());
            ip.Payload.CopyTo(message.AsSpan(ip.FragmentOffset));
        }
        var icmp = new Icmpv4Packet(message);
        Assert.True(icmp.VerifyChecksum());
        Assert.Equal((Icmpv4Type.EchoRequest, (ushort)3, (ushort)4), (icmp.Type, icmp.Identifier, icmp.SequenceNumber));
        Assert.Equal(data, icmp.Payload.ToArray());
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Off_link_without_a_gateway_there_is_no_route()
    {
        using var h = new StackHarness();
        h.Sent();
        Assert.False(h.Stack.SendEchoRequest(Ipv4Address.Parse("192.0.2.1"), 1, 1, [1]));
        h.Run();
        Assert.Empty(h.Sent());
        Assert.Equal(1, h.Dropped(StackDropReason.NoRoute));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_hundred_thousand_round_trips_allocate_nothing()
    {
        using var h = new StackHarness();
        Resolve(h);
        long replies = 0;
        long lastSequence = -1;
        h.Stack.EchoReplyHandler = reply =>
        {
            replies++;
            lastSequence = reply.SequenceNumber;
        };
        byte[] data = StackFrames.Pattern(56);
        var burst = new Packet[64];

        void RoundTrips(int count)
        {
            for (int i = 0; i < count; i++)
            {
                if (!h.Stack.SendEchoRequest(StackHarness.PeerIp, 77, (ushort)i, data)) throw new InvalidOperationException("send refused");
                h.Context.Tx.Drain(h.Port);
                // The peer answers in place, as a kernel would: type 0, checksum patched, addresses swapped.
                int got = h.Peer.Receive(burst);
                for (int j = 0; j < got; j++)
                {
                    Span<byte> frame = h.Peer.Pool.Region.GetSpan(burst[j]);
                    frame[..6].CopyTo(frame[6..12]);
                    StackHarness.StackMac.CopyTo(frame);
                    StackHarness.PeerMac.CopyTo(frame[6..]);
                    (uint source, uint destination) = (BinaryPrimitives.ReadUInt32BigEndian(frame[26..]), BinaryPrimitives.ReadUInt32BigEndian(frame[30..]));
                    BinaryPrimitives.WriteUInt32BigEndian(frame[26..], destination);
                    BinaryPrimitives.WriteUInt32BigEndian(frame[30..], source);
                    frame[34] = 0;
                    ushort checksum = BinaryPrimitives.ReadUInt16BigEndian(frame[36..]);
                    BinaryPrimitives.WriteUInt16BigEndian(frame[36..], FastPath.Wire.Checksums.InternetChecksum.Update(checksum, (ushort)0x0800, (ushort)0));
                }
                if (h.Peer.Transmit(burst.AsSpan(0, got)) != got) throw new InvalidOperationException("the wire refused replies");
                int received = h.Port.Receive(burst);
                h.Stack.Receive(burst.AsSpan(0, received));
            }
        }

        RoundTrips(10_000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        RoundTrips(100_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(110_000, replies);
        Assert.Equal(99_999 & 0xFFFF, lastSequence);
        Assert.Equal(0, h.Stack.GetCounters().DropsTotal);
        h.AssertAllFramesReturned();
    }

    /// <summary>An ICMP error from <paramref name="source"/> to the stack quoting <paramref name="offending"/> (IP header and at least 8 bytes).</summary>
    private static byte[] Error(Icmpv4Type type, byte code, Ipv4Address source, ReadOnlySpan<byte> offending)
    {
        int quoted = Math.Min(offending.Length, ((offending[0] & 0xF) * 4) + 8);
        Icmpv4Repr repr = type == Icmpv4Type.TimeExceeded
            ? Icmpv4Repr.TimeExceeded((Icmpv4TimeExceededCode)code, quoted)
            : Icmpv4Repr.DestinationUnreachable((Icmpv4UnreachableCode)code, quoted);
        byte[] copy = offending[..quoted].ToArray();
        return Frames.Ipv4(IpProtocol.Icmp, repr.MessageLength, source, StackHarness.StackIp, null, null, (message, _, _) =>
        {
            copy.CopyTo(message[repr.HeaderLength..]);
            repr.Emit(new Icmpv4Packet(message));
        });
    }
}
