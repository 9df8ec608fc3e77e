using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Tests.Ipv4;

public class Ipv4CidrTests
{
    [Theory]
    [InlineData("10.0.0.1/24", "10.0.0.1", 24, "255.255.255.0", "10.0.0.0", "10.0.0.255")]
    [InlineData("192.168.37.200/20", "192.168.37.200", 20, "255.255.240.0", "192.168.32.0", "192.168.47.255")]
    [InlineData("0.0.0.0/0", "0.0.0.0", 0, "0.0.0.0", "0.0.0.0", "255.255.255.255")]
    [InlineData("172.16.5.4/32", "172.16.5.4", 32, "255.255.255.255", "172.16.5.4", "172.16.5.4")]
    [InlineData("10.1.1.0/31", "10.1.1.0", 31, "255.255.255.254", "10.1.1.0", "10.1.1.1")]
    [InlineData("128.0.0.1/1", "128.0.0.1", 1, "128.0.0.0", "128.0.0.0", "255.255.255.255")]
    public void Parse_gives_address_prefix_netmask_network_and_broadcast(
        string text, string address, int prefix, string netmask, string network, string broadcast)
    {
        var cidr = Ipv4Cidr.Parse(text);

        Assert.Equal(Ipv4Address.Parse(address), cidr.Address);
        Assert.Equal(prefix, cidr.PrefixLength);
        Assert.Equal(Ipv4Address.Parse(netmask), cidr.Netmask);
        Assert.Equal(Ipv4Address.Parse(network), cidr.Network);
        Assert.Equal(Ipv4Address.Parse(broadcast), cidr.Broadcast);
        Assert.Equal(text, cidr.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.0.0.1")]
    [InlineData("10.0.0.1/")]
    [InlineData("10.0.0.1/33")]
    [InlineData("10.0.0.1/-1")]
    [InlineData("10.0.0.1/+8")]
    [InlineData("10.0.0.1/024")]
    [InlineData("10.0.0.1/2 ")]
    [InlineData("10.0.0.1/24/8")]
    [InlineData("10.0.0.1/255.255.255.0")]
    [InlineData("10.0.0/24")]
    [InlineData("1.2.3/24")]
    [InlineData("256.0.0.0/8")]
    [InlineData("/24")]
    public void TryParse_refuses_malformed_text(string text)
    {
        Assert.False(Ipv4Cidr.TryParse(text, out var cidr));
        Assert.Equal(default, cidr);
        Assert.Throws<FormatException>(() => Ipv4Cidr.Parse(text));
    }

    [Theory]
    [InlineData("10.0.0.1/24", "10.0.0.0", true)]
    [InlineData("10.0.0.1/24", "10.0.0.255", true)]
    [InlineData("10.0.0.1/24", "10.0.1.0", false)]
    [InlineData("10.0.0.1/24", "9.255.255.255", false)]
    [InlineData("192.168.0.0/16", "192.168.200.7", true)]
    [InlineData("192.168.0.0/16", "192.169.0.1", false)]
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("172.16.5.4/32", "172.16.5.4", true)]
    [InlineData("172.16.5.4/32", "172.16.5.5", false)]
    public void Contains_compares_the_prefix_bits_only(string cidr, string address, bool expected)
    {
        Assert.Equal(expected, Ipv4Cidr.Parse(cidr).Contains(Ipv4Address.Parse(address)));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(33)]
    public void Constructor_refuses_a_prefix_outside_0_to_32(int prefix)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ipv4Cidr(Ipv4Address.Loopback, prefix));
    }

    [Fact]
    public void Equality_includes_the_host_bits_and_the_prefix()
    {
        var a = Ipv4Cidr.Parse("10.0.0.1/24");

        Assert.Equal(a, new Ipv4Cidr(new Ipv4Address(10, 0, 0, 1), 24));
        Assert.True(a == Ipv4Cidr.Parse("10.0.0.1/24"));
        Assert.True(a != Ipv4Cidr.Parse("10.0.0.2/24"));
        Assert.True(a != Ipv4Cidr.Parse("10.0.0.1/25"));
        Assert.Equal(a.GetHashCode(), Ipv4Cidr.Parse("10.0.0.1/24").GetHashCode());
    }

    [Fact]
    public void TryFormat_needs_room_for_the_longest_form()
    {
        var cidr = Ipv4Cidr.Parse("255.255.255.255/32");
        Span<char> small = stackalloc char[17];
        Span<char> exact = stackalloc char[18];

        Assert.False(cidr.TryFormat(small, out _));
        Assert.True(cidr.TryFormat(exact, out int written));
        Assert.Equal("255.255.255.255/32", exact[..written].ToString());
    }
}
