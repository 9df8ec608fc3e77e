using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Tests.Ipv4;

public class Ipv4AddressTests
{
    [Theory]
    [InlineData("192.168.0.1", 0xC0A80001u)]
    [InlineData("0.0.0.0", 0u)]
    [InlineData("255.255.255.255", 0xFFFFFFFFu)]
    [InlineData("10.0.0.1", 0x0A000001u)]
    public void Parse_reads_a_dotted_quad_into_host_order(string text, uint value)
    {
        var address = Ipv4Address.Parse(text);

        Assert.Equal(value, address.Value);
        Assert.Equal(text, address.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("256.1.1.1")]
    [InlineData("1.2.3.256")]
    [InlineData("1234.1.1.1")]
    [InlineData("1..2.3")]
    [InlineData("1.2.3.")]
    [InlineData(".1.2.3")]
    [InlineData(" 1.2.3.4")]
    [InlineData("1.2.3.4 ")]
    [InlineData("+1.2.3.4")]
    [InlineData("-1.2.3.4")]
    [InlineData("0x1.2.3.4")]
    [InlineData("1.2.3.4/24")]
    [InlineData("01.2.3.4")]
    [InlineData("1.2.3.004")]
    public void TryParse_refuses_malformed_text(string text)
    {
        Assert.False(Ipv4Address.TryParse(text, out var address));
        Assert.Equal(Ipv4Address.Any, address);
        Assert.Throws<FormatException>(() => Ipv4Address.Parse(text));
    }

    [Fact]
    public void Bytes_round_trip_in_wire_order()
    {
        byte[] wire = Convert.FromHexString("c0a80037");
        var address = new Ipv4Address(wire);
        byte[] back = new byte[4];

        address.CopyTo(back);

        Assert.Equal(new Ipv4Address(192, 168, 0, 55), address);
        Assert.Equal(wire, back);
    }

    [Fact]
    public void TryFormat_refuses_a_destination_that_is_too_short()
    {
        var address = Ipv4Address.Parse("255.255.255.255");
        Span<char> small = stackalloc char[14];
        Span<char> exact = stackalloc char[15];

        Assert.False(address.TryFormat(small, out _));
        Assert.True(address.TryFormat(exact, out int written));
        Assert.Equal("255.255.255.255", exact[..written].ToString());
    }
}
