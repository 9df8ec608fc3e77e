using System.Net.Sockets;
using FastPath.Drivers.Linux.AfXdp;
using FastPath.Engine.Memory;
using FastPath.TestKit;

namespace FastPath.Drivers.Tests.AfXdp;

/// <summary>The idle path: a port sleeps in poll(2) until the kernel has a frame for it.</summary>
public sealed class AfXdpWaitTests
{
    [Fact]
    public void WaitForReceive_times_out_with_nothing_and_wakes_when_a_frame_arrives()
    {
        using var lab = NetLab.Create();
        using Socket peer = lab.OpenPeerUdp(7010);
        using var port = AfXdpPort.Open(lab.LocalInterface);

        Assert.False(port.WaitForReceive(50));

        peer.SendTo(new byte[16], lab.LocalEndPoint(9));
        Assert.True(port.WaitForReceive(5000), "poll did not report the frame the peer sent");
        var packets = new Packet[8];
        int received = port.Receive(packets);
        Assert.Equal(1, received);
        port.Pool.Free(packets.AsSpan(0, received));
    }
}
