using System.Buffers.Binary;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Tests.Ipv4;

public class Ipv4PacketTests
{
    // IHL 5, DSCP 46 (EF) ECN 0, total 32, id 0xabcd, DF, TTL 64, UDP, checksum 0xc29d, 10.0.0.1 -> 192.168.1.1,
    // then 12 payload bytes.
    private const string HeaderHex = "45b80020abcd40004011c29d0a000001c0a80101";
    private const string Basic = HeaderHex + "000102030405060708090a0b";

    // IHL 6 with a Router Alert option (RFC 2113: 94 04 00 00), total 32, DF, TTL 1, IGMP, checksum 0xfac0,
    // 10.0.0.1 -> 224.0.0.22, then 8 payload bytes.
    private const string WithOptions = "46000020000040000102fac00a000001e0000016" + "94040000" + "1600fa04e0000016";

    // A middle fragment: total 36, id 0x1234, MF, offset 185 units = 1480 bytes, TTL 64, UDP, checksum 0x33da,
    // 10.0.0.1 -> 10.0.0.2, then 16 payload bytes.
    private const string Fragment = "45000024123420b9401133da0a0000010a000002" + "00112233445566778899aabbccddeeff";

    private static readonly Ipv4Repr BasicRepr = new(
        Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("192.168.1.1"), IpProtocol.Udp, PayloadLength: 12,
        Ttl: 64, Dscp: 46, Ecn: 0, Identification: 0xabcd, DontFragment: true);

    private static readonly Ipv4Repr FragmentRepr = new(
        Ipv4Address.Parse("10.0.0.1"), Ipv4Address.Parse("10.0.0.2"), IpProtocol.Udp, PayloadLength: 16,
        Identification: 0x1234, MoreFragments: true, FragmentOffset: 1480);

    [Fact]
    public void TryParse_reads_every_field()
    {
        byte[] bytes = Convert.FromHexString(Basic);

        Assert.True(Ipv4Packet.TryParse(bytes, out var packet, out var error));

        Assert.Equal(WireError.None, error);
        Assert.Equal(4, packet.Version);
        Assert.Equal(20, packet.HeaderLength);
        Assert.Equal(46, packet.Dscp);
        Assert.Equal(0, packet.Ecn);
        Assert.Equal(32, packet.TotalLength);
        Assert.Equal(0xabcd, packet.Identification);
        Assert.True(packet.DontFragment);
        Assert.False(packet.MoreFragments);
        Assert.Equal(0, packet.FragmentOffset);
        Assert.False(packet.IsFragment);
        Assert.Equal(64, packet.Ttl);
        Assert.Equal(IpProtocol.Udp, packet.Protocol);
        Assert.Equal(0xc29d, packet.Checksum);
        Assert.True(packet.VerifyChecksum());
        Assert.Equal(Ipv4Address.Parse("10.0.0.1"), packet.Source);
        Assert.Equal(Ipv4Address.Parse("192.168.1.1"), packet.Destination);
        Assert.True(packet.Options.IsEmpty);
        Assert.Equal(Convert.FromHexString("000102030405060708090a0b"), packet.Payload.ToArray());
        Assert.True(Ipv4Repr.TryParse(packet, out var repr));
        Assert.Equal(BasicRepr, repr);
    }

    [Fact]
    public void Emit_into_a_zeroed_buffer_equals_the_fixture_header()
    {
        byte[] buffer = new byte[BasicRepr.HeaderLength];

        BasicRepr.Emit(new Ipv4Packet(buffer));

        Assert.Equal(20, BasicRepr.HeaderLength);
        Assert.Equal(32, BasicRepr.TotalLength);
        Assert.Equal(Convert.FromHexString(HeaderHex), buffer);
    }

    [Fact]
    public void Emit_writes_every_header_byte_whatever_the_buffer_held()
    {
        byte[] buffer = Enumerable.Repeat((byte)0xFF, 20).ToArray();

        BasicRepr.Emit(new Ipv4Packet(buffer));

        // The reserved flag bit and the old checksum included.
        Assert.Equal(Convert.FromHexString(HeaderHex), buffer);
    }

    [Theory]
    [InlineData(Basic)]
    [InlineData(Fragment)]
    public void Parse_then_emit_round_trips(string hex)
    {
        byte[] bytes = Convert.FromHexString(hex);
        Assert.True(Ipv4Packet.TryParse(bytes, out var packet));
        Assert.True(Ipv4Repr.TryParse(packet, out var repr));
        byte[] buffer = new byte[repr.TotalLength];

        var emitted = new Ipv4Packet(buffer);
        repr.Emit(emitted);
        packet.Payload.CopyTo(emitted.Payload);

        Assert.Equal(bytes, buffer);
    }

    [Fact]
    public void Payload_is_bounded_by_total_length_not_by_ethernet_padding()
    {
        // A 32-byte datagram in a 60-byte frame: 14 bytes of Ethernet header, 14 of padding (non-zero here).
        byte[] bytes = Convert.FromHexString(Basic + "5a5a5a5a5a5a5a5a5a5a5a5a5a5a");

        Assert.True(Ipv4Packet.TryParse(bytes, out var packet));
        Assert.Equal(12, packet.Payload.Length);
        Assert.True(Ipv4Repr.TryParse(packet, out var repr));
        Assert.Equal(BasicRepr, repr);
    }

    public static TheoryData<string, int, WireError> Truncations()
    {
        var data = new TheoryData<string, int, WireError>();
        foreach (string name in new[] { nameof(Basic), nameof(WithOptions), nameof(Fragment) })
        {
            byte[] bytes = Convert.FromHexString(Fixture(name));
            int headerLength = (bytes[0] & 0xF) * 4;
            for (int length = 0; length < bytes.Length; length++)
            {
                WireError expected = length < 20 ? WireError.Truncated
                    : length < headerLength ? WireError.BadHeaderLength
                    : WireError.BadLength;
                data.Add(name, length, expected);
            }
        }
        return data;
    }

    private static string Fixture(string name) => name switch
    {
        nameof(Basic) => Basic,
        nameof(WithOptions) => WithOptions,
        _ => Fragment,
    };

    [Theory]
    [MemberData(nameof(Truncations))]
    public void TryParse_every_truncation_fails_with_the_right_error(string fixture, int length, WireError expected)
    {
        byte[] bytes = Convert.FromHexString(Fixture(fixture))[..length];

        Assert.False(Ipv4Packet.TryParse(bytes, out _, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryParse_with_options_skips_them()
    {
        byte[] bytes = Convert.FromHexString(WithOptions);

        Assert.True(Ipv4Packet.TryParse(bytes, out var packet));

        Assert.Equal(24, packet.HeaderLength);
        Assert.Equal(Convert.FromHexString("94040000"), packet.Options.ToArray());
        Assert.Equal(Convert.FromHexString("1600fa04e0000016"), packet.Payload.ToArray());
        Assert.True(packet.VerifyChecksum());
        Assert.Equal(IpProtocol.Igmp, packet.Protocol);
        Assert.Equal(1, packet.Ttl);
        Assert.True(Ipv4Repr.TryParse(packet, out var repr));
        Assert.Equal(8, repr.PayloadLength);
    }

    [Fact]
    public void Emit_of_a_repr_read_from_a_packet_with_options_writes_a_20_byte_header()
    {
        byte[] bytes = Convert.FromHexString(WithOptions);
        Assert.True(Ipv4Packet.TryParse(bytes, out var packet));
        Assert.True(Ipv4Repr.TryParse(packet, out var repr));
        byte[] buffer = new byte[repr.TotalLength];

        var emitted = new Ipv4Packet(buffer);
        repr.Emit(emitted);

        Assert.Equal(28, buffer.Length);
        Assert.Equal(20, emitted.HeaderLength);
        Assert.Equal(28, emitted.TotalLength);
        Assert.True(emitted.VerifyChecksum());
    }

    public static TheoryData<int> OptionIhls() => new(Enumerable.Range(6, 10));

    [Theory]
    [MemberData(nameof(OptionIhls))]
    public void Every_ihl_with_options_puts_the_payload_after_ihl_times_4(int ihl)
    {
        int headerLength = ihl * 4;
        byte[] bytes = new byte[headerLength + 4 + 6]; // 4 payload bytes, then 6 trailing bytes
        bytes[0] = (byte)(0x40 | ihl);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)(headerLength + 4));
        bytes[8] = 64;
        bytes[9] = (byte)IpProtocol.Icmp;
        bytes.AsSpan(20, headerLength - 20).Fill(0x01); // NOP options
        bytes.AsSpan(headerLength, 4).Fill(0xAB);
        bytes.AsSpan(headerLength + 4).Fill(0xCD);
        new Ipv4Packet(bytes).FillChecksum();

        Assert.True(Ipv4Packet.TryParse(bytes, out var packet));

        Assert.Equal(headerLength, packet.HeaderLength);
        Assert.Equal(headerLength - 20, packet.Options.Length);
        Assert.All(packet.Options.ToArray(), b => Assert.Equal(0x01, b));
        Assert.Equal(new byte[] { 0xAB, 0xAB, 0xAB, 0xAB }, packet.Payload.ToArray());
        Assert.True(packet.VerifyChecksum());
    }

    [Theory]
    [InlineData(0x65)] // IPv6
    [InlineData(0x05)]
    [InlineData(0xF5)]
    [InlineData(0x35)]
    public void TryParse_refuses_a_version_other_than_4(byte versionIhl)
    {
        byte[] bytes = Convert.FromHexString(Basic);
        bytes[0] = versionIhl;

        Assert.False(Ipv4Packet.TryParse(bytes, out _, out var error));
        Assert.Equal(WireError.BadVersion, error);
    }

    [Theory]
    [InlineData(0x40)]
    [InlineData(0x41)]
    [InlineData(0x44)]
    [InlineData(0x49)] // 36 bytes of header in a 32-byte buffer
    [InlineData(0x4F)]
    public void TryParse_refuses_an_ihl_below_5_or_past_the_buffer(byte versionIhl)
    {
        byte[] bytes = Convert.FromHexString(Basic);
        bytes[0] = versionIhl;

        Assert.False(Ipv4Packet.TryParse(bytes, out _, out var error));
        Assert.Equal(WireError.BadHeaderLength, error);
    }

    [Theory]
    [InlineData(Basic, 0)]
    [InlineData(Basic, 19)]
    [InlineData(Basic, 33)]
    [InlineData(Basic, 0xFFFF)]
    [InlineData(WithOptions, 20)] // at least 20, but less than IHL * 4
    [InlineData(WithOptions, 23)]
    public void TryParse_refuses_a_total_length_below_the_header_or_past_the_buffer(string hex, int totalLength)
    {
        byte[] bytes = Convert.FromHexString(hex);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)totalLength);

        Assert.False(Ipv4Packet.TryParse(bytes, out _, out var error));
        Assert.Equal(WireError.BadLength, error);
    }

    [Fact]
    public void TryParse_accepts_a_header_only_datagram()
    {
        byte[] bytes = Convert.FromHexString(WithOptions);
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), 24);

        Assert.True(Ipv4Packet.TryParse(bytes, out var packet));
        Assert.True(packet.Payload.IsEmpty);
    }

    [Fact]
    public void Fragment_fields_read_in_bytes_and_in_8_byte_units()
    {
        byte[] bytes = Convert.FromHexString(Fragment);

        Assert.True(Ipv4Packet.TryParse(bytes, out var packet));

        Assert.True(packet.MoreFragments);
        Assert.False(packet.DontFragment);
        Assert.Equal(185, packet.FragmentOffsetUnits);
        Assert.Equal(1480, packet.FragmentOffset);
        Assert.True(packet.IsFragment);
        Assert.True(packet.VerifyChecksum());
        Assert.True(Ipv4Repr.TryParse(packet, out var repr));
        Assert.Equal(FragmentRepr, repr);
    }

    [Fact]
    public void Emit_fragment_into_a_zeroed_buffer_equals_the_fixture_header()
    {
        byte[] buffer = new byte[20];

        FragmentRepr.Emit(new Ipv4Packet(buffer));

        Assert.Equal(Convert.FromHexString(Fragment)[..20], buffer);
    }

    [Fact]
    public void The_last_fragment_is_a_fragment_without_MF()
    {
        byte[] bytes = Convert.FromHexString(Fragment);
        var packet = new Ipv4Packet(bytes) { MoreFragments = false };

        Assert.Equal(0x00b9, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(6)));
        Assert.True(packet.IsFragment);
        Assert.Equal(1480, packet.FragmentOffset);
    }

    [Fact]
    public void Flag_and_offset_setters_leave_the_other_bits_alone()
    {
        byte[] bytes = new byte[20];
        var packet = new Ipv4Packet(bytes)
        {
            FragmentOffset = 65528,
            DontFragment = true,
            MoreFragments = true,
        };

        Assert.Equal(0x7FFF, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(6)));
        packet.DontFragment = false;
        Assert.Equal(0x3FFF, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(6)));
        packet.FragmentOffsetUnits = 1;
        Assert.Equal(0x2001, BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(6)));
        Assert.Equal(8, packet.FragmentOffset);
    }

    [Fact]
    public void Fragment_offset_setters_refuse_values_the_field_cannot_hold()
    {
        byte[] bytes = new byte[20];

        Assert.Throws<ArgumentOutOfRangeException>(() => new Ipv4Packet(bytes).FragmentOffset = 1481);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ipv4Packet(bytes).FragmentOffsetUnits = 8192);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ipv4Packet(bytes).HeaderLength = 22);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ipv4Packet(bytes).HeaderLength = 64);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ipv4Packet(bytes).Dscp = 64);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ipv4Packet(bytes).Ecn = 4);
        Assert.All(bytes, b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(8189, 23, true)]  // ends exactly at 65535
    [InlineData(8189, 24, false)] // one byte past: a "ping of death" fragment
    [InlineData(8191, 20, false)]
    public void Repr_refuses_a_fragment_that_ends_past_65535(int offsetUnits, int totalLength, bool accepted)
    {
        byte[] bytes = new byte[totalLength];
        Convert.FromHexString(Fragment)[..20].CopyTo(bytes, 0);
        var packet = new Ipv4Packet(bytes) { FragmentOffsetUnits = (ushort)offsetUnits, TotalLength = (ushort)totalLength };

        Assert.True(Ipv4Packet.TryParse(bytes, out packet));
        Assert.Equal(accepted, Ipv4Repr.TryParse(packet, out _, out var error));
        Assert.Equal(accepted ? WireError.None : WireError.BadField, error);
    }

    [Fact]
    public void VerifyChecksum_fails_after_any_header_byte_changes_and_FillChecksum_repairs_it()
    {
        for (int i = 0; i < 20; i++)
        {
            byte[] bytes = Convert.FromHexString(Basic);
            bytes[i] ^= 0x10;
            var packet = new Ipv4Packet(bytes);

            Assert.False(packet.VerifyChecksum(), $"byte {i}");
            packet.FillChecksum();
            Assert.True(packet.VerifyChecksum(), $"byte {i}");
        }
    }

    [Fact]
    public void FillChecksum_reproduces_the_fixture_checksum()
    {
        byte[] bytes = Convert.FromHexString(Basic);
        var packet = new Ipv4Packet(bytes) { Checksum = 0x1234 };

        packet.FillChecksum();

        Assert.Equal(0xc29d, packet.Checksum);
    }

    [Fact]
    public void The_checksum_covers_the_options()
    {
        byte[] bytes = Convert.FromHexString(WithOptions);
        bytes[21] ^= 0x01; // Router Alert length byte

        Assert.True(Ipv4Packet.TryParse(bytes, out var packet));
        Assert.False(packet.VerifyChecksum());
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65516)]
    public void Emit_refuses_a_payload_length_the_total_length_cannot_hold(int payloadLength)
    {
        byte[] buffer = new byte[20];
        var repr = BasicRepr with { PayloadLength = payloadLength };

        Assert.Throws<ArgumentOutOfRangeException>(() => repr.Emit(new Ipv4Packet(buffer)));
    }

    [Fact]
    public void Emit_accepts_the_largest_datagram()
    {
        byte[] buffer = new byte[20];

        (BasicRepr with { PayloadLength = 65515 }).Emit(new Ipv4Packet(buffer));

        Assert.Equal(0xFFFF, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(2)));
    }

    [Fact]
    public void Repr_defaults_are_ttl_64_and_no_flags()
    {
        var repr = new Ipv4Repr(Ipv4Address.Loopback, Ipv4Address.Loopback, IpProtocol.Tcp, 0);
        byte[] buffer = new byte[20];

        repr.Emit(new Ipv4Packet(buffer));

        Assert.Equal(Convert.FromHexString("45000014" + "0000" + "0000" + "40" + "06"), buffer[..10]);
        Assert.Equal(Convert.FromHexString("7f000001" + "7f000001"), buffer[12..]);
        Assert.True(new Ipv4Packet(buffer).VerifyChecksum());
    }

    [Fact]
    public void Random_buffers_never_throw_and_accepted_ones_stay_within_the_buffer()
    {
        var random = new Random(791);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] bytes = new byte[random.Next(0, 80)];
            random.NextBytes(bytes);
            // Mostly version 4 with a small total length, so that the IHL and length checks are reached.
            if (bytes.Length > 0 && random.Next(4) != 0) bytes[0] = (byte)(0x40 | (bytes[0] & 0xF));
            if (bytes.Length >= 4 && random.Next(2) == 0) BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)random.Next(0, 90));

            if (Ipv4Packet.TryParse(bytes, out var packet, out var error))
            {
                Assert.InRange(packet.HeaderLength, 20, Math.Min(60, bytes.Length));
                Assert.Equal(packet.TotalLength - packet.HeaderLength, packet.Payload.Length);
                Assert.Equal(packet.HeaderLength - 20, packet.Options.Length);
                _ = packet.VerifyChecksum();
                if (Ipv4Repr.TryParse(packet, out var repr)) Assert.Equal(packet.Payload.Length, repr.PayloadLength);
            }
            else
            {
                Assert.True(error is WireError.Truncated or WireError.BadVersion or WireError.BadHeaderLength or WireError.BadLength, error.ToString());
            }
        }
    }
}
