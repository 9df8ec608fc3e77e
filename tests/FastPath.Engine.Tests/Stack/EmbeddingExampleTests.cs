using FastPath.Engine.Stack;
using FastPath.Wire.Ipv4;
using FastPath.Wire.Udp;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Stack;

/// <summary>The embedding example of the README: a UDP echo service is a stack, a bind and a send.</summary>
public class EmbeddingExampleTests
{
    /// <summary>The whole application, as a worker runs it on its port.</summary>
    private static NetworkStack UdpEcho(Ipv4Cidr address, ushort port = 7)
    {
        var stack = new NetworkStack(new InterfaceConfig { Address = address });
        stack.Udp.Bind(port, (socket, datagram) => socket.SendTo(datagram.Payload, datagram.From));
        return stack;
    }

    [Fact]
    public void The_udp_echo_example_echoes()
    {
        // The harness drives the stack as a Worker would: Start, then Receive/Poll per loop, Stop.
        using var h = new StackHarness(stack: UdpEcho(new Ipv4Cidr(StackHarness.StackIp, 24)));
        h.Inject(StackFrames.ArpRequestForStack());
        h.Sent();
        h.Inject(Frames.Udp([1, 2, 3, 4], sourcePort: 5555, destinationPort: 7));
        byte[] reply = h.SentSingle();
        Assert.True(Ipv4Packet.TryParse(reply.AsSpan(14), out var ip));
        Assert.True(UdpPacket.TryParse(ip.Payload, out var udp));
        Assert.Equal((StackHarness.StackIp, StackHarness.PeerIp), (ip.Source, ip.Destination));
        Assert.Equal(((ushort)7, (ushort)5555), (udp.SourcePort, udp.DestinationPort));
        Assert.Equal(new byte[] { 1, 2, 3, 4 }, udp.Payload.ToArray());
        h.AssertAllFramesReturned();
    }
}
