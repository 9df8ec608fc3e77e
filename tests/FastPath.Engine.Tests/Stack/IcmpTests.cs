using System.Buffers.Binary;
using FastPath.Engine.Stack;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Icmp;
using FastPath.Wire.Ipv4;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Stack;

public class IcmpTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(56)]
    [InlineData(1472)]
    public void An_echo_request_gets_a_byte_correct_reply(int dataLength)
    {
        using var h = new StackHarness();
        h.Sent();
        byte[] data = StackFrames.Pattern(dataLength);
        byte[] request = StackFrames.EchoRequest(0x1234, 7, data);
        h.Inject(request);
        byte[] reply = h.SentSingle();

        Assert.True(EthernetFrame.TryParse(reply, out var eth));
        Assert.Equal(StackHarness.PeerMac, eth.Destination);
        Assert.Equal(StackHarness.StackMac, eth.Source);
        Assert.Equal(EtherType.Ipv4, eth.EtherType);
        Assert.True(Ipv4Packet.TryParse(eth.Payload, out var ip));
        Assert.True(ip.VerifyChecksum());
        Assert.Equal(StackHarness.StackIp, ip.Source);
        Assert.Equal(StackHarness.PeerIp, ip.Destination);
        Assert.Equal(64, ip.Ttl);
        Assert.Equal(IpProtocol.Icmp, ip.Protocol);
        Assert.Equal(20 + 8 + dataLength, ip.TotalLength);
        Assert.Equal(14 + ip.TotalLength, reply.Length);
        var icmp = new Icmpv4Packet(ip.Payload);
        Assert.True(icmp.VerifyChecksum());
        Assert.Equal(Icmpv4Type.EchoReply, icmp.Type);
        Assert.Equal(0, icmp.Code);
        Assert.Equal((0x1234, 7), (icmp.Identifier, icmp.SequenceNumber));
        Assert.Equal(data, icmp.Payload.ToArray());
        // The checksum an incremental update gives is the one a full recompute gives.
        ushort updated = icmp.Checksum;
        icmp.FillChecksum();
        Assert.Equal(icmp.Checksum, updated);

        var counters = h.Stack.GetCounters();
        Assert.Equal((1, 1, 1), (counters.EchoRequests, counters.EchoReplies, counters.IcmpReceived));
        Assert.Equal(0, counters.DropsTotal);
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Ethernet_padding_after_a_small_request_is_not_echoed()
    {
        using var h = new StackHarness();
        h.Sent();
        byte[] request = StackFrames.EchoRequest(1, 1, [0xAA, 0xBB]);
        Assert.Equal(60, request.Length);
        h.Inject(request);
        Assert.Equal(14 + 20 + 8 + 2, h.SentSingle().Length);
    }

    [Fact]
    public void The_reply_ttl_is_ours_whatever_the_request_carried()
    {
        using var h = new StackHarness();
        h.Sent();
        byte[] request = StackFrames.EchoRequest(1, 1, [1, 2, 3, 4]);
        request[14 + 8] = 3;
        h.Inject(StackFrames.FixIpChecksum(request));
        byte[] reply = h.SentSingle();
        Assert.True(Ipv4Packet.TryParse(reply.AsSpan(14), out var ip));
        Assert.Equal(64, ip.Ttl);
        Assert.True(ip.VerifyChecksum());
    }

    [Fact]
    public void An_echo_request_with_a_bad_icmp_checksum_is_dropped()
    {
        using var h = new StackHarness();
        h.Sent();
        byte[] request = StackFrames.EchoRequest(1, 1, [1, 2, 3, 4]);
        request[14 + 20 + 8] ^= 0xFF;
        h.Inject(request);
        Assert.Empty(h.Sent());
        Assert.Equal(1, h.Dropped(StackDropReason.BadChecksum));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Echo_to_the_broadcast_address_is_ignored_by_default_and_answered_from_our_address_when_enabled()
    {
        var broadcast = Ipv4Address.Parse("10.0.0.255");
        using (var h = new StackHarness())
        {
            h.Sent();
            h.Inject(StackFrames.EchoRequest(1, 1, [1], broadcast, MacAddress.Broadcast));
            Assert.Empty(h.Sent());
            Assert.Equal(1, h.Dropped(StackDropReason.IcmpUnhandled));
            h.AssertAllFramesReturned();
        }
        var config = new InterfaceConfig { Address = new Ipv4Cidr(StackHarness.StackIp, 24), ReplyToBroadcastEcho = true };
        using (var h = new StackHarness(config))
        {
            h.Sent();
            h.Inject(StackFrames.EchoRequest(1, 1, [1], broadcast, MacAddress.Broadcast));
            byte[] reply = h.SentSingle();
            Assert.True(Ipv4Packet.TryParse(reply.AsSpan(14), out var ip));
            Assert.Equal(StackHarness.StackIp, ip.Source);
            Assert.Equal(StackHarness.PeerIp, ip.Destination);
            Assert.True(ip.VerifyChecksum());
            Assert.True(new Icmpv4Packet(ip.Payload).VerifyChecksum());
            h.AssertAllFramesReturned();
        }
    }

    [Fact]
    public void A_timestamp_request_gets_a_timestamp_reply()
    {
        using var h = new StackHarness();
        h.Sent();
        var repr = Icmpv4Repr.TimestampRequest(9, 3, 12345);
        byte[] request = Frames.Ipv4(IpProtocol.Icmp, repr.MessageLength, null, null, null, null, (m, _, _) => repr.Emit(new Icmpv4Packet(m)));
        uint before = (uint)(DateTime.UtcNow.TimeOfDay.Ticks / TimeSpan.TicksPerMillisecond);
        h.Inject(request);
        uint after = (uint)(DateTime.UtcNow.TimeOfDay.Ticks / TimeSpan.TicksPerMillisecond);
        byte[] reply = h.SentSingle();
        Assert.True(Ipv4Packet.TryParse(reply.AsSpan(14), out var ip));
        Assert.True(ip.VerifyChecksum());
        var icmp = new Icmpv4Packet(ip.Payload);
        Assert.True(icmp.VerifyChecksum());
        Assert.Equal(Icmpv4Type.TimestampReply, icmp.Type);
        Assert.Equal((9, 3, 12345u), (icmp.Identifier, icmp.SequenceNumber, icmp.OriginateTimestamp));
        Assert.Equal(icmp.ReceiveTimestamp, icmp.TransmitTimestamp);
        // Midnight may pass between the readings: then "after" wrapped to a small value.
        Assert.True(before <= after ? icmp.ReceiveTimestamp >= before && icmp.ReceiveTimestamp <= after : icmp.ReceiveTimestamp >= before || icmp.ReceiveTimestamp <= after);
        Assert.Equal(1, h.Stack.GetCounters().TimestampReplies);
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Echo_replies_and_errors_we_did_not_ask_for_are_counted_and_dropped()
    {
        using var h = new StackHarness();
        h.Sent();
        h.Inject(Frames.IcmpEcho(1, 1, [1, 2], reply: true));
        Assert.Empty(h.Sent());
        Assert.Equal(1, h.Dropped(StackDropReason.IcmpUnhandled));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_udp_datagram_to_a_closed_port_gets_a_port_unreachable_quoting_it()
    {
        using var h = new StackHarness();
        h.Inject(StackFrames.ArpRequestForStack());
        h.Sent();
        byte[] datagram = Frames.Udp([1, 2, 3, 4, 5], sourcePort: 40000, destinationPort: 5555);
        h.Inject(datagram);
        byte[] reply = h.SentSingle();
        Assert.True(Ipv4Packet.TryParse(reply.AsSpan(14), out var ip));
        Assert.True(ip.VerifyChecksum());
        Assert.Equal((StackHarness.StackIp, StackHarness.PeerIp), (ip.Source, ip.Destination));
        var icmp = new Icmpv4Packet(ip.Payload);
        Assert.True(icmp.VerifyChecksum());
        Assert.Equal(Icmpv4Type.DestinationUnreachable, icmp.Type);
        Assert.Equal((byte)Icmpv4UnreachableCode.PortUnreachable, icmp.Code);
        // The whole offending datagram (it is short) is quoted: header and UDP message, no Ethernet padding.
        Assert.Equal(datagram.AsSpan(14, 20 + 8 + 5).ToArray(), icmp.Payload.ToArray());
        Assert.Equal(1, h.Stack.GetCounters().UnreachablesSent);
        Assert.Equal(1, h.Dropped(StackDropReason.NoSocket));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Port_unreachables_are_rate_limited_by_the_token_bucket()
    {
        var config = new InterfaceConfig { Address = new Ipv4Cidr(StackHarness.StackIp, 24), IcmpErrorBurst = 3, IcmpErrorsPerSecond = 10 };
        using var h = new StackHarness(config);
        h.Inject(StackFrames.ArpRequestForStack());
        h.Sent();
        for (int i = 0; i < 10; i++) h.Inject(Frames.Udp([1], destinationPort: 5555));
        Assert.Equal(3, h.Sent().Count);
        var counters = h.Stack.GetCounters();
        Assert.Equal((3, 7), (counters.UnreachablesSent, counters.IcmpErrorsRateLimited));
        Assert.Equal(10, counters.Dropped(StackDropReason.NoSocket));
        // 10 per second: 100 ms gives one more token.
        h.Advance(TimeSpan.FromMilliseconds(100));
        for (int i = 0; i < 3; i++) h.Inject(Frames.Udp([1], destinationPort: 5555));
        Assert.Single(h.Sent());
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void No_port_unreachable_for_a_broadcast_datagram()
    {
        using var h = new StackHarness();
        h.Inject(StackFrames.ArpRequestForStack());
        h.Sent();
        h.Inject(Frames.Udp([1], destinationPort: 5555, destination: Ipv4Address.Broadcast, destinationMac: MacAddress.Broadcast));
        Assert.Empty(h.Sent());
        Assert.Equal(1, h.Dropped(StackDropReason.NoSocket));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Incremental_update_matches_a_recompute_for_every_identifier()
    {
        // The in-place reply relies on RFC 1624; check it against a full sum over many request shapes.
        using var h = new StackHarness();
        h.Sent();
        var random = new Random(7);
        for (int i = 0; i < 300; i++)
        {
            byte[] data = new byte[random.Next(0, 100)];
            random.NextBytes(data);
            h.Inject(StackFrames.EchoRequest((ushort)random.Next(65536), (ushort)random.Next(65536), data));
            byte[] reply = h.SentSingle();
            Span<byte> message = reply.AsSpan(14 + 20);
            Assert.True(InternetChecksum.IsValid(message), $"reply {i} has a bad checksum");
            Assert.NotEqual(0, BinaryPrimitives.ReadUInt16BigEndian(message[2..]) | 1);
        }
    }
}
