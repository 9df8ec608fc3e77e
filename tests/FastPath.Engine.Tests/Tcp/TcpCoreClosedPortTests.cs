using FastPath.Engine.Stack;
using FastPath.Engine.Tests.Stack;
using FastPath.Wire.Ethernet;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Tcp;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Tcp;

/// <summary>RFC 9293 section 3.10.7.1: a segment to a port nobody listens on gets a RST (never a RST for a RST).</summary>
public class TcpCoreClosedPortTests
{
    private static TcpRepr ParseSent(byte[] frame, out Ipv4Address destination)
    {
        var eth = new EthernetFrame(frame);
        Assert.True(Ipv4Packet.TryParse(eth.Payload, out Ipv4Packet ip));
        Assert.Equal(IpProtocol.Tcp, ip.Protocol);
        destination = ip.Destination;
        Span<byte> segment = ip.Payload;
        Assert.True(new TcpPacket(segment).VerifyChecksum(ip.Source, ip.Destination));
        Assert.True(TcpRepr.TryParse(new TcpPacket(segment), out TcpRepr repr));
        return repr;
    }

    private static StackHarness Resolved()
    {
        var h = new StackHarness();
        h.Inject(StackFrames.ArpRequestForStack());
        h.Sent();
        return h;
    }

    [Fact]
    public void A_syn_to_a_closed_port_gets_rst_ack_for_seq_plus_one()
    {
        using var h = Resolved();
        h.Inject(Frames.TcpSyn(sourcePort: 40000, destinationPort: 80, sequence: 1000));
        TcpRepr rst = ParseSent(h.SentSingle(), out Ipv4Address to);
        Assert.Equal(StackHarness.PeerIp, to);
        Assert.Equal(TcpFlags.Rst | TcpFlags.Ack, rst.Flags);
        Assert.Equal((ushort)80, rst.SourcePort);
        Assert.Equal((ushort)40000, rst.DestinationPort);
        Assert.Equal(0u, rst.SequenceNumber);
        Assert.Equal(1001u, rst.AcknowledgmentNumber);
        Assert.Equal(1, h.Dropped(StackDropReason.NoSocket));
        Assert.Equal(1, h.Stack.Tcp.GetCounters().ResetsSent);
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void An_ack_to_a_closed_port_gets_a_rst_with_its_ack_as_sequence()
    {
        using var h = Resolved();
        h.Inject(Frames.Tcp(new TcpRepr { SourcePort = 40001, DestinationPort = 81, SequenceNumber = 5, AcknowledgmentNumber = 777, Flags = TcpFlags.Ack, Window = 100 }, [1, 2, 3]));
        TcpRepr rst = ParseSent(h.SentSingle(), out _);
        Assert.Equal(TcpFlags.Rst, rst.Flags);
        Assert.Equal(777u, rst.SequenceNumber);
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_rst_to_a_closed_port_is_not_answered()
    {
        using var h = Resolved();
        h.Inject(Frames.Tcp(new TcpRepr { SourcePort = 40001, DestinationPort = 81, SequenceNumber = 5, Flags = TcpFlags.Rst }, []));
        Assert.Empty(h.Sent());
        Assert.Equal(1, h.Dropped(StackDropReason.NoSocket));
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void A_segment_with_a_bad_checksum_is_dropped_silently()
    {
        using var h = Resolved();
        byte[] frame = Frames.TcpSyn();
        frame[^1] ^= 0x5A;
        h.Inject(frame);
        Assert.Empty(h.Sent());
        Assert.Equal(1, h.Dropped(StackDropReason.BadChecksum));
        h.AssertAllFramesReturned();
    }
}
