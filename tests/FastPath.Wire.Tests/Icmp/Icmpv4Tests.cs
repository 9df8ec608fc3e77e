using FastPath.Wire.Checksums;
using FastPath.Wire.Icmp;
using FastPath.Wire.Ipv4;
using static FastPath.Wire.Tests.Icmp.Icmpv4Fixtures;

namespace FastPath.Wire.Tests.Icmp;

public class Icmpv4Tests
{
    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Icmpv4Fixtures))]
    public void Fixture_parses_to_its_representation(string name)
    {
        var (hex, expected) = All[name];
        byte[] bytes = Convert.FromHexString(hex);
        Assert.True(InternetChecksum.IsValid(bytes));

        Assert.True(Icmpv4Packet.TryParse(bytes, out var packet, out var error));
        Assert.Equal(WireError.None, error);
        Assert.True(packet.VerifyChecksum());
        Assert.True(Icmpv4Repr.TryParse(packet, out var repr, out error));
        Assert.Equal(WireError.None, error);
        Assert.Equal(expected, repr);
        Assert.Equal(bytes.Length, repr.MessageLength);
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Icmpv4Fixtures))]
    public void Emit_into_a_zeroed_buffer_equals_the_fixture(string name)
    {
        var (hex, repr) = All[name];
        byte[] expected = Convert.FromHexString(hex);
        byte[] buffer = new byte[repr.MessageLength];
        expected.AsSpan(repr.HeaderLength).CopyTo(buffer.AsSpan(repr.HeaderLength)); // payload first

        repr.Emit(new Icmpv4Packet(buffer));

        Assert.Equal(hex, Convert.ToHexString(buffer), ignoreCase: true);
    }

    [Theory]
    [MemberData(nameof(Names), MemberType = typeof(Icmpv4Fixtures))]
    public void Every_truncation_is_refused_or_a_shorter_payload(string name)
    {
        byte[] full = Convert.FromHexString(All[name].Hex);
        int header = Icmpv4Packet.HeaderLengthOf((Icmpv4Type)full[0]);
        for (int length = 0; length < full.Length; length++)
        {
            byte[] cut = full[..length];
            bool parsed = Icmpv4Packet.TryParse(cut, out var packet, out var error);
            bool reprParsed = Icmpv4Repr.TryParse(new Icmpv4Packet(cut), out var repr, out var reprError);
            if (length < header)
            {
                Assert.False(parsed);
                Assert.Equal(WireError.Truncated, error);
                Assert.False(reprParsed);
                Assert.Equal(WireError.Truncated, reprError);
            }
            else
            {
                // ICMP has no length field: a cut message is a shorter one, which the checksum rejects.
                Assert.True(parsed);
                Assert.True(reprParsed);
                Assert.Equal(length - header, repr.PayloadLength);
                Assert.False(packet.VerifyChecksum());
            }
        }
    }

    [Fact]
    public void Echo_request_fields_and_payload()
    {
        byte[] bytes = Convert.FromHexString(All["EchoRequestWindows"].Hex);
        Assert.True(Icmpv4Packet.TryParse(bytes, out var packet));

        Assert.Equal(Icmpv4Type.EchoRequest, packet.Type);
        Assert.Equal(0, packet.Code);
        Assert.Equal(0x4d3a, packet.Checksum);
        Assert.Equal(1, packet.Identifier);
        Assert.Equal(33, packet.SequenceNumber);
        Assert.Equal("abcdefghijklmnopqrstuvwabcdefghi", System.Text.Encoding.ASCII.GetString(packet.Payload));
    }

    [Fact]
    public void Echo_checksum_is_computed_over_the_payload()
    {
        byte[] bytes = Convert.FromHexString(All["EchoRequestLinux"].Hex);
        var packet = new Icmpv4Packet(bytes);

        packet.FillChecksum();
        Assert.Equal(0xa2b4, packet.Checksum);

        bytes[^1] ^= 0xFF;
        Assert.False(packet.VerifyChecksum());
        packet.FillChecksum();
        Assert.True(packet.VerifyChecksum());
        Assert.Equal(InternetChecksum.Compute([.. bytes[..2], 0, 0, .. bytes[4..]]), packet.Checksum);
    }

    [Fact]
    public void Echo_reply_built_from_a_request_keeps_identifier_sequence_and_data()
    {
        byte[] request = Convert.FromHexString(All["EchoRequestWindows"].Hex);
        Assert.True(Icmpv4Packet.TryParse(request, out var packet));
        Assert.True(Icmpv4Repr.TryParse(packet, out var repr));

        var reply = Icmpv4Repr.EchoReply(repr.Identifier, repr.SequenceNumber, repr.PayloadLength);
        byte[] buffer = new byte[reply.MessageLength];
        packet.Payload.CopyTo(buffer.AsSpan(reply.HeaderLength));
        reply.Emit(new Icmpv4Packet(buffer));

        Assert.Equal(All["EchoReplyWindows"].Hex, Convert.ToHexString(buffer), ignoreCase: true);
    }

    [Fact]
    public void Destination_unreachable_quotes_the_offending_datagram()
    {
        byte[] bytes = Convert.FromHexString(All["FragmentationNeeded"].Hex);
        Assert.True(Icmpv4Packet.TryParse(bytes, out var packet));

        Assert.Equal((byte)Icmpv4UnreachableCode.FragmentationNeeded, packet.Code);
        Assert.Equal(1400, packet.NextHopMtu);
        Assert.Equal(28, packet.Payload.Length);
        Assert.Equal(0x45, packet.Payload[0]);
        Assert.Equal(new Ipv4Address(192, 168, 0, 1), new Ipv4Address(packet.Payload.Slice(16, 4)));
    }

    [Fact]
    public void Next_hop_mtu_is_only_read_for_code_4()
    {
        byte[] bytes = Convert.FromHexString(All["PortUnreachable"].Hex);
        var packet = new Icmpv4Packet(bytes) { NextHopMtu = 1400 };
        packet.FillChecksum();

        Assert.True(Icmpv4Repr.TryParse(packet, out var repr));
        Assert.Equal(0, repr.NextHopMtu);
    }

    [Fact]
    public void Timestamp_and_mask_fields()
    {
        byte[] timestamp = Convert.FromHexString(All["TimestampReply"].Hex);
        Assert.True(Icmpv4Packet.TryParse(timestamp, out var packet));
        Assert.Equal(20, packet.HeaderLength);
        Assert.Equal(0x02faf080u, packet.OriginateTimestamp);
        Assert.Equal(0x02faf0b2u, packet.ReceiveTimestamp);
        Assert.Equal(0x02faf0b3u, packet.TransmitTimestamp);
        Assert.Equal(new TimeSpan(13, 53, 20), TimeSpan.FromMilliseconds(packet.OriginateTimestamp));

        byte[] mask = Convert.FromHexString(All["AddressMaskReply"].Hex);
        Assert.True(Icmpv4Packet.TryParse(mask, out packet));
        Assert.Equal(12, packet.HeaderLength);
        Assert.Equal(new Ipv4Address(255, 255, 255, 0), packet.AddressMask);
    }

    [Fact]
    public void Unknown_type_parses_as_a_generic_message()
    {
        byte[] bytes = Convert.FromHexString("2a07000001020304cafe");
        new Icmpv4Packet(bytes).FillChecksum();

        Assert.True(Icmpv4Packet.TryParse(bytes, out var packet));
        Assert.True(Icmpv4Repr.TryParse(packet, out var repr));
        Assert.Equal(new Icmpv4Repr { Type = (Icmpv4Type)42, Code = 7, RestOfHeader = 0x01020304, PayloadLength = 2 }, repr);

        byte[] rebuilt = new byte[repr.MessageLength];
        rebuilt[8] = 0xca;
        rebuilt[9] = 0xfe;
        repr.Emit(new Icmpv4Packet(rebuilt));
        Assert.Equal(bytes, rebuilt);
    }

    [Fact]
    public void Bytes_past_the_message_count_as_payload()
    {
        // ICMP has no length field: pass the IPv4 payload as its total length bounds it, not the frame.
        byte[] padded = [.. Convert.FromHexString(All["AddressMaskReply"].Hex), 0, 0, 0, 0];

        Assert.True(Icmpv4Packet.TryParse(padded, out var packet));
        Assert.True(Icmpv4Repr.TryParse(packet, out var repr));
        Assert.Equal(4, repr.PayloadLength);
        Assert.True(packet.VerifyChecksum()); // zero padding does not change a one's complement sum
    }

    [Fact]
    public void Emit_checksums_only_the_message_in_a_larger_buffer()
    {
        var repr = Icmpv4Repr.AddressMaskRequest(0x0200, 0);
        byte[] buffer = new byte[32];
        buffer.AsSpan().Fill(0x55);

        repr.Emit(new Icmpv4Packet(buffer));

        Assert.Equal(All["AddressMaskRequest"].Hex, Convert.ToHexString(buffer, 0, 12), ignoreCase: true);
    }
}
