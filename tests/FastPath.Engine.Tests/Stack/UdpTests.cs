using FastPath.Engine.Stack;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Udp;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Stack;

public class UdpTests
{
    private static (UdpRepr Udp, byte[] Payload, int TotalLength) ParseUdp(byte[] frame, out Ipv4Address source, out Ipv4Address destination)
    {
        Assert.True(EthernetFrame.TryParse(frame, out var eth));
        Assert.Equal(EtherType.Ipv4, eth.EtherType);
        Assert.True(Ipv4Packet.TryParse(eth.Payload, out var ip));
        Assert.True(ip.VerifyChecksum());
        Assert.Equal(IpProtocol.Udp, ip.Protocol);
        Assert.True(UdpPacket.TryParse(ip.Payload, out var udp));
        Assert.True(udp.Checksum != 0 && udp.VerifyChecksum(ip.Source, ip.Destination), "UDP checksum");
        Assert.True(UdpRepr.TryParse(udp, out var repr));
        source = ip.Source;
        destination = ip.Destination;
        return (repr, udp.Payload.ToArray(), ip.TotalLength);
    }

    private static StackHarness Resolved()
    {
        var h = new StackHarness();
        h.Inject(StackFrames.ArpRequestForStack());
        h.Sent();
        return h;
    }

    [Fact]
    public void A_handler_socket_sees_the_payload_and_the_sender_and_can_reply()
    {
        using var h = Resolved();
        var seen = new List<(byte[] Payload, UdpEndpoint From, Ipv4Address To, ushort Port)>();
        h.Stack.Udp.Bind(7, (socket, datagram) =>
        {
            seen.Add((datagram.Payload.ToArray(), datagram.From, datagram.To, datagram.LocalPort));
            Assert.True(socket.SendTo(datagram.Payload, datagram.From));
        });
        byte[] payload = StackFrames.Pattern(100);
        h.Inject(Frames.Udp(payload, sourcePort: 40000, destinationPort: 7));

        var only = Assert.Single(seen);
        Assert.Equal(payload, only.Payload);
        Assert.Equal(new UdpEndpoint(StackHarness.PeerIp, 40000), only.From);
        Assert.Equal((StackHarness.StackIp, (ushort)7), (only.To, only.Port));

        var (udp, echoed, _) = ParseUdp(h.SentSingle(), out var source, out var destination);
        Assert.Equal((StackHarness.StackIp, StackHarness.PeerIp), (source, destination));
        Assert.Equal(((ushort)7, (ushort)40000), (udp.SourcePort, udp.DestinationPort));
        Assert.Equal(payload, echoed);
        var counters = h.Stack.GetCounters();
        Assert.Equal((1, 1), (counters.UdpReceived, counters.UdpSent));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_datagram_without_checksum_is_accepted_and_a_bad_checksum_dropped()
    {
        using var h = Resolved();
        int received = 0;
        h.Stack.Udp.Bind(9, (_, _) => received++);
        byte[] frame = Frames.Udp([1, 2, 3], destinationPort: 9);
        frame[14 + 20 + 6] = 0;
        frame[14 + 20 + 7] = 0;
        h.Inject(frame);
        Assert.Equal(1, received);
        byte[] bad = Frames.Udp([1, 2, 3], destinationPort: 9);
        bad[14 + 20 + 8] ^= 0x55;
        h.Inject(bad);
        Assert.Equal(1, received);
        Assert.Equal(1, h.Dropped(StackDropReason.BadChecksum));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_udp_length_past_the_ip_payload_or_below_eight_is_a_bad_length()
    {
        using var h = Resolved();
        h.Stack.Udp.Bind(9, (_, _) => Assert.Fail("delivered"));
        byte[] longer = Frames.Udp([1, 2, 3, 4], destinationPort: 9);
        longer[14 + 20 + 5] = 13;
        h.Inject(longer);
        byte[] shorter = Frames.Udp([1, 2, 3, 4], destinationPort: 9);
        shorter[14 + 20 + 5] = 7;
        h.Inject(shorter);
        Assert.Equal(2, h.Dropped(StackDropReason.BadLength));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_polling_socket_queues_frames_and_drops_beyond_its_capacity_without_touching_other_sockets()
    {
        using var h = Resolved();
        UdpSocket polled = h.Stack.Udp.Bind(5000, queueCapacity: 4);
        int other = 0;
        h.Stack.Udp.Bind(5001, (_, _) => other++);
        for (int i = 0; i < 6; i++) h.Inject(Frames.Udp([(byte)i, 0xEE], sourcePort: (ushort)(1000 + i), destinationPort: 5000));
        h.Inject(Frames.Udp([9], destinationPort: 5001));

        Assert.Equal(1, other);
        Assert.Equal(4, polled.QueuedCount);
        Assert.Equal((4, 2), (polled.Received, polled.Dropped));
        Assert.Equal(2, h.Dropped(StackDropReason.SocketQueueFull));
        Assert.Equal(4, h.Port.Pool.InUse - h.Context.Tx.Count);
        for (int i = 0; i < 4; i++)
        {
            Assert.True(polled.TryReceive(out UdpReceived received));
            Assert.Equal(new byte[] { (byte)i, 0xEE }, polled.GetPayload(received).ToArray());
            Assert.Equal(new UdpEndpoint(StackHarness.PeerIp, (ushort)(1000 + i)), received.From);
            Assert.Equal(StackHarness.StackIp, received.To);
            polled.Release(received);
        }
        Assert.False(polled.TryReceive(out _));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_received_datagram_can_be_sent_back_in_its_own_frame()
    {
        using var h = Resolved();
        UdpSocket socket = h.Stack.Udp.Bind(7, queueCapacity: 8);
        h.Inject(Frames.Udp(StackFrames.Pattern(30), sourcePort: 2222, destinationPort: 7));
        Assert.True(socket.TryReceive(out UdpReceived received));
        socket.GetPayload(received)[0] = 0xFF;
        Assert.True(socket.SendReceived(received, received.From));
        h.Run();
        var (udp, payload, _) = ParseUdp(h.SentSingle(), out _, out var destination);
        Assert.Equal(StackHarness.PeerIp, destination);
        Assert.Equal(((ushort)7, (ushort)2222), (udp.SourcePort, udp.DestinationPort));
        byte[] expected = StackFrames.Pattern(30);
        expected[0] = 0xFF;
        Assert.Equal(expected, payload);
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Sending_to_an_unknown_host_resolves_it_first()
    {
        using var h = new StackHarness();
        h.Sent();
        UdpSocket socket = h.Stack.Udp.Bind(6000, (_, _) => { });
        Assert.True(socket.SendTo([1, 2, 3], new UdpEndpoint(StackHarness.PeerIp, 53)));
        h.Run();
        byte[] arp = h.SentSingle();
        Assert.Equal(EtherType.Arp, (EtherType)(arp[12] << 8 | arp[13]));
        h.Inject(StackFrames.ArpReplyFromPeer());
        var (udp, payload, _) = ParseUdp(h.SentSingle(), out _, out _);
        Assert.Equal(((ushort)6000, (ushort)53), (udp.SourcePort, udp.DestinationPort));
        Assert.Equal(new byte[] { 1, 2, 3 }, payload);
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Off_link_destinations_go_through_the_gateway_and_fail_without_one()
    {
        var gateway = Ipv4Address.Parse("10.0.0.254");
        var gatewayMac = MacAddress.Parse("02:00:00:00:00:fe");
        using (var h = new StackHarness(StackHarness.Config(gateway)))
        {
            h.Inject(StackFrames.Arp(FastPath.Wire.Arp.ArpOperation.Request, gatewayMac, gateway, MacAddress.Zero, StackHarness.StackIp));
            h.Sent();
            UdpSocket socket = h.Stack.Udp.Bind(6000, (_, _) => { });
            socket.SendTo([7], new UdpEndpoint(Ipv4Address.Parse("192.0.2.9"), 9));
            h.Run();
            byte[] frame = h.SentSingle();
            Assert.True(EthernetFrame.TryParse(frame, out var eth));
            Assert.Equal(gatewayMac, eth.Destination);
            ParseUdp(frame, out _, out var destination);
            Assert.Equal(Ipv4Address.Parse("192.0.2.9"), destination);
            h.AssertAllFramesReturned();
        }
        using (var h = new StackHarness())
        {
            h.Sent();
            UdpSocket socket = h.Stack.Udp.Bind(6000, (_, _) => { });
            socket.SendTo([7], new UdpEndpoint(Ipv4Address.Parse("192.0.2.9"), 9));
            h.Run();
            Assert.Empty(h.Sent());
            Assert.Equal(1, h.Dropped(StackDropReason.NoRoute));
            h.AssertAllFramesReturned();
        }
    }

    [Fact]
    public void A_datagram_larger_than_the_mtu_leaves_as_fragments_that_rebuild_it()
    {
        using var h = Resolved();
        UdpSocket socket = h.Stack.Udp.Bind(6000, (_, _) => { });
        byte[] payload = StackFrames.Pattern(4000);
        Assert.True(socket.SendTo(payload, new UdpEndpoint(StackHarness.PeerIp, 9)));
        h.Run();
        List<byte[]> fragments = h.Sent();
        Assert.Equal(3, fragments.Count);
        var whole = new byte[8 + payload.Length];
        ushort? identification = null;
        foreach (byte[] frame in fragments)
        {
            Assert.True(frame.Length <= 1514);
            Assert.True(Ipv4Packet.TryParse(frame.AsSpan(14), out var ip));
            Assert.True(ip.VerifyChecksum());
            identification ??= ip.Identification;
            Assert.Equal(identification, ip.Identification);
            Assert.Equal(ip.FragmentOffset + ip.Payload.Length < whole.Length, ip.MoreFragments);
            ip.Payload.CopyTo(whole.AsSpan(ip.FragmentOffset));
        }
        Assert.True(new UdpPacket(whole).VerifyChecksum(StackHarness.StackIp, StackHarness.PeerIp));
        Assert.Equal(payload, whole[8..]);
        Assert.Equal(3, h.Stack.GetCounters().FragmentsSent);
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Broadcast_datagrams_reach_a_socket_on_the_port()
    {
        using var h = new StackHarness();
        var to = new List<Ipv4Address>();
        h.Stack.Udp.Bind(67, (_, d) => to.Add(d.To));
        h.Inject(Frames.Udp([1], destinationPort: 67, destination: Ipv4Address.Broadcast, destinationMac: MacAddress.Broadcast));
        h.Inject(Frames.Udp([1], destinationPort: 67, destination: Ipv4Address.Parse("10.0.0.255"), destinationMac: MacAddress.Broadcast));
        Assert.Equal([Ipv4Address.Broadcast, Ipv4Address.Parse("10.0.0.255")], to);
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Binding_a_bound_port_throws_and_disposing_frees_the_port()
    {
        using var h = new StackHarness();
        UdpSocket first = h.Stack.Udp.Bind(7, (_, _) => { });
        Assert.Throws<InvalidOperationException>(() => h.Stack.Udp.Bind(7, (_, _) => { }));
        first.Dispose();
        Assert.False(h.Stack.Udp.TryGetSocket(7, out _));
        UdpSocket second = h.Stack.Udp.Bind(7, queueCapacity: 2);
        Assert.True(h.Stack.Udp.TryGetSocket(7, out var found));
        Assert.Same(second, found);
        Assert.Throws<ObjectDisposedException>(() => first.SendTo([1], new UdpEndpoint(StackHarness.PeerIp, 1)));
        UdpSocket ephemeral = h.Stack.Udp.Bind(0, (_, _) => { });
        Assert.True(ephemeral.LocalPort >= 49152);
    }

    [Fact]
    public void A_handler_that_throws_does_not_leak_the_frame()
    {
        using var h = Resolved();
        h.Stack.Udp.Bind(7, (_, _) => throw new InvalidOperationException("app bug"));
        Assert.Throws<InvalidOperationException>(() => h.Inject(Frames.Udp([1], destinationPort: 7)));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Stop_frees_datagrams_still_queued()
    {
        using var h = Resolved();
        h.Stack.Udp.Bind(5000, queueCapacity: 8);
        h.Inject(Frames.Udp([1], destinationPort: 5000), Frames.Udp([2], destinationPort: 5000));
        Assert.True(h.Port.Pool.InUse >= 2);
        h.AssertAllFramesReturned();
    }
}
