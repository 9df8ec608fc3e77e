using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Tests.Ethernet;

public class MacAddressTests
{
    [Theory]
    [InlineData("00:05:5d:61:58:a8", 0x00055D6158A8UL)]
    [InlineData("00-05-5D-61-58-A8", 0x00055D6158A8UL)]
    [InlineData("ff:ff:ff:ff:ff:ff", 0xFFFFFFFFFFFFUL)]
    public void Parse_reads_colon_and_dash_forms_in_either_case(string text, ulong value)
    {
        Assert.Equal(value, MacAddress.Parse(text).ToUInt64());
    }

    [Theory]
    [InlineData("")]
    [InlineData("01:02:03:04:05")]
    [InlineData("01:02:03:04:05:06:07")]
    [InlineData("01:02:03:04:05:6")]
    [InlineData("01:02:03:04:05:0g")]
    [InlineData("01.02.03.04.05.06")]
    [InlineData("0102.0304.0506")]
    [InlineData("010203040506")]
    [InlineData(" 01:02:03:04:05:06")]
    public void TryParse_refuses_malformed_text(string text)
    {
        Assert.False(MacAddress.TryParse(text, out var mac));
        Assert.Equal(MacAddress.Zero, mac);
        Assert.Throws<FormatException>(() => MacAddress.Parse(text));
    }

    [Fact]
    public void TryParse_refuses_null()
    {
        Assert.False(MacAddress.TryParse((string?)null, out _));
    }

    [Fact]
    public void ToString_is_lower_case_colon_separated()
    {
        Assert.Equal("00:05:5d:a1:b8:40", MacAddress.Parse("00-05-5D-A1-B8-40").ToString());
    }

    [Fact]
    public void Bytes_round_trip_in_wire_order()
    {
        byte[] wire = Convert.FromHexString("00055da1b840");
        var mac = new MacAddress(wire);
        byte[] back = new byte[6];

        mac.CopyTo(back);

        Assert.Equal("00:05:5d:a1:b8:40", mac.ToString());
        Assert.Equal(wire, back);
    }

    [Theory]
    [InlineData("224.1.1.1", "01:00:5e:01:01:01")]
    [InlineData("239.129.1.1", "01:00:5e:01:01:01")] // the 24th bit is dropped: 32 groups share a MAC
    [InlineData("224.0.0.1", "01:00:5e:00:00:01")]
    [InlineData("224.0.0.251", "01:00:5e:00:00:fb")]
    [InlineData("239.255.255.250", "01:00:5e:7f:ff:fa")]
    [InlineData("224.128.0.0", "01:00:5e:00:00:00")]
    [InlineData("239.255.255.255", "01:00:5e:7f:ff:ff")]
    public void FromIpv4Multicast_maps_the_low_23_bits_under_01_00_5e(string group, string mac)
    {
        MacAddress mapped = MacAddress.FromIpv4Multicast(Ipv4Address.Parse(group));

        Assert.Equal(MacAddress.Parse(mac), mapped);
        Assert.True(mapped.IsMulticast);
        Assert.False(mapped.IsLocallyAdministered);
    }

    [Theory]
    [InlineData("10.0.0.1")]
    [InlineData("223.255.255.255")]
    [InlineData("240.0.0.0")]
    [InlineData("255.255.255.255")]
    [InlineData("0.0.0.0")]
    public void FromIpv4Multicast_refuses_a_non_multicast_address(string address)
    {
        var error = Assert.Throws<ArgumentException>(() => MacAddress.FromIpv4Multicast(Ipv4Address.Parse(address)));
        Assert.Equal("group", error.ParamName);
    }
}
