using System.Buffers.Binary;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Stack;
using FastPath.Engine.Tests.Stack;
using FastPath.Wire.Arp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Tests.Hardening;

/// <summary>
/// An ARP flood from random senders: who-has for our address (learned and answered), replies nobody asked for
/// (arp_unsolicited) and who-has for other hosts (not_for_us). The cache stays within its capacity, the
/// gateway's entry survives every eviction (off-link traffic keeps going to its MAC, with no new request), and
/// packets waiting for resolution of on-link hosts that never answer stay within the pending and queue bounds.
/// </summary>
[Collection(nameof(FloodCollection))]
public class ArpFloodTests(ITestOutputHelper output)
{
    private const long Rate = 1_000_000;
    private static readonly Ipv4Address OffLink = Ipv4Address.Parse("192.0.2.1");

    [Fact]
    public void An_arp_flood_keeps_the_cache_bounded_the_gateway_entry_in_place_and_the_resolver_queues_bounded()
    {
        var report = new FloodReport(output, "arp flood");
        // 64 destinations x 16 waiting datagrams hold 1024 frames: the pool has room for them and the flood.
        using var h = new StackHarness(StackHarness.Config(gateway: StackHarness.PeerIp),
            new MemoryPortOptions { FrameCount = 4096, MacA = StackHarness.StackMac, MacB = StackHarness.PeerMac });
        h.Sent();
        InterfaceConfig config = h.Stack.Config;
        UdpSocket socket = h.Stack.Udp.Bind(4000);
        byte[] payload = StackFrames.Pattern(32);

        // The gateway is resolved the ordinary way: a datagram off-link, a who-has, the peer's reply.
        Assert.True(socket.SendTo(payload, new UdpEndpoint(OffLink, 9)));
        h.Run();
        Assert.Single(h.Sent());
        h.Inject(StackFrames.ArpReplyFromPeer());
        Assert.Single(h.Sent());
        long requestsBefore = h.Stack.GetCounters().ArpRequestsSent;

        byte[] requestToUs = StackFrames.Arp(ArpOperation.Request, StackHarness.PeerMac, StackHarness.PeerIp, MacAddress.Zero, StackHarness.StackIp);
        byte[] reply = StackFrames.Arp(ArpOperation.Reply, StackHarness.PeerMac, StackHarness.PeerIp, StackHarness.StackMac, StackHarness.StackIp);
        byte[] requestForOther = StackFrames.Arp(ArpOperation.Request, StackHarness.PeerMac, StackHarness.PeerIp, MacAddress.Zero, Ipv4Address.Parse("10.0.0.77"));
        FloodFrameWriter write = (frame, index) =>
        {
            int kind = (int)(index % 3);
            int length = FloodFrames.Copy(frame, kind == 0 ? requestToUs : kind == 1 ? reply : requestForOther);
            uint random = FloodFrames.Scatter(index);
            Span<byte> mac = stackalloc byte[6];
            mac[0] = 0x02;
            BinaryPrimitives.WriteUInt32BigEndian(mac[1..], random);
            mac[5] = (byte)kind;
            // Each kind from its own range, so no reply or other-host request ever comes from an address we learned.
            uint sender = kind switch
            {
                0 => 0xAC10_0000u | (random & 0x000F_FFFF), // 172.16.0.0/12
                1 => 0x6440_0000u | (random & 0x003F_FFFF), // 100.64.0.0/10
                _ => 0xC0A8_0000u | (random & 0x0000_FFFF), // 192.168.0.0/16
            };
            FloodFrames.SetArpSender(frame, mac, sender);
            return length;
        };

        var sent = new Packet[64];
        long toGateway = 0, ipv4Elsewhere = 0, arpFrames = 0;
        int mostCached = 0, mostPending = 0;
        var flood = new FloodInjector(h.Peer, h.Clock, () =>
        {
            h.Run();
            int got;
            while ((got = h.Peer.Receive(sent)) > 0)
            {
                foreach (Packet packet in sent.AsSpan(0, got))
                {
                    ReadOnlySpan<byte> frame = h.Peer.Pool.Region.GetSpan(packet);
                    ushort etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
                    if (etherType == (ushort)EtherType.Arp) arpFrames++;
                    else if (frame[..6].SequenceEqual(GatewayMac)) toGateway++;
                    else ipv4Elsewhere++;
                }
                h.Peer.Pool.Free(sent.AsSpan(0, got));
            }
            mostCached = Math.Max(mostCached, h.Stack.ArpCacheCount);
            mostPending = Math.Max(mostPending, h.Stack.ArpPendingCount);
        });

        const int unresolved = 100, perUnresolved = 20;
        long offLinkSent = 0, offLinkAt = 0;
        bool queuedForUnresolved = false;
        Action<long> traffic = next =>
        {
            // Off-link traffic all through the flood: it must keep leaving for the gateway's MAC.
            if (next >= offLinkAt)
            {
                offLinkAt += 2048;
                if (socket.SendTo(payload, new UdpEndpoint(OffLink, 9))) offLinkSent++;
            }
            // Once, mid-flood: datagrams for 100 on-link hosts that never answer.
            if (!queuedForUnresolved && next >= 100_000)
            {
                queuedForUnresolved = true;
                for (uint host = 0; host < unresolved; host++)
                {
                    for (int i = 0; i < perUnresolved; i++) socket.SendTo(payload, new UdpEndpoint(new Ipv4Address(0x0A00_0064u + host), 9));
                }
            }
        };

        const long warmUp = 30_000, total = 240_000;
        flood.Flood(0, warmUp, Rate, write, traffic);
        report.StartMeasuring();
        flood.Flood(warmUp, total - warmUp, Rate, write, traffic);
        report.AssertMemoryFlat(allocationBudget: 0, heapBudget: 64 * 1024);

        StackCountersSnapshot counters = h.Stack.GetCounters();
        long perKind = total / 3;
        report.Log($"{total} ARP frames at {Rate}/s ({perKind} who-has for us, {perKind} unsolicited replies, {perKind} who-has for others): "
            + $"cache at most {mostCached}/{config.ArpCacheCapacity}, pending at most {mostPending}/{config.ArpPendingDestinations}; "
            + $"{offLinkSent} off-link datagrams, {toGateway} to the gateway's MAC; arp_unsolicited {counters.Dropped(StackDropReason.ArpUnsolicited)}, "
            + $"not_for_us {counters.Dropped(StackDropReason.NotForUs)}, arp_queue_full {counters.Dropped(StackDropReason.ArpQueueFull)}");
        Assert.Equal(config.ArpCacheCapacity, mostCached);
        Assert.Equal(config.ArpPendingDestinations, mostPending);
        Assert.True(h.Stack.TryGetArpEntry(StackHarness.PeerIp, out MacAddress gateway));
        Assert.Equal(StackHarness.PeerMac, gateway);
        Assert.Equal(total / 2048 + 1, offLinkSent);
        Assert.Equal(offLinkSent, toGateway);
        Assert.Equal(0, ipv4Elsewhere);
        Assert.Equal(total + 1, counters.RxPackets);
        Assert.Equal(perKind, counters.ArpReplies);
        Assert.Equal(perKind, counters.Dropped(StackDropReason.ArpUnsolicited));
        Assert.Equal(perKind, counters.Dropped(StackDropReason.NotForUs));
        // 64 hosts wait with their 16 newest datagrams (4 each pushed out); the other 36 find no free slot.
        int pendingSlots = config.ArpPendingDestinations;
        long queueFull = pendingSlots * (perUnresolved - config.ArpQueueLength) + (unresolved - pendingSlots) * perUnresolved;
        Assert.Equal(queueFull, counters.Dropped(StackDropReason.ArpQueueFull));
        Assert.Equal(2 * perKind + queueFull, counters.DropsTotal);
        // One who-has per pending host so far; the gateway needed none.
        Assert.Equal(requestsBefore + pendingSlots, counters.ArpRequestsSent);
        Assert.Equal(perKind + pendingSlots, arpFrames);

        // The unanswered hosts give up after their retries: their queues are dropped as no_arp_entry.
        for (int step = 0; step < (config.ArpRetries + 1) * 10; step++) h.Advance(config.ArpRetryInterval / 10);
        counters = h.Stack.GetCounters();
        Assert.Equal(pendingSlots * config.ArpQueueLength, counters.Dropped(StackDropReason.NoArpEntry));
        Assert.Equal(requestsBefore + pendingSlots * config.ArpRetries, counters.ArpRequestsSent);
        Assert.Equal(0, h.Stack.ArpPendingCount);
        Assert.True(h.Stack.TryGetArpEntry(StackHarness.PeerIp, out _));
        h.AssertAllFramesReturned();
        report.AssertFinishedWithin(TimeSpan.FromSeconds(60));
    }

    private static ReadOnlySpan<byte> GatewayMac => [0x02, 0x00, 0x00, 0x00, 0x00, 0x0a];
}
