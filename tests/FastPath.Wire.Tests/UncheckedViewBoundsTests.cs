using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Tcp;
using FastPath.Wire.Udp;

namespace FastPath.Wire.Tests;

/// <summary>
/// The fixed-header fields are read with one check against the header's minimum length (which the JIT
/// folds after TryParse). These prove the check is still there: a view made unchecked over a short buffer,
/// or a default view, throws instead of reading past its buffer.
/// </summary>
public sealed class UncheckedViewBoundsTests
{
    [Fact]
    public void ShortOrDefaultIpv4ViewThrows()
    {
        var buffer = new byte[19];
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ipv4Packet(buffer).Destination);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Ipv4Packet(buffer).Protocol);
        Assert.Throws<ArgumentOutOfRangeException>(() => default(Ipv4Packet).Source);
        Assert.Throws<ArgumentOutOfRangeException>(() => default(Ipv4Packet).TotalLength);
    }

    [Fact]
    public void ShortOrDefaultUdpViewThrows()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new UdpPacket(new byte[7]).SourcePort);
        Assert.Throws<ArgumentOutOfRangeException>(() => default(UdpPacket).Checksum);
    }

    [Fact]
    public void ShortOrDefaultTcpViewThrows()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TcpPacket(new byte[19]).SequenceNumber);
        Assert.Throws<ArgumentOutOfRangeException>(() => default(TcpPacket).UrgentPointer);
    }

    [Fact]
    public void ShortOrDefaultEthernetViewThrows()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new EthernetFrame(new byte[13]).EtherType);
        Assert.Throws<ArgumentOutOfRangeException>(() => default(EthernetFrame).HeaderLength);
    }

    [Fact]
    public void TaggedLayoutOverAShortBufferThrowsOnTheTagFields()
    {
        var buffer = new byte[16];
        buffer[12] = 0x81; // 802.1Q TPID, but no room for the tag's TCI and the inner type
        Assert.Throws<ArgumentOutOfRangeException>(() => new EthernetFrame(buffer).EtherType);
    }
}
