using FastPath.Engine.Flows;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Flows;

public class FlowKeyTests
{
    private static readonly Ipv4Address Client = Ipv4Address.Parse("192.0.2.10");
    private static readonly Ipv4Address Server = Ipv4Address.Parse("198.51.100.7");

    [Fact]
    public void A_flow_key_is_16_bytes_and_compares_by_every_field()
    {
        Assert.Equal(16, System.Runtime.CompilerServices.Unsafe.SizeOf<FlowKey>());
        var key = new FlowKey(Client, Server, 40000, 53, IpProtocol.Udp);
        Assert.Equal((Client, Server, (ushort)40000, (ushort)53, IpProtocol.Udp), (key.Source, key.Destination, key.SourcePort, key.DestinationPort, key.Protocol));
        Assert.Equal(key, new FlowKey(Client, Server, 40000, 53, IpProtocol.Udp));
        Assert.NotEqual(key, new FlowKey(Client, Server, 40000, 53, IpProtocol.Tcp));
        Assert.NotEqual(key, new FlowKey(Client, Server, 40001, 53, IpProtocol.Udp));
        Assert.NotEqual(key, new FlowKey(Client, Server, 40000, 54, IpProtocol.Udp));
        Assert.NotEqual(key, new FlowKey(Server, Client, 40000, 53, IpProtocol.Udp));
        Assert.Equal(new FlowKey(Server, Client, 53, 40000, IpProtocol.Udp), key.Reversed);
        Assert.Equal(key.GetHashCode(), new FlowKey(Client, Server, 40000, 53, IpProtocol.Udp).GetHashCode());
        Assert.Equal("Udp 192.0.2.10:40000 > 198.51.100.7:53", key.ToString());
    }

    [Fact]
    public void TryParse_reads_the_5_tuple_of_udp_and_tcp_frames_with_and_without_a_vlan_tag()
    {
        byte[] udp = Frames.Udp([1, 2, 3], sourcePort: 40000, destinationPort: 53, source: Client, destination: Server);
        Assert.True(FlowKey.TryParse(udp, out FlowKey key));
        Assert.Equal(new FlowKey(Client, Server, 40000, 53, IpProtocol.Udp), key);

        byte[] tagged = Frames.Udp([1, 2, 3], sourcePort: 5000, destinationPort: 6000, vlan: new VlanTag(100), source: Client, destination: Server);
        Assert.True(FlowKey.TryParse(tagged, out key));
        Assert.Equal(new FlowKey(Client, Server, 5000, 6000, IpProtocol.Udp), key);

        Assert.True(FlowKey.TryParse(Frames.TcpSyn(sourcePort: 33000, destinationPort: 443), out key));
        Assert.Equal(new FlowKey(Frames.IpA, Frames.IpB, 33000, 443, IpProtocol.Tcp), key);
    }

    [Fact]
    public void Icmp_and_fragments_have_no_ports()
    {
        Assert.True(FlowKey.TryParse(Frames.IcmpEcho(7, 1, [0, 1, 2, 3]), out FlowKey key));
        Assert.Equal(new FlowKey(Frames.IpA, Frames.IpB, 0, 0, IpProtocol.Icmp), key);

        byte[] fragment = Frames.Udp(new byte[16], sourcePort: 1, destinationPort: 2);
        // More fragments, offset 0: the first fragment of a datagram.
        fragment[14 + 6] = 0x20;
        fragment[14 + 7] = 0x00;
        Assert.True(FlowKey.TryParse(fragment, out key));
        Assert.Equal(new FlowKey(Frames.IpA, Frames.IpB, 0, 0, IpProtocol.Udp), key);
    }

    [Fact]
    public void TryParse_refuses_frames_without_an_ipv4_flow()
    {
        byte[] udp = Frames.Udp([1, 2, 3]);
        Assert.False(FlowKey.TryParse(udp.AsSpan(0, 33), out _));
        byte[] arp = (byte[])udp.Clone();
        arp[12] = 0x08;
        arp[13] = 0x06;
        Assert.False(FlowKey.TryParse(arp, out _));
        byte[] ipv6Version = (byte[])udp.Clone();
        ipv6Version[14] = 0x65;
        Assert.False(FlowKey.TryParse(ipv6Version, out _));
        byte[] shortHeader = (byte[])udp.Clone();
        shortHeader[14] = 0x44;
        Assert.False(FlowKey.TryParse(shortHeader, out _));
    }
}
