using FastPath.Engine.Stack;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Igmp;
using FastPath.Wire.Ipv4;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Stack;

public class IgmpTests
{
    private static readonly Ipv4Address Group = Ipv4Address.Parse("239.1.2.3");
    private static readonly Ipv4Address OtherGroup = Ipv4Address.Parse("239.9.9.9");
    private static readonly Ipv4Address AllSystems = Ipv4Address.Parse("224.0.0.1");

    /// <summary>What an IGMP frame from the stack says: destination, type, and its (record type, group) pairs or its group.</summary>
    private sealed record Sent(Ipv4Address Destination, IgmpMessageType Type, List<(IgmpGroupRecordType Type, Ipv4Address Group)> Records, Ipv4Address Group);

    private static Sent Parse(byte[] frame)
    {
        Assert.True(EthernetFrame.TryParse(frame, out var eth));
        Assert.True(Ipv4Packet.TryParse(eth.Payload, out var ip));
        Assert.True(ip.VerifyChecksum());
        Assert.Equal(IpProtocol.Igmp, ip.Protocol);
        Assert.Equal(1, ip.Ttl);
        Assert.Equal(MacAddress.FromIpv4Multicast(ip.Destination), eth.Destination);
        // RFC 2113 Router Alert, required on IGMP (RFC 2236 section 2, RFC 3376 section 4).
        Assert.Equal(new byte[] { 0x94, 0x04, 0, 0 }, ip.Options.ToArray());
        Assert.True(IgmpPacket.TryParse(ip.Payload, out var igmp));
        Assert.True(igmp.VerifyChecksum());
        var records = new List<(IgmpGroupRecordType, Ipv4Address)>();
        if (igmp.Type == IgmpMessageType.V3MembershipReport)
        {
            foreach (var record in igmp.GroupRecords) records.Add((record.RecordType, record.MulticastAddress));
            return new Sent(ip.Destination, igmp.Type, records, default);
        }
        return new Sent(ip.Destination, igmp.Type, records, igmp.GroupAddress);
    }

    private static byte[] Query(IgmpRepr repr, Ipv4Address? destination = null)
    {
        Ipv4Address to = destination ?? AllSystems;
        return Frames.Ipv4(IpProtocol.Igmp, repr.MessageLength, Ipv4Address.Parse("10.0.0.254"), to, null, MacAddress.FromIpv4Multicast(to),
            (message, _, _) => repr.Emit(new IgmpPacket(message)), ttl: 1);
    }

    private static byte[] V3GeneralQuery(double maxResponseSeconds = 10) =>
        Query(IgmpRepr.V3Query(TimeSpan.FromSeconds(maxResponseSeconds), default, false, 2, TimeSpan.FromSeconds(125)));

    private static StackHarness Resolved()
    {
        var h = new StackHarness();
        h.Inject(StackFrames.ArpRequestForStack());
        h.Sent();
        return h;
    }

    [Fact]
    public void Join_sends_a_v3_change_to_exclude_report_and_repeats_it_once_within_a_second()
    {
        using var h = Resolved();
        h.Stack.Igmp.Join(Group);
        h.Run();
        Sent report = Parse(h.SentSingle());
        Assert.Equal(Ipv4Address.Parse("224.0.0.22"), report.Destination);
        Assert.Equal(IgmpMessageType.V3MembershipReport, report.Type);
        Assert.Equal([(IgmpGroupRecordType.ChangeToExcludeMode, Group)], report.Records);
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([(IgmpGroupRecordType.ChangeToExcludeMode, Group)], Parse(h.SentSingle()).Records);
        h.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(h.Sent());
        Assert.Equal(2, h.Stack.GetCounters().IgmpReportsSent);
        Assert.True(h.Stack.Igmp.IsMember(Group));
    }

    [Fact]
    public void A_group_joined_before_start_is_reported_at_start()
    {
        using var h = new StackHarness(start: false);
        h.Stack.Igmp.Join(Group);
        h.Start();
        List<byte[]> sent = h.Sent();
        Assert.Equal(2, sent.Count); // gratuitous ARP, then the report
        Assert.Equal([(IgmpGroupRecordType.ChangeToExcludeMode, Group)], Parse(sent[1]).Records);
    }

    [Fact]
    public void Stop_leaves_every_group()
    {
        using var h = Resolved();
        h.Stack.Igmp.Join(Group);
        h.Stack.Igmp.Join(OtherGroup);
        h.Advance(TimeSpan.FromSeconds(2));
        h.Sent();
        h.Stack.Stop();
        h.Context.Tx.Drain(h.Port);
        var leaves = h.Sent().Select(Parse).ToList();
        Assert.Equal(2, leaves.Count);
        Assert.All(leaves, leave => Assert.Equal(IgmpGroupRecordType.ChangeToIncludeMode, Assert.Single(leave.Records).Type));
        Assert.Equal([Group, OtherGroup], leaves.Select(l => l.Records[0].Group).Order());
        Assert.Equal(2, h.Stack.GetCounters().IgmpLeavesSent);
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Joins_are_counted_and_the_last_leave_sends_the_leave_twice()
    {
        using var h = Resolved();
        h.Stack.Igmp.Join(Group);
        h.Stack.Igmp.Join(Group);
        h.Advance(TimeSpan.FromSeconds(2));
        h.Sent();
        h.Stack.Igmp.Leave(Group);
        h.Run();
        Assert.Empty(h.Sent());
        Assert.True(h.Stack.Igmp.IsMember(Group));
        h.Stack.Igmp.Leave(Group);
        h.Run();
        Assert.Equal(IgmpGroupRecordType.ChangeToIncludeMode, Parse(h.SentSingle()).Records[0].Type);
        Assert.False(h.Stack.Igmp.IsMember(Group));
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(IgmpGroupRecordType.ChangeToIncludeMode, Parse(h.SentSingle()).Records[0].Type);
        h.Advance(TimeSpan.FromSeconds(5));
        Assert.Empty(h.Sent());
    }

    [Fact]
    public void A_v3_general_query_is_answered_with_the_current_state_of_every_group_within_the_max_response_time()
    {
        using var h = Resolved();
        h.Stack.Igmp.Join(Group);
        h.Stack.Igmp.Join(OtherGroup);
        h.Advance(TimeSpan.FromSeconds(2));
        h.Sent();
        h.Inject(V3GeneralQuery(maxResponseSeconds: 5));
        h.Advance(TimeSpan.FromSeconds(5));
        Sent report = Parse(h.SentSingle());
        Assert.Equal(2, report.Records.Count);
        Assert.All(report.Records, r => Assert.Equal(IgmpGroupRecordType.ModeIsExclude, r.Type));
        Assert.Equal([Group, OtherGroup], report.Records.Select(r => r.Group).Order());
        Assert.Equal(1, h.Stack.GetCounters().IgmpReceived);
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_group_specific_query_for_a_group_we_are_not_in_gets_no_answer()
    {
        using var h = Resolved();
        h.Stack.Igmp.Join(Group);
        h.Advance(TimeSpan.FromSeconds(2));
        h.Sent();
        h.Inject(Query(IgmpRepr.V3Query(TimeSpan.FromSeconds(1), OtherGroup, false, 2, TimeSpan.FromSeconds(125)), OtherGroup));
        Assert.Equal(1, h.Dropped(StackDropReason.NotForUs)); // sent to a group we have not joined
        h.Inject(Query(IgmpRepr.V3Query(TimeSpan.FromSeconds(1), OtherGroup, false, 2, TimeSpan.FromSeconds(125))));
        h.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(h.Sent());
        h.Inject(Query(IgmpRepr.V3Query(TimeSpan.FromSeconds(1), Group, false, 2, TimeSpan.FromSeconds(125)), Group));
        h.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([(IgmpGroupRecordType.ModeIsExclude, Group)], Parse(h.SentSingle()).Records);
    }

    [Fact]
    public void A_v2_querier_turns_reports_and_leaves_into_v2_messages()
    {
        using var h = Resolved();
        h.Stack.Igmp.Join(Group);
        h.Advance(TimeSpan.FromSeconds(2));
        h.Sent();
        h.Inject(Query(IgmpRepr.V2Query(TimeSpan.FromSeconds(2), default)));
        Assert.Equal(IgmpVersion.V2, h.Stack.Igmp.Version);
        h.Advance(TimeSpan.FromSeconds(2));
        Sent report = Parse(h.SentSingle());
        Assert.Equal((IgmpMessageType.V2MembershipReport, Group, Group), (report.Type, report.Destination, report.Group));
        h.Stack.Igmp.Leave(Group);
        h.Run();
        Sent leave = Parse(h.SentSingle());
        Assert.Equal((IgmpMessageType.LeaveGroup, Ipv4Address.Parse("224.0.0.2"), Group), (leave.Type, leave.Destination, leave.Group));
        h.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(h.Sent()); // a v2 leave is sent once
        // The older querier is forgotten after robustness * 125 s + max response time.
        h.Advance(TimeSpan.FromSeconds(253));
        Assert.Equal(IgmpVersion.V3, h.Stack.Igmp.Version);
    }

    [Fact]
    public void In_v2_another_members_report_suppresses_ours()
    {
        using var h = Resolved();
        h.Stack.Igmp.Join(Group);
        h.Advance(TimeSpan.FromSeconds(2));
        h.Sent();
        h.Inject(Query(IgmpRepr.V2Query(TimeSpan.FromSeconds(10), default)));
        h.Inject(Frames.IgmpV2Report(Group) is var report ? WithSource(report, Ipv4Address.Parse("10.0.0.7")) : null!);
        h.Advance(TimeSpan.FromSeconds(10));
        Assert.Empty(h.Sent());
    }

    private static byte[] WithSource(byte[] frame, Ipv4Address source)
    {
        source.CopyTo(frame.AsSpan(14 + 12));
        return StackFrames.FixIpChecksum(frame);
    }

    [Fact]
    public void A_query_with_a_bad_checksum_is_dropped()
    {
        using var h = Resolved();
        h.Stack.Igmp.Join(Group);
        h.Advance(TimeSpan.FromSeconds(2));
        h.Sent();
        byte[] query = V3GeneralQuery(1);
        query[14 + 20 + 2] ^= 0xFF;
        h.Inject(query);
        h.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(h.Sent());
        Assert.Equal(1, h.Dropped(StackDropReason.BadChecksum));
    }

    [Fact]
    public void Datagrams_to_a_joined_group_reach_sockets_on_the_port()
    {
        using var h = Resolved();
        var any = new List<Ipv4Address>();
        var restricted = new List<byte>();
        h.Stack.Udp.Bind(5000, (_, d) => any.Add(d.To));
        UdpSocket groupSocket = h.Stack.Udp.Bind(5001, (_, d) => restricted.Add(d.Payload[0]), group: OtherGroup);
        Assert.True(h.Stack.Igmp.IsMember(OtherGroup));
        h.Stack.Igmp.Join(Group);
        h.Run();
        h.Inject(Frames.Udp([1], destinationPort: 5000, destination: Group, destinationMac: MacAddress.FromIpv4Multicast(Group)));
        h.Inject(Frames.Udp([2], destinationPort: 5001, destination: OtherGroup, destinationMac: MacAddress.FromIpv4Multicast(OtherGroup)));
        h.Inject(Frames.Udp([3], destinationPort: 5001, destination: Group, destinationMac: MacAddress.FromIpv4Multicast(Group)));
        Assert.Equal([Group], any);
        Assert.Equal([(byte)2], restricted);
        Assert.Equal(1, h.Dropped(StackDropReason.NoSocket));
        groupSocket.Dispose();
        Assert.False(h.Stack.Igmp.IsMember(OtherGroup));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Membership_changes_are_reported_to_the_embedder()
    {
        using var h = Resolved();
        var changes = new List<(Ipv4Address, bool)>();
        h.Stack.Igmp.MembershipChanged = (group, joined) => changes.Add((group, joined));
        h.Stack.Igmp.Join(Group);
        h.Stack.Igmp.Join(Group);
        h.Stack.Igmp.Leave(Group);
        h.Stack.Igmp.Leave(Group);
        Assert.Equal([(Group, true), (Group, false)], changes);
    }
}
