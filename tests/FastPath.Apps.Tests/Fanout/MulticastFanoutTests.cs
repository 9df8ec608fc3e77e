using FastPath.Apps.Fanout;
using FastPath.Engine.Ports;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Apps.Tests.Fanout;

/// <summary>The fan-out in memory: headers and checksums of every copy, order per destination, and every drop counted by reason.</summary>
public sealed class MulticastFanoutTests
{
    private static readonly FanoutEndpoint Group = FanoutEndpoint.Parse("239.1.2.3:5000");
    private static readonly MacAddress HostA = MacAddress.Parse("02:00:00:00:0a:01");
    private static readonly MacAddress HostB = MacAddress.Parse("02:00:00:00:0a:02");

    [Fact]
    public void Every_copy_has_the_destinations_headers_valid_checksums_and_the_payload_unchanged()
    {
        FanoutDestination[] destinations =
        [
            new(FanoutEndpoint.Parse("10.9.0.21:6000"), HostA),
            new(FanoutEndpoint.Parse("10.9.0.22:6001"), HostB),
            new(FanoutEndpoint.Parse("239.9.9.9:7000")),
        ];
        using var harness = new FanoutHarness(Settings(destinations));
        const int Datagrams = 200;
        for (int i = 0; i < Datagrams; i += 20) harness.Deliver([.. Enumerable.Range(i, 20).Select(seq => FanoutHarness.GroupDatagram(Group, seq))]);
        List<FanoutHarness.Copy> copies = FanoutHarness.Copies(harness.Collect());

        Assert.Equal(Datagrams * destinations.Length, copies.Count);
        foreach (FanoutDestination destination in destinations)
        {
            List<FanoutHarness.Copy> mine = [.. copies.Where(copy => copy.To == destination.Endpoint)];
            Assert.Equal(Enumerable.Range(0, Datagrams), mine.Select(copy => copy.Sequence)); // all, in order
            foreach (FanoutHarness.Copy copy in mine)
            {
                Assert.Equal(FanoutHarness.Payload(copy.Sequence), copy.Payload);
                Assert.Equal(destination.StaticMac ?? MacAddress.FromIpv4Multicast(destination.Endpoint.Address), copy.DestinationMac);
                Assert.Equal(FanoutHarness.FanoutMac, copy.SourceMac);
                Assert.Equal(FanoutHarness.FanoutIp, copy.Source);
                Assert.Equal(Group.Port, copy.SourcePort);
                Assert.Equal(destination.IsGroup ? 1 : 64, copy.Ttl);
                Assert.True(copy.DontFragment);
            }
            // One identification per copy to a destination (RFC 6864 section 4.1 asks uniqueness per source, destination and protocol).
            Assert.Equal(mine.Count, mine.Select(copy => copy.Identification).Distinct().Count());
        }

        FanoutReport report = harness.Fanout.GetReport();
        Assert.Equal(Datagrams, report.Received);
        Assert.Equal(Datagrams * destinations.Length, report.Sent);
        Assert.Equal(0, report.Dropped);
        Assert.Equal(Datagrams, report.Latency.Count);
        Assert.Equal(0, harness.Fanout.Stack.GetCounters().DropsTotal);
    }

    [Fact]
    public void A_copy_whose_checksum_sums_to_zero_carries_all_ones()
    {
        // Search a payload whose UDP checksum to the destination computes to 0: RFC 768 sends it as 0xFFFF.
        var destination = new FanoutDestination(FanoutEndpoint.Parse("10.9.0.21:6000"), HostA);
        using var harness = new FanoutHarness(Settings([destination]));
        bool found = false;
        for (int word = 0; word < 65536 && !found; word++)
        {
            byte[] payload = [(byte)(word >> 8), (byte)word];
            harness.Deliver(FanoutHarness.Datagram(FanoutHarness.SenderIp, Group, payload, MacAddress.FromIpv4Multicast(Group.Address)));
            FanoutHarness.Copy copy = Assert.Single(FanoutHarness.Copies(harness.Collect()));
            Assert.Equal(payload, copy.Payload); // ParseCopy verified the checksum, and that it is not 0
            found = copy.UdpChecksum == 0xFFFF; // only a computed zero goes out as 0xFFFF
        }
        Assert.True(found, "no 2-byte payload made the checksum zero");
    }

    [Fact]
    public void Groups_sharing_a_port_go_to_their_own_destinations()
    {
        var second = FanoutEndpoint.Parse("239.1.2.4:5000");
        var toA = new FanoutDestination(FanoutEndpoint.Parse("10.9.0.21:6000"), HostA);
        var toB = new FanoutDestination(FanoutEndpoint.Parse("10.9.0.22:6000"), HostB);
        var settings = new FanoutSettings { Groups = [new FanoutGroup(Group, [toA]), new FanoutGroup(second, [toB])] };
        using var harness = new FanoutHarness(settings);
        Assert.Contains(Group.Address, harness.Fanout.Stack.Igmp.Groups);
        Assert.Contains(second.Address, harness.Fanout.Stack.Igmp.Groups);
        harness.Deliver([.. Enumerable.Range(0, 10).Select(seq => FanoutHarness.GroupDatagram(seq % 2 == 0 ? Group : second, seq))]);
        // Unicast to the fan-out's own address on the shared port belongs to no group.
        harness.Deliver(FanoutHarness.Datagram(FanoutHarness.SenderIp, new FanoutEndpoint(FanoutHarness.FanoutIp, 5000), [1, 2, 3], FanoutHarness.FanoutMac));
        List<FanoutHarness.Copy> copies = FanoutHarness.Copies(harness.Collect());

        Assert.Equal([0, 2, 4, 6, 8], copies.Where(copy => copy.To == toA.Endpoint).Select(copy => copy.Sequence));
        Assert.Equal([1, 3, 5, 7, 9], copies.Where(copy => copy.To == toB.Endpoint).Select(copy => copy.Sequence));
        Assert.Equal(10, copies.Count);
        Assert.Equal(1, harness.Fanout.Ignored);
        FanoutReport report = harness.Fanout.GetReport();
        Assert.Equal([5L, 5L], report.Groups.Select(group => group.Received));
    }

    [Fact]
    public void Copies_wait_for_arp_in_order_and_the_ones_that_cannot_are_counted()
    {
        var host = new FanoutDestination(FanoutEndpoint.Parse("10.9.0.30:6000"));
        var known = new FanoutDestination(FanoutEndpoint.Parse("10.9.0.21:6000"), HostA);
        using var harness = new FanoutHarness(Settings([host, known]));

        harness.Deliver([.. Enumerable.Range(0, 5).Select(seq => FanoutHarness.GroupDatagram(Group, seq))]);
        List<byte[]> beforeReply = harness.Collect();
        // The first datagram went to the stack, which asked who has 10.9.0.30; the next four had nowhere to go.
        Assert.Contains(beforeReply, frame => frame[12] == 0x08 && frame[13] == 0x06 && frame[21] == 1
            && new Ipv4Address(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(38))) == host.Endpoint.Address);
        Assert.DoesNotContain(FanoutHarness.Copies(beforeReply), copy => copy.To == host.Endpoint);

        harness.Deliver(FanoutHarness.ArpReply(host.Endpoint.Address, HostB));
        harness.Deliver([.. Enumerable.Range(5, 5).Select(seq => FanoutHarness.GroupDatagram(Group, seq))]);
        List<FanoutHarness.Copy> copies = FanoutHarness.Copies(harness.Collect());

        List<FanoutHarness.Copy> toHost = [.. copies.Where(copy => copy.To == host.Endpoint)];
        Assert.Equal([0, 5, 6, 7, 8, 9], toHost.Select(copy => copy.Sequence)); // the parked one first
        Assert.All(toHost, copy => Assert.Equal(HostB, copy.DestinationMac));
        Assert.All(toHost, copy => Assert.Equal(FanoutHarness.Payload(copy.Sequence), copy.Payload));

        FanoutReport report = harness.Fanout.GetReport();
        FanoutReport.DestinationReport hostReport = report.Groups[0].Destinations[0];
        Assert.Equal(6, hostReport.Sent);
        Assert.Equal(4, hostReport.Drops[FanoutDropReason.NoArpEntry]);
        Assert.Equal(4, hostReport.Drops.Total);
        Assert.Equal(10, report.Groups[0].Destinations[1].Sent);
    }

    [Fact]
    public void A_full_transmit_path_drops_copies_counts_them_and_never_reorders_the_rest()
    {
        FanoutDestination[] destinations =
        [
            new(FanoutEndpoint.Parse("10.9.0.21:6000"), HostA),
            new(FanoutEndpoint.Parse("10.9.0.22:6000"), HostB),
            new(FanoutEndpoint.Parse("239.9.9.9:7000")),
        ];
        // A wire ring of 16 and a transmit buffer of 8 that nobody drains during the burst: 24 copies fit.
        using var harness = new FanoutHarness(Settings(destinations),
            new MemoryPortOptions { MacA = FanoutHarness.FanoutMac, MacB = FanoutHarness.SenderMac, RingSize = 16 }, txCapacity: 8);
        harness.Collect(); // the gratuitous ARP
        const int Datagrams = 40;
        harness.Deliver([.. Enumerable.Range(0, Datagrams).Select(seq => FanoutHarness.GroupDatagram(Group, seq))]);
        List<FanoutHarness.Copy> copies = FanoutHarness.Copies(harness.Collect());

        FanoutReport report = harness.Fanout.GetReport();
        Assert.Equal(copies.Count, report.Sent);
        Assert.True(report.Dropped > 0, "nothing was dropped: the test did not fill the transmit path");
        foreach (FanoutReport.DestinationReport destination in report.Groups[0].Destinations)
        {
            Assert.Equal(Datagrams, destination.Sent + destination.Drops.Total);
            Assert.Equal(destination.Drops.Total, destination.Drops[FanoutDropReason.TxFull]);
            int[] sequences = [.. copies.Where(copy => copy.To == destination.Destination.Endpoint).Select(copy => copy.Sequence)];
            Assert.Equal(destination.Sent, sequences.Length);
            Assert.Equal(sequences.Order(), sequences); // gaps, never reordering
        }
    }

    [Fact]
    public void An_empty_pool_drops_copies_and_counts_them()
    {
        FanoutDestination[] destinations = [.. Enumerable.Range(0, 8).Select(i => new FanoutDestination(new FanoutEndpoint(new Ipv4Address(10, 9, 0, (byte)(40 + i)), 6000), HostA))];
        using var harness = new FanoutHarness(Settings(destinations),
            new MemoryPortOptions { MacA = FanoutHarness.FanoutMac, MacB = FanoutHarness.SenderMac, FrameCount = 64 }, txCapacity: 4096);
        int delivered = 0;
        // Nobody reads the far end: copies hold the pool's frames (in the buffer and on the wire) until it runs dry.
        while (delivered < 64 && harness.Fanout.GetReport().Dropped == 0) harness.Deliver(FanoutHarness.GroupDatagram(Group, delivered++));
        harness.Deliver(FanoutHarness.GroupDatagram(Group, delivered++)); // with one frame left, which the datagram itself takes
        FanoutReport report = harness.Fanout.GetReport();
        Assert.Equal(delivered, report.Received);
        foreach (FanoutReport.DestinationReport destination in report.Groups[0].Destinations)
        {
            Assert.Equal(delivered, destination.Sent + destination.Drops.Total);
            Assert.Equal(destination.Drops.Total, destination.Drops[FanoutDropReason.PoolEmpty]);
        }
        Assert.True(report.Dropped > 0);
        Assert.Equal(report.Sent, FanoutHarness.Copies(harness.Collect()).Count); // every copy counted as sent reaches the wire
        Assert.All(report.Groups[0].Destinations, destination => Assert.True(destination.Drops[FanoutDropReason.PoolEmpty] >= 1));
    }

    private static FanoutSettings Settings(IReadOnlyList<FanoutDestination> destinations) =>
        new() { Groups = [new FanoutGroup(Group, destinations)] };
}
