using System.Diagnostics;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.TestKit;

namespace FastPath.Drivers.Tests.Faults;

/// <summary>
/// The far end goes down (the peer's veth end, so ours loses carrier: IFF_UP stays, IFF_RUNNING goes) for
/// about 1.5 s while the port transmits. Unlike an administrative down, the kernel does not refuse the
/// kick: AF_XDP copy mode hands the frame to __dev_direct_xmit, which drops it for want of carrier, completes
/// it and returns EBUSY (one frame per kick, in the interface's tx_dropped); AF_PACKET's tpacket_snd puts
/// the frame back to SEND_REQUEST and retries it on the next kick (tx_dropped counts attempts, not frames).
/// The port reports the lost carrier as Down, stops kicking while it is down, and counts the frames the
/// kernel dropped before it knew (TxDropped, equal to the interface's count).
/// </summary>
[Collection(DriverFaultCollection.Name)]
public sealed class CarrierLossTests
{
    private const int Total = 1200;
    private const int SentBeforeTheFault = 200;
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(1.5);

    [Theory]
    [InlineData(FaultDriver.AfXdpNative)]
    [InlineData(FaultDriver.AfXdpGeneric)]
    [InlineData(FaultDriver.AfPacket)]
    public void A_lost_carrier_is_reported_and_every_frame_is_delivered_or_counted(FaultDriver driver)
    {
        using var lab = NetLab.Create();
        using IPacketPort port = FaultLab.Open(driver, lab, ringSize: 256, frameCount: 1024);
        FaultLab.WaitUntil(() => port.CheckLink().State == LinkState.Up, () => $"the new link is {port.Link}");
        byte[] frame = FaultLab.UdpToPeer(lab);
        LinkCounters peerBefore = FaultLab.PeerCounters(lab);
        LinkCounters localBefore = FaultLab.LocalCounters(lab);

        var burst = new Packet[8];
        int staged = 0;
        int sent = 0;
        var states = new List<LinkState> { LinkState.Up };
        Stopwatch? outage = null;
        bool cameBack = false;
        var clock = Stopwatch.StartNew();
        while (sent < Total || !cameBack || states[^1] != LinkState.Up)
        {
            if (outage is null && sent >= SentBeforeTheFault)
            {
                FaultLab.Ip("-n", lab.Namespace, "link", "set", "dev", lab.PeerInterface, "down");
                outage = Stopwatch.StartNew();
            }
            else if (outage != null && !cameBack && outage.Elapsed >= Outage)
            {
                FaultLab.Ip("-n", lab.Namespace, "link", "set", "dev", lab.PeerInterface, "up");
                cameBack = true;
            }
            staged = FaultLab.Stage(port, frame, burst, staged, Math.Min(burst.Length, Total - sent));
            int taken = port.Transmit(burst.AsSpan(0, staged));
            burst.AsSpan(taken, staged - taken).CopyTo(burst);
            staged -= taken;
            sent += taken;
            port.Flush();
            LinkState state = port.CheckLink().State;
            if (state != states[^1]) states.Add(state);
            Thread.Sleep(1);
            if (clock.Elapsed > FaultLab.Patience) Assert.Fail($"took {sent} of {Total}; states {string.Join(" -> ", states)}; {port.Stats}");
        }
        FaultLab.DrainTransmit(port);
        PortStats stats = port.Stats;
        FaultLab.WaitUntil(() => (FaultLab.PeerCounters(lab) - peerBefore).RxPackets + stats.TxDropped >= Total,
            () => $"the peer received {(FaultLab.PeerCounters(lab) - peerBefore).RxPackets} of {Total} ({port.Stats})");
        Thread.Sleep(200);
        stats = port.Stats;
        LinkCounters peer = FaultLab.PeerCounters(lab) - peerBefore;
        LinkCounters local = FaultLab.LocalCounters(lab) - localBefore;
        FaultLab.Log($"{driver} ({port.Info.Mode}): peer down {Outage.TotalSeconds:F1} s (port measured {port.Link.LastOutage.TotalSeconds:F2} s); states {string.Join(" -> ", states)}; "
            + $"peer {peer}; local {local}; port {stats}");

        Assert.Equal([LinkState.Up, LinkState.Down, LinkState.Up], states);
        Assert.Equal(1, stats.LinkDowns);
        Assert.Equal(Total, stats.TxPackets);
        // Every frame the port took reached the peer, or was dropped by the kernel and counted by the port.
        Assert.Equal(Total, peer.RxPackets + stats.TxDropped);
        if (driver == FaultDriver.AfPacket)
        {
            Assert.Equal(0, stats.TxDropped); // tpacket_snd retries the refused frame: nothing lost
        }
        else
        {
            Assert.Equal(local.TxDropped, stats.TxDropped); // the port's count is the kernel's
            Assert.True(stats.TxDropped < 32, $"the port stopped kicking once it saw the carrier go ({stats.TxDropped} dropped before)");
        }
        FaultLab.AssertPoolAccounts(port);
    }

    /// <summary>
    /// A link without carrier when the port opens (the peer's end is down) and up later is not an outage the
    /// port lived through: no down is counted and no outage is timed (LastOutage was that wait, with Downs 0).
    /// </summary>
    [Fact]
    public void A_link_without_carrier_at_open_is_neither_counted_nor_timed_as_an_outage()
    {
        using var lab = NetLab.Create();
        FaultLab.Ip("-n", lab.Namespace, "link", "set", "dev", lab.PeerInterface, "down");
        using IPacketPort port = FaultLab.Open(FaultDriver.AfPacket, lab);
        FaultLab.WaitUntil(() => port.CheckLink().State == LinkState.Down, () => $"the link without carrier is {port.Link}");
        FaultLab.Ip("-n", lab.Namespace, "link", "set", "dev", lab.PeerInterface, "up");
        FaultLab.WaitUntil(() => port.CheckLink().State == LinkState.Up, () => $"the link with carrier again is {port.Link}");

        Assert.Equal(new PortLink(LinkState.Up, 0, TimeSpan.Zero), port.Link);
        Assert.Equal(0, port.Stats.LinkDowns);
    }
}
