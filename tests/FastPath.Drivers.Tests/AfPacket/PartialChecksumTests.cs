using System.Buffers.Binary;
using FastPath.Drivers.Linux.AfPacket;
using FastPath.TestKit;
using FastPath.Wire.Checksums;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Tcp;

namespace FastPath.Drivers.Tests.AfPacket;

/// <summary>Completing a CHECKSUM_PARTIAL frame gives exactly the checksum a full computation gives.</summary>
public sealed class PartialChecksumTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1400)]
    public void A_udp_frame_with_only_the_pseudo_header_sum_gets_its_full_checksum(int payloadLength)
    {
        byte[] payload = Enumerable.Range(0, payloadLength).Select(i => (byte)(i * 7)).ToArray();
        byte[] complete = TestFrames.Udp(payload);
        byte[] partial = AsPartial(complete, checksumOffset: 14 + 20 + 6, IpProtocol.Udp);

        Assert.True(PartialChecksum.TryComplete(partial));
        Assert.Equal(complete, partial);
    }

    [Fact]
    public void A_tcp_frame_behind_a_vlan_tag_gets_its_full_checksum()
    {
        byte[] complete = TestFrames.Tcp(new TcpRepr { SourcePort = 1, DestinationPort = 2, Flags = TcpFlags.Ack, Window = 100 }, [1, 2, 3]);
        // Insert an 802.1Q tag after the MAC addresses.
        byte[] tagged = [.. complete[..12], 0x81, 0x00, 0x00, 0x05, .. complete[12..]];
        byte[] partial = AsPartial(tagged, checksumOffset: 18 + 20 + 16, IpProtocol.Tcp);

        Assert.True(PartialChecksum.TryComplete(partial));
        Assert.Equal(tagged, partial);
    }

    [Fact]
    public void Frames_that_are_not_ipv4_tcp_or_udp_are_left_alone()
    {
        byte[] icmp = TestFrames.IcmpEcho(1, 1, [9, 9]);
        byte[] copy = (byte[])icmp.Clone();
        Assert.False(PartialChecksum.TryComplete(copy));
        Assert.Equal(icmp, copy);
        Assert.False(PartialChecksum.TryComplete(new byte[10]));
    }

    /// <summary>What a CHECKSUM_PARTIAL sender leaves: the folded pseudo-header sum, not complemented, in the checksum field.</summary>
    private static byte[] AsPartial(byte[] frame, int checksumOffset, IpProtocol protocol)
    {
        byte[] partial = (byte[])frame.Clone();
        int ipOffset = new EthernetFrame(partial).HeaderLength;
        var ip = new Ipv4Packet(partial.AsSpan(ipOffset));
        uint pseudo = InternetChecksum.PseudoHeaderSum(ip.Source, ip.Destination, protocol, ip.TotalLength - ip.HeaderLength);
        BinaryPrimitives.WriteUInt16BigEndian(partial.AsSpan(checksumOffset), (ushort)pseudo);
        return partial;
    }
}
