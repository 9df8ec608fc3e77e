using System.Diagnostics;
using System.Net.Sockets;
using FastPath.Drivers.Linux.Devices;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.TestKit;

namespace FastPath.Drivers.Tests.Faults;

/// <summary>
/// The port's interface disappears under traffic: deleted with <c>ip link del</c> (a kernel sender in the
/// peer namespace running), or taken with the peer namespace (<c>ip netns del</c>, with nothing left in it to
/// keep it alive, so the kernel destroys the veth pair). The port says so with a
/// <see cref="LinkGoneException"/> (sendto: ENXIO once the netdev notifier unbound the socket, or the idle
/// link check: ENODEV), disposes cleanly, and leaves no BPF object, link or namespace behind.
/// </summary>
[Collection(DriverFaultCollection.Name)]
public sealed class LinkGoneTests
{
    private static readonly TimeSpan Before = TimeSpan.FromSeconds(0.5);

    [Theory]
    [InlineData(FaultDriver.AfXdpNative, false)]
    [InlineData(FaultDriver.AfXdpGeneric, false)]
    [InlineData(FaultDriver.AfPacket, false)]
    [InlineData(FaultDriver.AfXdpNative, true)]
    [InlineData(FaultDriver.AfXdpGeneric, true)]
    [InlineData(FaultDriver.AfPacket, true)]
    public void An_interface_deleted_under_traffic_is_reported_gone_and_disposes_clean(FaultDriver driver, bool deleteNamespace)
    {
        int bpfBefore = FaultLab.OpenBpfObjects();
        using var lab = NetLab.Create();
        // The namespace must not be kept alive by a socket of ours, or deleting it would not take the veth:
        // then the only traffic from the peer is its kernel's answers (ICMP port unreachable) to ours.
        Socket? peer = deleteNamespace ? null : lab.OpenPeerUdp(7300);
        IPacketPort port = FaultLab.Open(driver, lab, ringSize: 256, frameCount: 2048);
        FaultLab.WaitUntil(() => port.CheckLink().State == LinkState.Up, () => $"the new link is {port.Link}");
        using var sender = peer is null ? null : new PeerSender(peer, lab.LocalEndPoint(9000));

        byte[] frame = FaultLab.UdpToPeer(lab);
        var burst = new Packet[8];
        var received = new Packet[64];
        int staged = 0;
        long receivedTotal = 0;
        bool deleted = false;
        LinkGoneException? gone = null;
        string? thrownBy = null;
        var clock = Stopwatch.StartNew();
        while (gone is null)
        {
            if (!deleted && clock.Elapsed >= Before && receivedTotal > 0)
            {
                if (deleteNamespace) FaultLab.Ip("netns", "delete", lab.Namespace);
                else FaultLab.Ip("link", "delete", "dev", lab.LocalInterface);
                deleted = true;
            }
            string step = "Transmit";
            try
            {
                staged = FaultLab.Stage(port, frame, burst, staged, burst.Length);
                int taken = port.Transmit(burst.AsSpan(0, staged));
                burst.AsSpan(taken, staged - taken).CopyTo(burst);
                staged -= taken;
                step = "Flush";
                port.Flush();
                step = "Receive";
                int got = port.Receive(received);
                port.Pool.Free(received.AsSpan(0, got));
                receivedTotal += got;
            }
            catch (LinkGoneException e)
            {
                gone = e;
                thrownBy = step;
            }
            Thread.Sleep(1);
            if (clock.Elapsed > FaultLab.Patience) Assert.Fail($"the port never reported its link gone: {port.Link}, {port.Stats}");
        }
        sender?.Dispose();
        port.Pool.Free(burst.AsSpan(0, staged));
        PortLink link = port.Link;
        PortStats stats = port.Stats;
        int heldBeforeDispose = FaultLab.HeldByPort(port);
        port.Dispose();
        int availableAfterDispose = port.Pool.Available;
        FaultLab.Log($"{driver} ({port.Info.Mode}), {(deleteNamespace ? "peer namespace deleted" : "ip link del")}: {thrownBy} threw \"{gone.Message}\"; "
            + $"link {link}; stats {stats}; held by the port before dispose {heldBeforeDispose}, pool after dispose {availableAfterDispose}/{port.Pool.Capacity}");

        Assert.Equal(lab.LocalInterface, gone.InterfaceName);
        Assert.Equal(LinkState.Gone, link.State);
        Assert.Equal(1, link.Downs);
        Assert.Equal(1, stats.LinkDowns);
        Assert.True(stats.TxPackets > 0 && stats.RxPackets > 0, "traffic ran both ways before the fault");
        Assert.Equal(port.Pool.Capacity, availableAfterDispose); // every frame back, the kernel's included
        Assert.Equal(LinkState.Gone, port.CheckLink().State);    // a disposed port still answers, and does not throw
        Assert.False(FaultLab.LinkExists(lab.LocalInterface), "the local end is gone");
        if (deleteNamespace) Assert.False(File.Exists($"/var/run/netns/{lab.Namespace}"), "the namespace is gone");
        Assert.Equal(bpfBefore, FaultLab.OpenBpfObjects());
    }
}
