using FastPath.Wire.Ethernet;

namespace FastPath.Wire.Tests.Ethernet;

public class EthernetFrameTests
{
    // dst 00:05:5d:67:d0:b1, src 00:05:5d:61:58:a8, IPv4, 4 payload bytes.
    private const string Untagged = "00055d67d0b1" + "00055d6158a8" + "0800" + "deadbeef";

    // 802.1Q: TPID 0x8100, TCI 0x6064 (PCP 3, DEI 0, VID 100), then ARP.
    private const string SingleTagged = "ffffffffffff" + "00055d6158a8" + "8100" + "6064" + "0806" + "cafe";

    // 802.1ad QinQ: S-tag 0x88a8/0x10c8 (PCP 0, DEI 1, VID 200), C-tag 0x8100/0x2064 (PCP 1, VID 100), then IPv4.
    private const string DoubleTagged = "01005e010101" + "00055d6158a8" + "88a8" + "10c8" + "8100" + "2064" + "0800" + "beef";

    private static readonly MacAddress Mac1 = MacAddress.Parse("00:05:5d:67:d0:b1");
    private static readonly MacAddress Mac2 = MacAddress.Parse("00:05:5d:61:58:a8");

    [Fact]
    public void TryParse_untagged_reads_every_field()
    {
        byte[] bytes = Convert.FromHexString(Untagged);

        Assert.True(EthernetFrame.TryParse(bytes, out var frame, out var error));

        Assert.Equal(WireError.None, error);
        Assert.Equal(Mac1, frame.Destination);
        Assert.Equal(Mac2, frame.Source);
        Assert.Equal(EtherType.Ipv4, frame.EtherType);
        Assert.False(frame.HasVlan);
        Assert.False(frame.HasServiceVlan);
        Assert.Null(frame.Vlan);
        Assert.Null(frame.ServiceVlan);
        Assert.Equal(14, frame.HeaderLength);
        Assert.Equal(Convert.FromHexString("deadbeef"), frame.Payload.ToArray());
    }

    [Fact]
    public void TryParse_8021q_exposes_the_tag_and_the_inner_ethertype()
    {
        byte[] bytes = Convert.FromHexString(SingleTagged);

        Assert.True(EthernetFrame.TryParse(bytes, out var frame));

        Assert.True(frame.HasVlan);
        Assert.False(frame.HasServiceVlan);
        Assert.Equal(18, frame.HeaderLength);
        Assert.Equal(EtherType.Arp, frame.EtherType);
        VlanTag tag = Assert.NotNull(frame.Vlan);
        Assert.Equal(100, tag.VlanId);
        Assert.Equal(3, tag.Priority);
        Assert.False(tag.DropEligible);
        Assert.Null(frame.ServiceVlan);
        Assert.True(frame.Destination.IsBroadcast);
        Assert.Equal(Convert.FromHexString("cafe"), frame.Payload.ToArray());
    }

    [Fact]
    public void TryParse_qinq_exposes_inner_tag_as_Vlan_and_outer_as_ServiceVlan()
    {
        byte[] bytes = Convert.FromHexString(DoubleTagged);

        Assert.True(EthernetFrame.TryParse(bytes, out var frame));

        Assert.True(frame.HasVlan);
        Assert.True(frame.HasServiceVlan);
        Assert.Equal(22, frame.HeaderLength);
        Assert.Equal(EtherType.Ipv4, frame.EtherType);
        Assert.Equal(new VlanTag(100, priority: 1), frame.Vlan);
        Assert.Equal(new VlanTag(200, dropEligible: true), frame.ServiceVlan);
        Assert.Equal(Convert.FromHexString("beef"), frame.Payload.ToArray());
    }

    [Fact]
    public void TryParse_refuses_an_s_tag_not_followed_by_a_c_tag()
    {
        byte[] bytes = Convert.FromHexString("ffffffffffff" + "00055d6158a8" + "88a8" + "00c8" + "0800" + "0000" + "beef");

        Assert.False(EthernetFrame.TryParse(bytes, out _, out var error));
        Assert.Equal(WireError.Unsupported, error);
    }

    [Fact]
    public void TryParse_two_8021q_tags_is_one_tag_with_a_vlan_ethertype()
    {
        // Pre-802.1ad stacking (0x8100 twice): the view peels one tag and reports what follows as the type,
        // so a caller that does not handle stacked C-tags drops it as an unknown EtherType.
        byte[] bytes = Convert.FromHexString("ffffffffffff" + "00055d6158a8" + "8100" + "00c8" + "8100" + "0064" + "0800");

        Assert.True(EthernetFrame.TryParse(bytes, out var frame));
        Assert.Equal(18, frame.HeaderLength);
        Assert.Equal(EtherType.Vlan, frame.EtherType);
        Assert.Equal((ushort)200, frame.Vlan!.Value.VlanId);
    }

    private static string Fixture(string name) => name switch
    {
        "untagged" => Untagged,
        "8021q" => SingleTagged,
        _ => DoubleTagged,
    };

    public static TheoryData<string, int> Truncations()
    {
        var data = new TheoryData<string, int>();
        foreach (var (name, headerLength) in new[] { ("untagged", 14), ("8021q", 18), ("qinq", 22) })
        {
            for (int length = 0; length < headerLength; length++) data.Add(name, length);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Truncations))]
    public void TryParse_every_truncated_header_is_Truncated(string fixture, int length)
    {
        byte[] bytes = Convert.FromHexString(Fixture(fixture))[..length];

        Assert.False(EthernetFrame.TryParse(bytes, out var frame, out var error));
        Assert.Equal(WireError.Truncated, error);
        Assert.True(frame.Buffer.IsEmpty);
    }

    [Theory]
    [InlineData(Untagged, 14)]
    [InlineData(SingleTagged, 18)]
    [InlineData(DoubleTagged, 22)]
    public void TryParse_accepts_a_bare_header_with_an_empty_payload(string hex, int headerLength)
    {
        byte[] bytes = Convert.FromHexString(hex)[..headerLength];

        Assert.True(EthernetFrame.TryParse(bytes, out var frame));
        Assert.Equal(headerLength, frame.HeaderLength);
        Assert.True(frame.Payload.IsEmpty);
    }

    [Fact]
    public void Payload_of_a_padded_frame_runs_to_the_end_of_the_buffer()
    {
        byte[] bytes = new byte[EthernetFrame.MinimumFrameLength];
        Convert.FromHexString(Untagged).CopyTo(bytes, 0);

        Assert.True(EthernetFrame.TryParse(bytes, out var frame));
        Assert.Equal(EthernetFrame.MinimumFrameLength - 14, frame.Payload.Length);
    }

    [Fact]
    public void MinimumFrameLength_is_64_minus_fcs()
    {
        Assert.Equal(60, EthernetFrame.MinimumFrameLength);
    }

    [Fact]
    public void Emit_untagged_into_a_zeroed_buffer_equals_the_fixture()
    {
        var repr = new EthernetRepr(Mac2, Mac1, EtherType.Ipv4, null);
        byte[] buffer = new byte[repr.HeaderLength];

        repr.Emit(new EthernetFrame(buffer));

        Assert.Equal(14, repr.HeaderLength);
        Assert.Equal(Convert.FromHexString(Untagged)[..14], buffer);
    }

    [Fact]
    public void Emit_8021q_into_a_zeroed_buffer_equals_the_fixture()
    {
        var repr = new EthernetRepr(Mac2, MacAddress.Broadcast, EtherType.Arp, new VlanTag(100, priority: 3));
        byte[] buffer = new byte[repr.HeaderLength];

        repr.Emit(new EthernetFrame(buffer));

        Assert.Equal(18, repr.HeaderLength);
        Assert.Equal(Convert.FromHexString(SingleTagged)[..18], buffer);
    }

    [Fact]
    public void Emit_qinq_into_a_zeroed_buffer_equals_the_fixture()
    {
        var repr = new EthernetRepr(Mac2, MacAddress.Parse("01:00:5e:01:01:01"), EtherType.Ipv4,
            new VlanTag(100, priority: 1), ServiceVlan: new VlanTag(200, dropEligible: true));
        byte[] buffer = new byte[repr.HeaderLength];

        repr.Emit(new EthernetFrame(buffer));

        Assert.Equal(22, repr.HeaderLength);
        Assert.Equal(Convert.FromHexString(DoubleTagged)[..22], buffer);
    }

    [Theory]
    [InlineData(Untagged)]
    [InlineData(SingleTagged)]
    [InlineData(DoubleTagged)]
    public void Parse_then_emit_round_trips_the_header(string hex)
    {
        byte[] bytes = Convert.FromHexString(hex);
        Assert.True(EthernetFrame.TryParse(bytes, out var frame));
        Assert.True(EthernetRepr.TryParse(frame, out var repr));

        // Start from a buffer full of TPIDs so a stale tag would show.
        byte[] buffer = Enumerable.Repeat((byte)0x81, repr.HeaderLength).ToArray();
        repr.Emit(new EthernetFrame(buffer));

        Assert.Equal(frame.HeaderLength, repr.HeaderLength);
        Assert.Equal(bytes[..repr.HeaderLength], buffer);
    }

    [Fact]
    public void Emit_untagged_over_a_tagged_buffer_removes_the_tag()
    {
        byte[] buffer = Convert.FromHexString(SingleTagged);
        var frame = new EthernetFrame(buffer);

        new EthernetRepr(Mac2, Mac1, EtherType.Ipv4, null).Emit(frame);

        Assert.False(frame.HasVlan);
        Assert.Equal(14, frame.HeaderLength);
        Assert.Equal(EtherType.Ipv4, frame.EtherType);
    }

    [Fact]
    public void SetTags_refuses_an_s_tag_without_a_c_tag()
    {
        byte[] buffer = new byte[22];

        Assert.Throws<ArgumentException>(() => new EthernetFrame(buffer).SetTags(new VlanTag(1), null));
    }

    [Fact]
    public void Setters_write_network_byte_order()
    {
        byte[] buffer = new byte[14];
        var frame = new EthernetFrame(buffer)
        {
            Destination = MacAddress.Parse("01:02:03:04:05:06"),
            Source = MacAddress.Parse("0a:0b:0c:0d:0e:0f"),
            EtherType = EtherType.Ipv6,
        };

        Assert.Equal(Convert.FromHexString("010203040506" + "0a0b0c0d0e0f" + "86dd"), buffer);
        Assert.Equal(EtherType.Ipv6, frame.EtherType);
    }

    [Fact]
    public void Random_buffers_never_throw_and_accepted_ones_read_within_bounds()
    {
        var random = new Random(802);
        byte[] tpids = Convert.FromHexString("810088a8");
        for (int i = 0; i < 20_000; i++)
        {
            byte[] bytes = new byte[random.Next(0, 40)];
            random.NextBytes(bytes);
            // Bias towards tag layouts so the tagged paths see as many lengths as the untagged one.
            if (bytes.Length >= 14 && random.Next(2) == 0) tpids.AsSpan(random.Next(2) * 2, 2).CopyTo(bytes.AsSpan(12));
            if (bytes.Length >= 18 && random.Next(2) == 0) tpids.AsSpan(0, 2).CopyTo(bytes.AsSpan(16));

            if (EthernetFrame.TryParse(bytes, out var frame, out var error))
            {
                Assert.Equal(WireError.None, error);
                Assert.Equal(bytes.Length - frame.HeaderLength, frame.Payload.Length);
                _ = (frame.Vlan, frame.ServiceVlan, frame.EtherType, frame.Source, frame.Destination);
                Assert.True(EthernetRepr.TryParse(frame, out var repr));
                Assert.Equal(frame.HeaderLength, repr.HeaderLength);
            }
            else
            {
                Assert.True(error is WireError.Truncated or WireError.Unsupported, error.ToString());
            }
        }
    }
}
