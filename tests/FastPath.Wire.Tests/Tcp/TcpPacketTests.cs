using FastPath.Wire.Checksums;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Tcp;
using static FastPath.Wire.Tests.Tcp.TcpFixtures;

namespace FastPath.Wire.Tests.Tcp;

public class TcpPacketTests
{
    [Theory]
    [MemberData(nameof(All), MemberType = typeof(TcpFixtures))]
    public void Fixtures_are_self_consistent(string name, string hex, string sender)
    {
        var (source, destination) = Addresses(sender);
        byte[] bytes = Convert.FromHexString(hex);

        Assert.True(InternetChecksum.IsValidWithPseudoHeader(source, destination, IpProtocol.Tcp, bytes), name);
        Assert.True(TcpPacket.TryParse(bytes, out var packet), name);
        Assert.True(packet.VerifyChecksum(source, destination), name);
        Assert.False(packet.VerifyChecksum(source, new Ipv4Address(10, 0, 0, 3)), name);
    }

    [Fact]
    public void Syn_header_fields()
    {
        byte[] bytes = Convert.FromHexString(Syn);

        Assert.True(TcpPacket.TryParse(bytes, out var packet, out var error));
        Assert.Equal(WireError.None, error);
        Assert.Equal(45678, packet.SourcePort);
        Assert.Equal(80, packet.DestinationPort);
        Assert.Equal(0x3b9aca00u, packet.SequenceNumber);
        Assert.Equal(0u, packet.AcknowledgmentNumber);
        Assert.Equal(40, packet.HeaderLength);
        Assert.Equal(TcpFlags.Syn, packet.Flags);
        Assert.Equal(64240, packet.Window);
        Assert.Equal(0xd7e9, packet.Checksum);
        Assert.Equal(0, packet.UrgentPointer);
        Assert.Equal(20, packet.OptionBytes.Length);
        Assert.Equal(0, packet.Payload.Length);
    }

    [Fact]
    public void Syn_options_enumerate_in_wire_order()
    {
        byte[] bytes = Convert.FromHexString(Syn);
        Assert.True(TcpPacket.TryParse(bytes, out var packet));

        var options = packet.Options;
        Assert.True(options.MoveNext());
        Assert.Equal(TcpOptionKind.MaxSegmentSize, options.Current.Kind);
        Assert.Equal(1460, options.Current.MaxSegmentSize);
        Assert.True(options.MoveNext());
        Assert.Equal(TcpOptionKind.SackPermitted, options.Current.Kind);
        Assert.Equal(2, options.Current.Length);
        Assert.True(options.MoveNext());
        Assert.Equal(TcpOptionKind.Timestamps, options.Current.Kind);
        Assert.Equal(0x0009a8c0u, options.Current.TimestampValue);
        Assert.Equal(0u, options.Current.TimestampEchoReply);
        Assert.True(options.MoveNext()); // the NOP before it is padding, not yielded
        Assert.Equal(TcpOptionKind.WindowScale, options.Current.Kind);
        Assert.Equal(7, options.Current.WindowScale);
        Assert.False(options.MoveNext());
        Assert.Equal(WireError.None, options.Error);
    }

    [Fact]
    public void Data_segment_payload_and_flags()
    {
        byte[] bytes = Convert.FromHexString(Data);
        Assert.True(TcpPacket.TryParse(bytes, out var packet));

        Assert.Equal(TcpFlags.Psh | TcpFlags.Ack, packet.Flags);
        Assert.Equal(32, packet.HeaderLength);
        Assert.Equal("GET / HTTP/1.1\r\nHost: 10.0.0.2\r\n\r\n", System.Text.Encoding.ASCII.GetString(packet.Payload));
    }

    [Fact]
    public void Flag_bits_match_byte_13()
    {
        byte[] bytes = Convert.FromHexString(SynAck);
        var packet = new TcpPacket(bytes);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, packet.Flags);

        packet.Flags = TcpFlags.Fin | TcpFlags.Rst | TcpFlags.Urg | TcpFlags.Ece | TcpFlags.Cwr;
        Assert.Equal(0xE5, bytes[13]);
    }

    [Fact]
    public void Setting_the_header_length_keeps_the_low_nibble()
    {
        byte[] bytes = Convert.FromHexString(Reset);
        bytes[12] |= 0x01; // AccECN AE bit
        var packet = new TcpPacket(bytes) { HeaderLength = 24 };

        Assert.Equal(0x61, bytes[12]);
        Assert.Equal(24, packet.HeaderLength);
    }

    [Fact]
    public void Every_truncation_is_refused_or_parses_a_shorter_payload()
    {
        byte[] full = Convert.FromHexString(Data);
        for (int length = 0; length < full.Length; length++)
        {
            byte[] cut = full[..length];
            bool parsed = TcpPacket.TryParse(cut, out var packet, out var error);
            bool reprParsed = TcpRepr.TryParse(new TcpPacket(cut), out var repr, out var reprError);
            if (length < 20)
            {
                Assert.False(parsed);
                Assert.Equal(WireError.Truncated, error);
            }
            else if (length < 32)
            {
                Assert.False(parsed);
                Assert.Equal(WireError.BadHeaderLength, error);
            }
            else
            {
                // TCP has no length field: a cut inside the payload is a shorter segment, which the
                // checksum then rejects.
                Assert.True(parsed);
                Assert.Equal(length - 32, packet.Payload.Length);
                Assert.False(packet.VerifyChecksum(Client, Server));
                Assert.True(reprParsed);
                Assert.Equal(length - 32, repr.PayloadLength);
            }
            if (!parsed)
            {
                Assert.False(reprParsed);
                Assert.Equal(error, reprError);
            }
        }
    }

    [Fact]
    public void Every_truncation_of_the_syn_is_refused()
    {
        byte[] full = Convert.FromHexString(Syn);
        for (int length = 0; length < full.Length; length++)
        {
            Assert.False(TcpPacket.TryParse(full.AsSpan(0, length), out _, out var error));
            Assert.Equal(length < 20 ? WireError.Truncated : WireError.BadHeaderLength, error);
        }
    }

    [Fact]
    public void Bytes_past_the_segment_are_payload_so_the_view_must_span_the_ip_payload()
    {
        // TCP has no length of its own: Ethernet padding left in the view would count as data and break
        // the checksum. The IPv4 view's payload (bounded by the total length) is what to pass.
        byte[] padded = [.. Convert.FromHexString(Reset), 0, 0, 0, 0, 0, 0];
        Assert.True(TcpPacket.TryParse(padded, out var packet));
        Assert.Equal(6, packet.Payload.Length);

        Assert.True(TcpPacket.TryParse(padded.AsSpan(0, 20), out var exact));
        Assert.Equal(0, exact.Payload.Length);
        Assert.True(exact.VerifyChecksum(Server, Client));
    }

    [Theory]
    [InlineData(0x00)]
    [InlineData(0x10)]
    [InlineData(0x40)]
    public void Data_offset_below_five_is_BadHeaderLength(byte offsetByte)
    {
        byte[] bytes = Convert.FromHexString(Syn);
        bytes[12] = offsetByte;

        Assert.False(TcpPacket.TryParse(bytes, out _, out var error));
        Assert.Equal(WireError.BadHeaderLength, error);
    }

    [Fact]
    public void Data_offset_past_the_segment_is_BadHeaderLength()
    {
        byte[] bytes = Convert.FromHexString(Syn);
        bytes[12] = 0xF0; // 60 bytes of header in a 40-byte segment

        Assert.False(TcpPacket.TryParse(bytes, out _, out var error));
        Assert.Equal(WireError.BadHeaderLength, error);
    }

    [Fact]
    public void Fill_checksum_restores_the_fixture()
    {
        byte[] bytes = Convert.FromHexString(Data);
        var packet = new TcpPacket(bytes) { Checksum = 0x1234 };

        packet.FillChecksum(Client, Server);

        Assert.Equal(0x6c1b, packet.Checksum);
    }
}
