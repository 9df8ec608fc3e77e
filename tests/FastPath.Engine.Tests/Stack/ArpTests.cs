using FastPath.Engine.Stack;
using FastPath.Wire.Arp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Stack;

public class ArpTests
{
    [Fact]
    public void Start_announces_the_address_with_a_gratuitous_request()
    {
        using var h = new StackHarness();
        byte[] frame = h.SentSingle();
        Assert.True(EthernetFrame.TryParse(frame, out var eth));
        Assert.Equal(MacAddress.Broadcast, eth.Destination);
        Assert.Equal(StackHarness.StackMac, eth.Source);
        Assert.Equal(EtherType.Arp, eth.EtherType);
        Assert.True(ArpPacket.TryParse(eth.Payload, out var arp));
        Assert.True(ArpRepr.TryParse(arp, out var repr));
        Assert.Equal(new ArpRepr(ArpOperation.Request, StackHarness.StackMac, StackHarness.StackIp, MacAddress.Zero, StackHarness.StackIp), repr);
        Assert.Equal(1, h.Stack.GetCounters().ArpGratuitousSent);
        Assert.Equal(60, frame.Length);
    }

    [Fact]
    public void No_gratuitous_request_when_configured_off()
    {
        using var h = new StackHarness(new InterfaceConfig { Address = new Ipv4Cidr(StackHarness.StackIp, 24), GratuitousArp = false });
        Assert.Empty(h.Sent());
    }

    [Fact]
    public void A_request_for_our_address_gets_a_reply_and_teaches_us_the_sender()
    {
        using var h = new StackHarness();
        h.Sent();
        h.Inject(StackFrames.ArpRequestForStack());
        byte[] frame = h.SentSingle();
        Assert.True(EthernetFrame.TryParse(frame, out var eth));
        Assert.Equal(StackHarness.PeerMac, eth.Destination);
        Assert.Equal(StackHarness.StackMac, eth.Source);
        Assert.True(ArpPacket.TryParse(eth.Payload, out var arp));
        Assert.True(ArpRepr.TryParse(arp, out var repr));
        Assert.Equal(new ArpRepr(ArpOperation.Reply, StackHarness.StackMac, StackHarness.StackIp, StackHarness.PeerMac, StackHarness.PeerIp), repr);
        Assert.True(h.Stack.TryGetArpEntry(StackHarness.PeerIp, out var learned));
        Assert.Equal(StackHarness.PeerMac, learned);
        var counters = h.Stack.GetCounters();
        Assert.Equal((1, 1), (counters.ArpRequestsReceived, counters.ArpReplies));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_request_for_another_address_is_not_answered_and_teaches_nothing()
    {
        using var h = new StackHarness();
        h.Sent();
        h.Inject(StackFrames.Arp(ArpOperation.Request, StackHarness.PeerMac, StackHarness.PeerIp, MacAddress.Zero, Ipv4Address.Parse("10.0.0.99")));
        Assert.Empty(h.Sent());
        Assert.False(h.Stack.TryGetArpEntry(StackHarness.PeerIp, out _));
        Assert.Equal(1, h.Dropped(StackDropReason.NotForUs));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void An_unsolicited_reply_is_not_learned()
    {
        using var h = new StackHarness();
        h.Sent();
        h.Inject(StackFrames.ArpReplyFromPeer());
        Assert.False(h.Stack.TryGetArpEntry(StackHarness.PeerIp, out _));
        Assert.Equal(1, h.Dropped(StackDropReason.ArpUnsolicited));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void The_stack_asks_for_an_unknown_peer_and_sends_the_waiting_packet_once_answered()
    {
        using var h = new StackHarness();
        h.Sent();
        // A UDP datagram to a closed port makes the stack answer the peer, whose MAC it does not know yet.
        h.Inject(Frames.Udp([1, 2, 3], destinationPort: 5555));
        byte[] request = h.SentSingle();
        Assert.True(EthernetFrame.TryParse(request, out var eth));
        Assert.True(ArpPacket.TryParse(eth.Payload, out var arp));
        Assert.True(ArpRepr.TryParse(arp, out var repr));
        Assert.Equal(MacAddress.Broadcast, eth.Destination);
        Assert.Equal(new ArpRepr(ArpOperation.Request, StackHarness.StackMac, StackHarness.StackIp, MacAddress.Zero, StackHarness.PeerIp), repr);

        h.Inject(StackFrames.ArpReplyFromPeer());
        byte[] unreachable = h.SentSingle();
        Assert.True(EthernetFrame.TryParse(unreachable, out var eth2));
        Assert.Equal(StackHarness.PeerMac, eth2.Destination);
        Assert.True(Ipv4Packet.TryParse(eth2.Payload, out var ip));
        Assert.Equal(IpProtocol.Icmp, ip.Protocol);
        Assert.True(h.Stack.TryGetArpEntry(StackHarness.PeerIp, out var mac));
        Assert.Equal(StackHarness.PeerMac, mac);
        var counters = h.Stack.GetCounters();
        Assert.Equal((1, 1), (counters.ArpRequestsSent, counters.ArpRepliesReceived));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Unanswered_requests_are_retried_then_the_waiting_packet_is_dropped()
    {
        using var h = new StackHarness();
        h.Sent();
        h.Inject(Frames.Udp([1], destinationPort: 5555));
        Assert.Single(h.Sent());
        h.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty(h.Sent());
        h.Advance(TimeSpan.FromMilliseconds(2));
        Assert.Single(h.Sent());
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(h.Sent());
        Assert.Equal(0, h.Dropped(StackDropReason.NoArpEntry));
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Empty(h.Sent());
        Assert.Equal(3, h.Stack.GetCounters().ArpRequestsSent);
        Assert.Equal(1, h.Dropped(StackDropReason.NoArpEntry));
        Assert.Equal(0, h.Port.Pool.InUse);
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_learned_entry_expires_after_its_lifetime()
    {
        var config = new InterfaceConfig { Address = new Ipv4Cidr(StackHarness.StackIp, 24), ArpEntryLifetime = TimeSpan.FromMinutes(5) };
        using var h = new StackHarness(config);
        h.Inject(StackFrames.ArpRequestForStack());
        h.Sent();
        Assert.True(h.Stack.TryGetArpEntry(StackHarness.PeerIp, out _));
        h.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromMilliseconds(1));
        Assert.True(h.Stack.TryGetArpEntry(StackHarness.PeerIp, out _));
        h.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(h.Stack.TryGetArpEntry(StackHarness.PeerIp, out _));
        // Expired: the next packet for the peer asks again.
        h.Inject(Frames.Udp([1], destinationPort: 5555));
        byte[] request = h.SentSingle();
        Assert.True(EthernetFrame.TryParse(request, out var eth));
        Assert.Equal(EtherType.Arp, eth.EtherType);
    }

    [Fact]
    public void The_default_lifetime_is_twenty_minutes()
    {
        using var h = new StackHarness();
        h.Inject(StackFrames.ArpRequestForStack());
        h.Advance(TimeSpan.FromMinutes(20) - TimeSpan.FromSeconds(1));
        Assert.True(h.Stack.TryGetArpEntry(StackHarness.PeerIp, out _));
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.False(h.Stack.TryGetArpEntry(StackHarness.PeerIp, out _));
    }

    [Fact]
    public void A_flood_of_requests_from_strangers_does_not_evict_the_gateway()
    {
        var gateway = Ipv4Address.Parse("10.0.0.254");
        var gatewayMac = MacAddress.Parse("02:00:00:00:00:fe");
        var config = new InterfaceConfig { Address = new Ipv4Cidr(StackHarness.StackIp, 24), Gateway = gateway, ArpCacheCapacity = 8 };
        using var h = new StackHarness(config);
        h.Inject(StackFrames.Arp(ArpOperation.Request, gatewayMac, gateway, MacAddress.Zero, StackHarness.StackIp));
        for (int i = 0; i < 100; i++)
        {
            var mac = MacAddress.FromUInt64(0x0200_0000_1000UL + (ulong)i);
            h.Inject(StackFrames.Arp(ArpOperation.Request, mac, new Ipv4Address(10, 0, 0, (byte)(10 + i)), MacAddress.Zero, StackHarness.StackIp));
            h.Sent();
        }
        Assert.True(h.Stack.TryGetArpEntry(gateway, out var learned));
        Assert.Equal(gatewayMac, learned);
        Assert.True(h.Stack.TryGetArpEntry(new Ipv4Address(10, 0, 0, 109), out _));
        Assert.False(h.Stack.TryGetArpEntry(new Ipv4Address(10, 0, 0, 10), out _));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_packet_claiming_our_address_is_a_conflict_not_a_lesson()
    {
        using var h = new StackHarness();
        h.Sent();
        h.Inject(StackFrames.Arp(ArpOperation.Reply, StackHarness.PeerMac, StackHarness.StackIp, StackHarness.StackMac, StackHarness.StackIp));
        Assert.Equal(1, h.Stack.GetCounters().ArpConflicts);
        Assert.Equal(1, h.Dropped(StackDropReason.BadAddress));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void The_waiting_queue_is_bounded_per_destination()
    {
        var config = new InterfaceConfig { Address = new Ipv4Cidr(StackHarness.StackIp, 24), ArpQueueLength = 2 };
        using var h = new StackHarness(config);
        h.Sent();
        for (ushort i = 0; i < 5; i++) h.Inject(Frames.Udp([1], destinationPort: (ushort)(5000 + i)));
        Assert.Equal(3, h.Dropped(StackDropReason.ArpQueueFull));
        h.Inject(StackFrames.ArpReplyFromPeer());
        List<byte[]> sent = h.Sent().Where(f => f[12] == 0x08 && f[13] == 0x00).ToList();
        Assert.Equal(2, sent.Count);
        h.AssertAllFramesReturned();
    }
}
