using FastPath.Wire.Checksums;
using FastPath.Wire.Igmp;
using FastPath.Wire.Ipv4;
using static FastPath.Wire.Tests.Igmp.IgmpFixtures;

namespace FastPath.Wire.Tests.Igmp;

public class IgmpTests
{
    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(IgmpFixtures))]
    public void Fixture_parses_to_its_representation(string name)
    {
        var (hex, expected) = All[name];
        byte[] bytes = Convert.FromHexString(hex);
        Assert.True(InternetChecksum.IsValid(bytes));

        Assert.True(IgmpPacket.TryParse(bytes, out var packet, out var error));
        Assert.Equal(WireError.None, error);
        Assert.True(packet.VerifyChecksum());
        Assert.Equal(expected.Version, packet.Version);
        Assert.True(IgmpRepr.TryParse(packet, out var repr, out error));
        Assert.Equal(WireError.None, error);
        Assert.Equal(expected, repr);
        Assert.Equal(bytes.Length, repr.MessageLength);
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(IgmpFixtures))]
    public void Emit_into_a_zeroed_buffer_equals_the_fixture(string name)
    {
        var (hex, repr) = All[name];
        byte[] expected = Convert.FromHexString(hex);
        byte[] buffer = new byte[repr.MessageLength];
        expected.AsSpan(repr.HeaderLength).CopyTo(buffer.AsSpan(repr.HeaderLength)); // sources or records first

        repr.Emit(new IgmpPacket(buffer));

        Assert.Equal(hex, Convert.ToHexString(buffer), ignoreCase: true);
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(IgmpFixtures))]
    public void Every_truncation_is_refused_or_an_older_version(string name)
    {
        byte[] full = Convert.FromHexString(All[name].Hex);
        for (int length = 0; length < full.Length; length++)
        {
            byte[] cut = full[..length];
            bool parsed = IgmpPacket.TryParse(cut, out var packet, out var error);
            bool reprParsed = IgmpRepr.TryParse(new IgmpPacket(cut), out var repr, out var reprError);
            Assert.Equal(parsed, reprParsed);
            Assert.Equal(error, reprError);
            if (length < 8 || (full[0] == 0x11 && length < 12 && length > 8))
            {
                // RFC 3376 section 7.1: a query of 9 to 11 bytes is no version and is ignored.
                Assert.False(parsed);
                Assert.Equal(WireError.Truncated, error);
            }
            else if (full[0] == 0x11)
            {
                // Cut to 8 bytes, a v3 query is a v2 query by section 7.1; cut within the sources, the
                // source count runs past the message.
                if (length == 8)
                {
                    Assert.True(parsed);
                    Assert.Equal(IgmpVersion.V2, packet.Version);
                    Assert.Equal(IgmpVersion.V2, repr.Version);
                    Assert.False(packet.VerifyChecksum());
                }
                else
                {
                    Assert.False(parsed);
                    Assert.Equal(WireError.BadField, error);
                }
            }
            else
            {
                Assert.False(parsed);
                Assert.Equal(WireError.BadField, error); // a v3 report's records run past the message
            }
        }
    }

    [Theory]
    [InlineData("1100eeff00000000", IgmpVersion.V1)]
    [InlineData("1164ee9b00000000", IgmpVersion.V2)]
    [InlineData("1164ec1e00000000027d0000", IgmpVersion.V3)]
    [InlineData("1164ec1e00000000027d0000deadbeef", IgmpVersion.V3)]
    [InlineData("12000d04e00000fb", IgmpVersion.V1)]
    [InlineData("1600fa04effffffa", IgmpVersion.V2)]
    [InlineData("1700f904effffffa", IgmpVersion.V2)]
    [InlineData("2200ddff00000000", IgmpVersion.V3)]
    [InlineData("1300eeff00000000", IgmpVersion.Unknown)]
    public void Version_detection_follows_rfc3376_section_7_1(string hex, IgmpVersion version)
    {
        Assert.True(IgmpPacket.TryParse(Convert.FromHexString(hex), out var packet));
        Assert.Equal(version, packet.Version);
    }

    [Fact]
    public void Query_of_ten_bytes_is_refused()
    {
        Assert.False(IgmpPacket.TryParse(Convert.FromHexString("1164ee9b000000000000"), out _, out var error));
        Assert.Equal(WireError.Truncated, error);
    }

    [Fact]
    public void V3_query_fields_and_sources()
    {
        byte[] bytes = Convert.FromHexString(V3GroupAndSourceQuery);
        Assert.True(IgmpPacket.TryParse(bytes, out var packet));

        Assert.Equal(IgmpMessageType.MembershipQuery, packet.Type);
        Assert.Equal(12, packet.HeaderLength);
        Assert.Equal(0x8c, packet.MaxResponseCode);
        Assert.Equal(SsmGroup, packet.GroupAddress);
        Assert.True(packet.SuppressRouterProcessing);
        Assert.Equal(2, packet.QueryRobustnessVariable);
        Assert.Equal(0x90, packet.QueryIntervalCode);
        Assert.Equal(2, packet.NumberOfSources);
        Assert.Equal(new Ipv4Address(10, 0, 0, 2), packet.GetSource(1));

        var sources = new List<Ipv4Address>();
        foreach (var source in packet.Sources) sources.Add(source);
        Assert.Equal([new Ipv4Address(10, 0, 0, 1), new Ipv4Address(10, 0, 0, 2)], sources);
        Assert.Equal(2, packet.Sources.Count);
    }

    [Fact]
    public void V3_query_emitted_with_sources_set_on_the_view()
    {
        var repr = All["V3GroupAndSourceQuery"].Repr;
        byte[] buffer = new byte[repr.MessageLength];
        var packet = new IgmpPacket(buffer);
        packet.SetSource(0, new Ipv4Address(10, 0, 0, 1));
        packet.SetSource(1, new Ipv4Address(10, 0, 0, 2));

        repr.Emit(packet);

        Assert.Equal(V3GroupAndSourceQuery, Convert.ToHexString(buffer), ignoreCase: true);
    }

    [Fact]
    public void V3_query_source_count_past_the_message_is_BadField()
    {
        byte[] bytes = Convert.FromHexString(V3GroupAndSourceQuery);
        bytes[11] = 3;

        Assert.False(IgmpPacket.TryParse(bytes, out _, out var error));
        Assert.Equal(WireError.BadField, error);

        bytes[10] = 0xFF;
        bytes[11] = 0xFF;
        Assert.False(IgmpPacket.TryParse(bytes, out _, out error));
        Assert.Equal(WireError.BadField, error);
    }

    [Fact]
    public void V3_query_extra_bytes_count_in_the_checksum_but_are_ignored()
    {
        // RFC 3376 section 4.1.10: additional data after the sources is summed, then ignored.
        byte[] bytes = [.. Convert.FromHexString(V3GroupAndSourceQuery), 0x12, 0x34, 0x56, 0x78];
        var packet = new IgmpPacket(bytes);
        Assert.False(packet.VerifyChecksum());
        packet.FillChecksum();

        Assert.True(IgmpPacket.TryParse(bytes, out packet));
        Assert.True(packet.VerifyChecksum());
        Assert.True(IgmpRepr.TryParse(packet, out var repr));
        Assert.Equal(All["V3GroupAndSourceQuery"].Repr, repr);
    }

    [Fact]
    public void Trailing_bytes_after_a_v2_report_are_ignored()
    {
        byte[] bytes = [.. Convert.FromHexString("1600fa04effffffa"), 0, 0, 0, 0];

        Assert.True(IgmpPacket.TryParse(bytes, out var packet));
        Assert.True(packet.VerifyChecksum());
        Assert.True(IgmpRepr.TryParse(packet, out var repr));
        Assert.Equal(IgmpRepr.V2Report(Ssdp), repr);
    }

    [Fact]
    public void Unknown_type_is_a_generic_message_that_emits_back()
    {
        // DVMRP (0x13) shares the IGMP protocol number.
        byte[] bytes = Convert.FromHexString("1305000000000000");
        new IgmpPacket(bytes).FillChecksum();

        Assert.True(IgmpPacket.TryParse(bytes, out var packet));
        Assert.True(IgmpRepr.TryParse(packet, out var repr));
        Assert.Equal(IgmpVersion.Unknown, repr.Version);

        byte[] rebuilt = new byte[repr.MessageLength];
        repr.Emit(new IgmpPacket(rebuilt));
        Assert.Equal(bytes, rebuilt);
    }

    [Fact]
    public void V2_query_with_zero_max_response_cannot_be_emitted()
    {
        var repr = IgmpRepr.V2Query(TimeSpan.Zero, Ipv4Address.Any);

        Assert.Throws<InvalidOperationException>(() => repr.Emit(new IgmpPacket(new byte[8])));
    }

    [Fact]
    public void V2_max_response_is_linear_and_clamped_to_25_5_seconds()
    {
        byte[] buffer = new byte[8];
        IgmpRepr.V2Query(TimeSpan.FromSeconds(60), Ipv4Address.Any).Emit(new IgmpPacket(buffer));

        Assert.Equal(255, buffer[1]);
        Assert.True(IgmpPacket.TryParse(buffer, out var packet));
        Assert.True(IgmpRepr.TryParse(packet, out var repr));
        Assert.Equal(TimeSpan.FromSeconds(25.5), repr.MaxResponseTime);
    }
}
