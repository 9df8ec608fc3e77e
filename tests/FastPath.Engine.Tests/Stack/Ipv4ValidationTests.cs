using System.Buffers.Binary;
using FastPath.Engine.Stack;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Stack;

public class Ipv4ValidationTests
{
    private static byte[] Echo() => StackFrames.EchoRequest(1, 1, StackFrames.Pattern(32));

    private static void AssertDropped(byte[] frame, StackDropReason reason)
    {
        using var h = new StackHarness();
        h.Sent();
        h.Inject(frame);
        Assert.Empty(h.Sent());
        var counters = h.Stack.GetCounters();
        Assert.Equal(1, counters.Dropped(reason));
        Assert.Equal(1, counters.DropsTotal);
        Assert.Equal(0, counters.EchoReplies);
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_bad_header_checksum_is_dropped()
    {
        byte[] frame = Echo();
        frame[14 + 10] ^= 0x01;
        AssertDropped(frame, StackDropReason.BadChecksum);
    }

    [Fact]
    public void A_version_other_than_4_is_a_bad_header()
    {
        byte[] frame = Echo();
        frame[14] = 0x65;
        AssertDropped(StackFrames.FixIpChecksum(frame), StackDropReason.BadHeader);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    public void An_ihl_below_5_is_a_bad_header(int ihl)
    {
        byte[] frame = Echo();
        frame[14] = (byte)(0x40 | ihl);
        AssertDropped(frame, StackDropReason.BadHeader);
    }

    [Fact]
    public void An_ihl_past_the_total_length_is_a_bad_length()
    {
        byte[] frame = Echo();
        frame[14] = 0x4F; // 60-byte header in a 60-byte datagram: the header eats the ICMP message, total length < IHL
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 2), 40);
        AssertDropped(frame, StackDropReason.BadLength);
    }

    [Fact]
    public void A_total_length_below_the_header_is_a_bad_length()
    {
        byte[] frame = Echo();
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 2), 19);
        AssertDropped(StackFrames.FixIpChecksum(frame), StackDropReason.BadLength);
    }

    [Fact]
    public void A_total_length_past_the_frame_is_truncated()
    {
        byte[] frame = Echo();
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(14 + 2), (ushort)(frame.Length - 14 + 1));
        AssertDropped(StackFrames.FixIpChecksum(frame), StackDropReason.Truncated);
    }

    [Fact]
    public void A_frame_cut_inside_the_ip_header_is_truncated() => AssertDropped(Echo()[..(14 + 19)], StackDropReason.Truncated);

    [Fact]
    public void A_frame_shorter_than_an_ethernet_header_is_truncated() => AssertDropped(Echo()[..13], StackDropReason.Truncated);

    [Fact]
    public void Ttl_zero_is_dropped()
    {
        byte[] frame = Echo();
        frame[14 + 8] = 0;
        AssertDropped(StackFrames.FixIpChecksum(frame), StackDropReason.TtlExpired);
    }

    [Fact]
    public void A_datagram_for_another_address_is_not_for_us() =>
        AssertDropped(StackFrames.EchoRequest(1, 1, [1], Ipv4Address.Parse("10.0.0.77")), StackDropReason.NotForUs);

    [Fact]
    public void A_frame_for_another_mac_is_not_for_us() =>
        AssertDropped(StackFrames.EchoRequest(1, 1, [1], destinationMac: MacAddress.Parse("02:00:00:00:00:99")), StackDropReason.NotForUs);

    [Fact]
    public void A_group_we_did_not_join_is_not_for_us() =>
        AssertDropped(Frames.Udp([1], destination: Ipv4Address.Parse("239.1.2.3"), destinationMac: MacAddress.FromIpv4Multicast(Ipv4Address.Parse("239.1.2.3"))),
            StackDropReason.NotForUs);

    [Fact]
    public void A_broadcast_source_is_a_bad_address() =>
        AssertDropped(Frames.Udp([1], source: Ipv4Address.Broadcast), StackDropReason.BadAddress);

    [Fact]
    public void A_multicast_source_is_a_bad_address() =>
        AssertDropped(Frames.Udp([1], source: Ipv4Address.Parse("224.0.0.5")), StackDropReason.BadAddress);

    [Fact]
    public void Ipv6_is_an_unsupported_ethertype()
    {
        byte[] frame = Echo();
        frame[12] = 0x86;
        frame[13] = 0xDD;
        AssertDropped(frame, StackDropReason.UnsupportedEtherType);
    }

    [Fact]
    public void A_vlan_tagged_frame_is_an_unsupported_ethertype() =>
        AssertDropped(Frames.Udp([1], vlan: new VlanTag(10)), StackDropReason.UnsupportedEtherType);

    [Fact]
    public void Gre_is_an_unsupported_protocol() =>
        AssertDropped(Frames.Ipv4((IpProtocol)47, 8, null, null, null, null, (segment, _, _) => segment.Clear()), StackDropReason.UnsupportedProtocol);

    [Fact]
    public void An_icmp_message_shorter_than_its_header_is_truncated()
    {
        byte[] frame = Frames.Ipv4(FastPath.Wire.Ipv4.IpProtocol.Icmp, 4, null, null, null, null, (m, _, _) => m.Fill(8));
        AssertDropped(frame, StackDropReason.Truncated);
    }

    [Fact]
    public void Random_garbage_never_throws_and_every_frame_is_accounted_for()
    {
        using var h = new StackHarness();
        h.Sent();
        var random = new Random(1234);
        byte[][] seeds = [Echo(), Frames.Udp(StackFrames.Pattern(40), destinationPort: 7), StackFrames.ArpRequestForStack(), Frames.IgmpV2Report(Ipv4Address.Parse("239.0.0.1"))];
        const int frames = 20_000;
        for (int i = 0; i < frames; i++)
        {
            byte[] frame = (byte[])seeds[i % seeds.Length].Clone();
            // Flip a few bytes after the Ethernet addresses (those would only make the frame not ours), or cut it.
            int flips = random.Next(1, 4);
            for (int f = 0; f < flips; f++) frame[random.Next(12, frame.Length)] = (byte)random.Next(256);
            if (random.Next(4) == 0) frame = frame[..random.Next(0, frame.Length)];
            if (frame.Length == 0) continue;
            h.Inject(frame);
            h.Sent();
        }
        var counters = h.Stack.GetCounters();
        Assert.True(counters.DropsTotal > frames / 2, $"only {counters.DropsTotal} drops");
        h.AssertAllFramesReturned();
    }
}
