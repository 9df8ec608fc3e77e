using System.Net.Sockets;
using FastPath.Drivers.Linux.AfXdp;
using FastPath.Engine.Memory;
using FastPath.TestKit;

namespace FastPath.Drivers.Tests.AfXdp;

/// <summary>Closing a port gives back every frame the kernel's rings held, so the pool shows only what the application kept.</summary>
public sealed class AfXdpShutdownTests
{
    [Fact]
    public void After_dispose_the_pool_counts_only_the_frames_the_application_kept()
    {
        using var lab = NetLab.Create();
        using Socket peer = lab.OpenPeerUdp(7020);
        var port = AfXdpPort.Open(lab.LocalInterface);
        FramePool pool = port.Pool;
        Assert.True(pool.InUse > 0, "an open port lends frames to the fill ring");

        for (int i = 0; i < 5; i++) peer.SendTo(new byte[32], lab.LocalEndPoint(9));
        var kept = AfXdpLab.ReceiveUntil(port, 5, _ => true);
        Assert.Equal(5, kept.Count);
        // Three more arrive and stay unread in the RX ring.
        for (int i = 0; i < 3; i++) peer.SendTo(new byte[32], lab.LocalEndPoint(9));
        Assert.True(port.WaitForReceive(5000));

        port.Dispose();
        Assert.Equal(5, pool.InUse);
    }
}
