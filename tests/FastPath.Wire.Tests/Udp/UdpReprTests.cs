using FastPath.Wire.Udp;
using static FastPath.Wire.Tests.Udp.UdpFixtures;

namespace FastPath.Wire.Tests.Udp;

public class UdpReprTests
{
    [Fact]
    public void Parses_the_tftp_datagram()
    {
        Assert.True(UdpPacket.TryParse(TftpReadRequest(), out var packet));
        Assert.True(UdpRepr.TryParse(packet, out var repr));

        Assert.Equal(new UdpRepr(1492, 69, 55), repr);
        Assert.Equal(8, repr.HeaderLength);
        Assert.Equal(63, repr.DatagramLength);
    }

    [Fact]
    public void Emit_into_a_zeroed_buffer_rebuilds_the_tftp_datagram()
    {
        byte[] expected = TftpReadRequest();
        var repr = new UdpRepr(1492, 69, 55);
        byte[] buffer = new byte[repr.DatagramLength];
        expected.AsSpan(8).CopyTo(buffer.AsSpan(repr.HeaderLength)); // payload first: the checksum covers it

        repr.Emit(new UdpPacket(buffer), TftpSource, TftpDestination);

        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(buffer));
    }

    [Fact]
    public void Emit_rebuilds_the_dns_query()
    {
        byte[] expected = Convert.FromHexString(DnsQuery);
        byte[] buffer = new byte[expected.Length];
        expected.AsSpan(8).CopyTo(buffer.AsSpan(8));

        new UdpRepr(53000, 53, expected.Length - 8).Emit(new UdpPacket(buffer), DnsSource, DnsDestination);

        Assert.Equal(DnsQuery, Convert.ToHexString(buffer), ignoreCase: true);
    }

    [Fact]
    public void Round_trip_through_a_larger_buffer_ignores_trailing_bytes()
    {
        byte[] wire = [.. TftpReadRequest(), 0xAA, 0xBB];
        Assert.True(UdpPacket.TryParse(wire, out var packet));
        Assert.True(UdpRepr.TryParse(packet, out var repr));

        byte[] rebuilt = new byte[repr.DatagramLength];
        packet.Payload.CopyTo(rebuilt.AsSpan(repr.HeaderLength));
        repr.Emit(new UdpPacket(rebuilt), TftpSource, TftpDestination);

        Assert.Equal(wire[..63], rebuilt);
    }

    [Fact]
    public void Emit_refuses_a_payload_too_large_for_the_length_field()
    {
        var repr = new UdpRepr(1, 2, 0xFFFF);
        byte[] buffer = new byte[0x10010];

        Assert.Throws<ArgumentOutOfRangeException>(() => repr.Emit(new UdpPacket(buffer), TftpSource, TftpDestination));
    }
}
