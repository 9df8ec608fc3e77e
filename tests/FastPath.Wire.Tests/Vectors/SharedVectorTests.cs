using FastPath.TestKit;
using FastPath.Wire.Arp;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;

namespace FastPath.Wire.Tests.Vectors;

/// <summary>
/// The captured frames of tests/corpus/vectors, checked field by field against VECTORS.md (the values
/// Wireshark shows). Layers 2 and 3 only; the UDP and TFTP fields are checked with the UDP tests.
/// </summary>
public class SharedVectorTests
{
    private static readonly MacAddress Host55 = MacAddress.Parse("00:05:5d:61:58:a8");
    private static readonly MacAddress Host2 = MacAddress.Parse("00:05:5d:a1:b8:40");
    private static readonly Ipv4Address Ip55 = Ipv4Address.Parse("192.168.0.55");
    private static readonly Ipv4Address Ip2 = Ipv4Address.Parse("192.168.0.2");

    [Fact]
    public void Arp_request()
    {
        byte[] bytes = RepoPaths.ReadHex("vectors/arp-request.hex");
        Assert.Equal(60, bytes.Length);

        Assert.True(EthernetFrame.TryParse(bytes, out var frame, out var error), error.ToString());
        Assert.Equal(MacAddress.Broadcast, frame.Destination);
        Assert.Equal(Host55, frame.Source);
        Assert.Equal(EtherType.Arp, frame.EtherType);
        Assert.False(frame.HasVlan);
        Assert.Equal(46, frame.Payload.Length); // 28 of ARP + 18 of padding

        Assert.True(ArpPacket.TryParse(frame.Payload, out var arp, out error), error.ToString());
        Assert.Equal(1, arp.HardwareType);
        Assert.Equal(EtherType.Ipv4, arp.ProtocolType);
        Assert.Equal(6, arp.HardwareLength);
        Assert.Equal(4, arp.ProtocolLength);
        Assert.Equal(ArpOperation.Request, arp.Operation);
        Assert.Equal(Host55, arp.SenderHardwareAddress);
        Assert.Equal(Ip55, arp.SenderProtocolAddress);
        Assert.Equal(MacAddress.Zero, arp.TargetHardwareAddress);
        Assert.Equal(Ip2, arp.TargetProtocolAddress);

        // The padding is not zero, and it is not part of the packet.
        Assert.Equal(Convert.FromHexString("007731d25010fd7841d3"), frame.Payload[28..38].ToArray());
        AssertRebuilds(bytes, frame, arp);
    }

    [Fact]
    public void Arp_reply()
    {
        byte[] bytes = RepoPaths.ReadHex("vectors/arp-reply.hex");
        Assert.Equal(60, bytes.Length);

        Assert.True(EthernetFrame.TryParse(bytes, out var frame));
        Assert.Equal(Host55, frame.Destination);
        Assert.Equal(Host2, frame.Source);
        Assert.Equal(EtherType.Arp, frame.EtherType);

        Assert.True(ArpPacket.TryParse(frame.Payload, out var arp));
        Assert.True(ArpRepr.TryParse(arp, out var repr));
        Assert.Equal(new ArpRepr(ArpOperation.Reply, Host2, Ip2, Host55, Ip55), repr);
        AssertRebuilds(bytes, frame, arp);
    }

    [Fact]
    public void Tftp_read_request_ethernet_and_ipv4()
    {
        byte[] bytes = RepoPaths.ReadHex("vectors/tftp-rrq.hex");
        Assert.Equal(97, bytes.Length);

        Assert.True(EthernetFrame.TryParse(bytes, out var frame));
        Assert.Equal(MacAddress.Parse("00:05:5d:67:d0:b1"), frame.Destination);
        Assert.Equal(Host55, frame.Source);
        Assert.Equal(EtherType.Ipv4, frame.EtherType);
        Assert.Equal(14, frame.HeaderLength);

        Assert.True(Ipv4Packet.TryParse(frame.Payload, out var ip, out var error), error.ToString());
        Assert.Equal(4, ip.Version);
        Assert.Equal(20, ip.HeaderLength);
        Assert.Equal(0, ip.Dscp);
        Assert.Equal(0, ip.Ecn);
        Assert.Equal(83, ip.TotalLength);
        Assert.Equal(0x9325, ip.Identification);
        Assert.False(ip.DontFragment);
        Assert.False(ip.MoreFragments);
        Assert.Equal(0, ip.FragmentOffset);
        Assert.Equal(128, ip.Ttl);
        Assert.Equal(IpProtocol.Udp, ip.Protocol);
        Assert.Equal(0x25ec, ip.Checksum);
        Assert.True(ip.VerifyChecksum());
        Assert.Equal(Ip55, ip.Source);
        Assert.Equal(Ipv4Address.Parse("192.168.0.1"), ip.Destination);
        Assert.Equal(63, ip.Payload.Length); // the UDP datagram: 8 of header, 55 of TFTP

        Assert.True(Ipv4Repr.TryParse(ip, out var ipRepr));
        Assert.True(EthernetRepr.TryParse(frame, out var ethRepr));
        byte[] rebuilt = new byte[bytes.Length];
        ethRepr.Emit(new EthernetFrame(rebuilt));
        ipRepr.Emit(new Ipv4Packet(rebuilt.AsSpan(ethRepr.HeaderLength)));
        Assert.Equal(bytes[..34], rebuilt[..34]); // Emit recomputes 0x25ec
    }

    [Theory]
    [InlineData("vectors/arp-request.hex")]
    [InlineData("vectors/arp-reply.hex")]
    [InlineData("vectors/tftp-rrq.hex")]
    public void Every_truncation_of_a_vector_fails_cleanly_at_some_layer(string vector)
    {
        byte[] bytes = RepoPaths.ReadHex(vector);
        int needed = vector.Contains("arp", StringComparison.Ordinal) ? 14 + ArpPacket.Length : 14 + 83;

        for (int length = 0; length < bytes.Length; length++)
        {
            bool parsed = ParseLayers(bytes.AsSpan(0, length), out WireError error);

            Assert.Equal(length >= needed, parsed);
            if (!parsed)
            {
                Assert.NotEqual(WireError.None, error);
            }
        }
    }

    private static bool ParseLayers(Span<byte> buffer, out WireError error)
    {
        if (!EthernetFrame.TryParse(buffer, out var frame, out error)) return false;
        return frame.EtherType switch
        {
            EtherType.Arp => ArpPacket.TryParse(frame.Payload, out _, out error),
            EtherType.Ipv4 => Ipv4Packet.TryParse(frame.Payload, out _, out error),
            _ => false,
        };
    }

    private static void AssertRebuilds(byte[] bytes, EthernetFrame frame, ArpPacket arp)
    {
        Assert.True(EthernetRepr.TryParse(frame, out var ethRepr));
        Assert.True(ArpRepr.TryParse(arp, out var arpRepr));
        byte[] rebuilt = new byte[ethRepr.HeaderLength + arpRepr.HeaderLength];

        ethRepr.Emit(new EthernetFrame(rebuilt));
        arpRepr.Emit(new ArpPacket(rebuilt.AsSpan(ethRepr.HeaderLength)));

        Assert.Equal(bytes[..42], rebuilt);
    }
}
