using FastPath.Engine.Stack;
using FastPath.Wire.Icmp;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Udp;

namespace FastPath.Engine.Tests.Stack;

public class ReassemblyTests
{
    private static StackHarness Resolved(InterfaceConfig? config = null)
    {
        var h = new StackHarness(config);
        h.Inject(StackFrames.ArpRequestForStack());
        h.Sent();
        return h;
    }

    /// <summary>A UDP message (header and payload, checksum filled) from the peer to the stack's port 7.</summary>
    private static byte[] UdpMessage(byte[] payload, ushort port = 7)
    {
        var repr = new UdpRepr(40000, port, payload.Length);
        var message = new byte[repr.DatagramLength];
        payload.CopyTo(message, 8);
        repr.Emit(new UdpPacket(message), StackHarness.PeerIp, StackHarness.StackIp);
        return message;
    }

    private static byte[][] Cut(byte[] message, params (int Start, int Length)[] pieces) =>
        pieces.Select(p => StackFrames.Fragment(IpProtocol.Udp, message, p.Start, p.Length, last: p.Start + p.Length == message.Length)).ToArray();

    private static (StackHarness H, List<byte[]> Received) WithEchoSocket(InterfaceConfig? config = null)
    {
        var h = Resolved(config);
        var received = new List<byte[]>();
        h.Stack.Udp.Bind(7, (_, d) => received.Add(d.Payload.ToArray()));
        return (h, received);
    }

    [Fact]
    public void Fragments_in_order_make_the_datagram()
    {
        var (h, received) = WithEchoSocket();
        using (h)
        {
            byte[] payload = StackFrames.Pattern(3000);
            byte[] message = UdpMessage(payload);
            h.Inject(Cut(message, (0, 1480), (1480, 1480), (2960, message.Length - 2960)));
            Assert.Equal(payload, Assert.Single(received));
            var counters = h.Stack.GetCounters();
            Assert.Equal((3, 1), (counters.FragmentsReceived, counters.Reassembled));
            Assert.Equal(0, counters.DropsTotal);
            h.AssertAllFramesReturned();
        }
    }

    [Fact]
    public void Fragments_out_of_order_make_the_datagram()
    {
        var (h, received) = WithEchoSocket();
        using (h)
        {
            byte[] payload = StackFrames.Pattern(3000, seed: 5);
            byte[] message = UdpMessage(payload);
            h.Inject(Cut(message, (2960, message.Length - 2960), (0, 1480), (1480, 1480)));
            Assert.Equal(payload, Assert.Single(received));
            h.AssertAllFramesReturned();
        }
    }

    [Fact]
    public void Overlapping_and_duplicate_fragments_that_agree_make_the_datagram()
    {
        var (h, received) = WithEchoSocket();
        using (h)
        {
            byte[] payload = StackFrames.Pattern(2000, seed: 9);
            byte[] message = UdpMessage(payload);
            h.Inject(Cut(message, (0, 800), (400, 800), (400, 800), (1200, message.Length - 1200)));
            Assert.Equal(payload, Assert.Single(received));
            Assert.Equal(2, h.Stack.GetCounters().FragmentsOverlapping);
            h.AssertAllFramesReturned();
        }
    }

    [Fact]
    public void Overlapping_fragments_that_disagree_drop_the_datagram()
    {
        var (h, received) = WithEchoSocket();
        using (h)
        {
            byte[] message = UdpMessage(StackFrames.Pattern(2000));
            byte[] forged = (byte[])message.Clone();
            forged[500] ^= 0xFF;
            h.Inject(StackFrames.Fragment(IpProtocol.Udp, message, 0, 800, last: false));
            h.Inject(StackFrames.Fragment(IpProtocol.Udp, forged, 400, 800, last: false));
            h.Inject(StackFrames.Fragment(IpProtocol.Udp, message, 1200, message.Length - 1200, last: true));
            Assert.Empty(received);
            Assert.Equal(1, h.Dropped(StackDropReason.FragmentOverlap));
            h.AssertAllFramesReturned();
        }
    }

    [Fact]
    public void A_missing_fragment_times_out_frees_the_memory_and_sends_time_exceeded()
    {
        var (h, received) = WithEchoSocket();
        using (h)
        {
            byte[] message = UdpMessage(StackFrames.Pattern(3000));
            h.Inject(Cut(message, (0, 1480), (2960, message.Length - 2960)));
            Assert.Empty(received);
            Assert.Equal(0, h.Port.Pool.InUse - h.Context.Tx.Count);
            h.Advance(TimeSpan.FromSeconds(29));
            Assert.Empty(h.Sent());
            h.Advance(TimeSpan.FromSeconds(1));
            Assert.Equal(1, h.Dropped(StackDropReason.FragmentTimeout));
            byte[] error = h.SentSingle();
            Assert.True(Ipv4Packet.TryParse(error.AsSpan(14), out var ip));
            var icmp = new Icmpv4Packet(ip.Payload);
            Assert.True(icmp.VerifyChecksum());
            Assert.Equal((Icmpv4Type.TimeExceeded, (byte)Icmpv4TimeExceededCode.FragmentReassemblyTimeExceeded), (icmp.Type, icmp.Code));
            // The late fragment now starts a new datagram rather than completing the old one.
            h.Inject(Cut(message, (1480, 1480)));
            Assert.Empty(received);
            h.AssertAllFramesReturned();
        }
    }

    [Fact]
    public void The_memory_bound_evicts_the_oldest_datagram()
    {
        var config = new InterfaceConfig { Address = new Ipv4Cidr(StackHarness.StackIp, 24), ReassemblyMemoryLimit = 4000 };
        var (h, received) = WithEchoSocket(config);
        using (h)
        {
            byte[] first = UdpMessage(StackFrames.Pattern(3000, 1));
            byte[] second = UdpMessage(StackFrames.Pattern(3000, 2));
            h.Inject(StackFrames.Fragment(IpProtocol.Udp, first, 0, 1480, last: false, identification: 1));
            h.Inject(StackFrames.Fragment(IpProtocol.Udp, first, 1480, 1480, last: false, identification: 1));
            Assert.Equal(0, h.Dropped(StackDropReason.ReassemblyOverflow));
            h.Clock.Advance(TimeSpan.FromMilliseconds(1));
            // 2 * (1480 + 64) held; one more fragment passes 4000 bytes, so the first datagram goes.
            h.Inject(StackFrames.Fragment(IpProtocol.Udp, second, 0, 1480, last: false, identification: 2));
            Assert.Equal(1, h.Dropped(StackDropReason.ReassemblyOverflow));
            h.Inject(StackFrames.Fragment(IpProtocol.Udp, second, 1480, 1480, last: false, identification: 2));
            h.Inject(StackFrames.Fragment(IpProtocol.Udp, second, 2960, second.Length - 2960, last: true, identification: 2));
            Assert.Equal(StackFrames.Pattern(3000, 2), Assert.Single(received));
            h.Inject(StackFrames.Fragment(IpProtocol.Udp, first, 2960, first.Length - 2960, last: true, identification: 1));
            Assert.Single(received);
            h.AssertAllFramesReturned();
        }
    }

    [Fact]
    public void The_count_bound_evicts_the_oldest_datagram()
    {
        var config = new InterfaceConfig { Address = new Ipv4Cidr(StackHarness.StackIp, 24), MaxReassemblies = 2 };
        var (h, received) = WithEchoSocket(config);
        using (h)
        {
            byte[] message = UdpMessage(StackFrames.Pattern(2000));
            for (ushort id = 1; id <= 3; id++)
            {
                h.Inject(StackFrames.Fragment(IpProtocol.Udp, message, 0, 1000, last: false, identification: id));
                h.Clock.Advance(TimeSpan.FromMilliseconds(1));
            }
            Assert.Equal(1, h.Dropped(StackDropReason.ReassemblyOverflow));
            // Newest first: datagrams 3 and 2 complete; 1 was evicted, its last fragment starts a datagram that never completes.
            for (ushort id = 3; id >= 1; id--) h.Inject(StackFrames.Fragment(IpProtocol.Udp, message, 1000, message.Length - 1000, last: true, identification: id));
            Assert.Equal(2, received.Count);
            h.AssertAllFramesReturned();
        }
    }

    [Fact]
    public void Invalid_fragments_are_counted()
    {
        var (h, received) = WithEchoSocket();
        using (h)
        {
            byte[] message = UdpMessage(StackFrames.Pattern(2000));
            // A non-last fragment whose length is not a multiple of 8.
            h.Inject(StackFrames.Fragment(IpProtocol.Udp, message, 0, 1001, last: false));
            // Two last fragments that disagree on the end.
            h.Inject(StackFrames.Fragment(IpProtocol.Udp, message, 1000, 1000, last: true, identification: 9));
            h.Inject(StackFrames.Fragment(IpProtocol.Udp, message, 1000, 1008, last: true, identification: 9));
            Assert.Equal(2, h.Dropped(StackDropReason.FragmentInvalid));
            // Past 65535 bytes (the ping of death): offset 65528 with 16 bytes.
            byte[] big = new byte[65528 + 16];
            h.Inject(StackFrames.Fragment(IpProtocol.Udp, big, 65528, 16, last: true, identification: 10));
            Assert.Equal(3, h.Dropped(StackDropReason.FragmentInvalid));
            Assert.Empty(received);
            h.AssertAllFramesReturned();
        }
    }

    [Fact]
    public void A_fragmented_echo_request_gets_a_fragmented_reply()
    {
        using var h = Resolved();
        byte[] data = StackFrames.Pattern(4000);
        byte[] message = StackFrames.EchoMessage(0x99, 1, data);
        h.Inject(Enumerable.Range(0, 3).Select(i =>
        {
            int start = i * 1480;
            int length = Math.Min(1480, message.Length - start);
            return StackFrames.Fragment(IpProtocol.Icmp, message, start, length, last: start + length == message.Length);
        }).ToArray());
        List<byte[]> fragments = h.Sent();
        Assert.Equal(3, fragments.Count);
        var whole = new byte[message.Length];
        foreach (byte[] frame in fragments)
        {
            Assert.True(Ipv4Packet.TryParse(frame.AsSpan(14), out var ip));
            Assert.True(ip.VerifyChecksum());
            Assert.Equal(StackHarness.PeerIp, ip.Destination);
            ip.Payload.CopyTo(whole.AsSpan(ip.FragmentOffset));
        }
        var reply = new Icmpv4Packet(whole);
        Assert.True(reply.VerifyChecksum());
        Assert.Equal(Icmpv4Type.EchoReply, reply.Type);
        Assert.Equal(data, reply.Payload.ToArray());
        Assert.Equal(1, h.Stack.GetCounters().EchoReplies);
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_reassembled_datagram_that_fits_a_frame_reaches_a_polling_socket()
    {
        using var h = Resolved();
        UdpSocket socket = h.Stack.Udp.Bind(7, queueCapacity: 4);
        byte[] payload = StackFrames.Pattern(1200);
        byte[] message = UdpMessage(payload);
        h.Inject(Cut(message, (600, message.Length - 600), (0, 600)));
        Assert.True(socket.TryReceive(out UdpReceived received));
        Assert.Equal(payload, socket.GetPayload(received).ToArray());
        socket.Release(received);
        // Too large for one frame: a polling socket cannot take it.
        byte[] large = UdpMessage(StackFrames.Pattern(3000));
        h.Inject(Cut(large, (0, 1480), (1480, 1480), (2960, large.Length - 2960)));
        Assert.False(socket.TryReceive(out _));
        Assert.Equal(1, h.Dropped(StackDropReason.DatagramTooLarge));
        h.AssertAllFramesReturned();
    }
}
