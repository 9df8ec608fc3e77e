using FastPath.Wire.Checksums;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Udp;
using static FastPath.Wire.Tests.Udp.UdpFixtures;

namespace FastPath.Wire.Tests.Udp;

public class UdpPacketTests
{
    [Fact]
    public void Tftp_vector_fields_and_checksum()
    {
        byte[] bytes = TftpReadRequest();

        Assert.True(UdpPacket.TryParse(bytes, out var packet, out var error));
        Assert.Equal(WireError.None, error);
        Assert.Equal(1492, packet.SourcePort);
        Assert.Equal(69, packet.DestinationPort);
        Assert.Equal(63, packet.Length);
        Assert.Equal(0xac40, packet.Checksum);
        Assert.Equal(8, packet.HeaderLength);
        Assert.Equal(55, packet.Payload.Length);
        Assert.Equal(1, packet.Payload[0] << 8 | packet.Payload[1]); // TFTP opcode 1: read request
        Assert.True(packet.VerifyChecksum(TftpSource, TftpDestination));
        Assert.False(packet.VerifyChecksum(TftpDestination, new Ipv4Address(192, 168, 0, 2)));
    }

    [Fact]
    public void Dns_fixture_is_self_consistent()
    {
        byte[] bytes = Convert.FromHexString(DnsQuery);
        Assert.True(InternetChecksum.IsValidWithPseudoHeader(DnsSource, DnsDestination, IpProtocol.Udp, bytes));

        Assert.True(UdpPacket.TryParse(bytes, out var packet));
        Assert.Equal(53000, packet.SourcePort);
        Assert.Equal(53, packet.DestinationPort);
        Assert.Equal(bytes.Length, packet.Length);
        Assert.True(packet.VerifyChecksum(DnsSource, DnsDestination));
    }

    [Fact]
    public void Trailing_bytes_past_the_length_field_are_ignored()
    {
        // Ethernet pads short frames to 60 bytes; the padding arrives as part of the IP payload.
        byte[] bytes = [.. TftpReadRequest(), 0xde, 0xad, 0xbe, 0xef, 0, 0];

        Assert.True(UdpPacket.TryParse(bytes, out var packet));
        Assert.Equal(55, packet.Payload.Length);
        Assert.Equal(63, packet.Datagram.Length);
        Assert.True(packet.VerifyChecksum(TftpSource, TftpDestination));
    }

    [Fact]
    public void Every_truncation_is_refused_without_exception()
    {
        byte[] full = TftpReadRequest();
        for (int length = 0; length < full.Length; length++)
        {
            byte[] cut = full[..length];
            Assert.False(UdpPacket.TryParse(cut, out _, out var error));
            Assert.Equal(length < 8 ? WireError.Truncated : WireError.BadLength, error);
            Assert.False(UdpRepr.TryParse(new UdpPacket(cut), out _, out var reprError));
            Assert.Equal(error, reprError);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(64)]
    [InlineData(0xFFFF)]
    public void Bad_length_field_is_BadLength(int length)
    {
        byte[] bytes = TftpReadRequest();
        new UdpPacket(bytes).Length = (ushort)length;

        Assert.False(UdpPacket.TryParse(bytes, out _, out var error));
        Assert.Equal(WireError.BadLength, error);
    }

    [Fact]
    public void Length_of_exactly_the_header_is_an_empty_datagram()
    {
        byte[] bytes = Convert.FromHexString("0035003500080000");

        Assert.True(UdpPacket.TryParse(bytes, out var packet));
        Assert.Equal(0, packet.Payload.Length);
    }

    [Fact]
    public void Zero_checksum_means_none_and_verifies()
    {
        byte[] bytes = TftpReadRequest();
        var packet = new UdpPacket(bytes) { Checksum = 0 };

        Assert.True(packet.VerifyChecksum(TftpSource, TftpDestination));
    }

    [Fact]
    public void Corrupted_payload_fails_verification()
    {
        byte[] bytes = TftpReadRequest();
        bytes[20] ^= 0x01;

        Assert.False(new UdpPacket(bytes).VerifyChecksum(TftpSource, TftpDestination));
    }

    [Fact]
    public void Computed_zero_checksum_is_sent_as_all_ones()
    {
        // Pick the last two payload bytes so that the one's complement sum is 0xFFFF: the computed
        // checksum is then 0, which RFC 768 sends as 0xFFFF.
        byte[] bytes = new byte[10];
        var packet = new UdpPacket(bytes) { SourcePort = 1000, DestinationPort = 2000, Length = 10 };
        var source = new Ipv4Address(10, 0, 0, 1);
        var destination = new Ipv4Address(10, 0, 0, 2);
        uint partial = InternetChecksum.Sum(bytes, InternetChecksum.PseudoHeaderSum(source, destination, IpProtocol.Udp, bytes.Length));
        ushort filler = (ushort)~partial;
        bytes[8] = (byte)(filler >> 8);
        bytes[9] = (byte)filler;

        packet.FillChecksum(source, destination);

        Assert.Equal(0xFFFF, packet.Checksum);
        Assert.True(packet.VerifyChecksum(source, destination));
    }
}
