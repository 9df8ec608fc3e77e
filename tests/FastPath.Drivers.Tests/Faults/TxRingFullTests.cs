using System.Diagnostics;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.TestKit;

namespace FastPath.Drivers.Tests.Faults;

/// <summary>
/// The TX ring stays full for seconds because the kernel refuses to send: the port's interface is down, so
/// every kick gets ENETDOWN (AF_XDP's __xsk_sendmsg and AF_PACKET's tpacket_snd both check IFF_UP before
/// taking a descriptor) and the descriptors stay queued. The application keeps calling Transmit.
/// </summary>
/// <remarks>
/// Why not a full completion ring: in copy mode on veth the skb's destructor (which posts the completion)
/// runs as soon as the peer's IP layer orphans it (ip_rcv_core), so completions never pile up; and the
/// port reaps them on every Transmit. A down link is the kernel reason that holds a ring full for as long
/// as we like, on every driver.
/// </remarks>
[Collection(DriverFaultCollection.Name)]
public sealed class TxRingFullTests
{
    private const int Total = 3000;
    private const int SentBeforeTheFault = 500;
    private static readonly TimeSpan FaultLength = TimeSpan.FromSeconds(2.5);

    [Theory]
    [InlineData(FaultDriver.AfXdpNative)]
    [InlineData(FaultDriver.AfXdpGeneric)]
    [InlineData(FaultDriver.AfPacket)]
    public void A_tx_ring_full_for_seconds_takes_partial_bursts_and_loses_nothing(FaultDriver driver)
    {
        using var lab = NetLab.Create();
        using IPacketPort port = FaultLab.Open(driver, lab, ringSize: 64, frameCount: 512);
        byte[] frame = FaultLab.UdpToPeer(lab);
        FaultLab.WaitUntil(() => port.CheckLink().State == LinkState.Up, () => $"the new link is {port.Link}");
        LinkCounters peerBefore = FaultLab.PeerCounters(lab);
        LinkCounters localBefore = FaultLab.LocalCounters(lab);

        // 24 does not divide the 64-entry ring, so the burst that fills it is taken in part.
        Span<Packet> burst = stackalloc Packet[24];
        int staged = 0;
        int sent = 0;
        long callsWhileFull = 0;
        long tookNothing = 0;
        long tookPart = 0;
        Stopwatch? outage = null;
        bool down = false;
        var clock = Stopwatch.StartNew();
        while (sent < Total)
        {
            if (outage is null && sent >= SentBeforeTheFault)
            {
                FaultLab.SetLink(lab.LocalInterface, up: false);
                down = true;
                outage = Stopwatch.StartNew();
            }
            else if (down && outage!.Elapsed >= FaultLength)
            {
                FaultLab.SetLink(lab.LocalInterface, up: true);
                down = false;
            }

            staged = FaultLab.Stage(port, frame, burst, staged, Total - sent);
            int taken = port.Transmit(burst[..staged]);
            // What was not taken still belongs to us: it moves to the front and is offered again.
            burst[taken..staged].CopyTo(burst);
            if (down && sent + taken > SentBeforeTheFault)
            {
                callsWhileFull += taken < staged ? 1 : 0;
                tookNothing += taken == 0 ? 1 : 0;
                tookPart += taken > 0 && taken < staged ? 1 : 0;
            }
            staged -= taken;
            sent += taken;
            port.Flush();
            if (taken == 0) Thread.Sleep(1);
            if (clock.Elapsed > FaultLab.Patience) Assert.Fail($"the port took {sent} of {Total} frames");
        }
        PortLink linkAfter = port.CheckLink();
        FaultLab.DrainTransmit(port);
        FaultLab.WaitUntil(() => (FaultLab.PeerCounters(lab) - peerBefore).RxPackets >= Total,
            () => $"the peer received {(FaultLab.PeerCounters(lab) - peerBefore).RxPackets} of {Total}");
        Thread.Sleep(200); // a duplicate would arrive now
        LinkCounters peer = FaultLab.PeerCounters(lab) - peerBefore;
        LinkCounters local = FaultLab.LocalCounters(lab) - localBefore;
        PortStats stats = port.Stats;
        FaultLab.Log($"{driver} ({port.Info.Mode}): down {outage!.Elapsed.TotalSeconds:F1} s; Transmit calls while full {callsWhileFull} (took nothing {tookNothing}, part {tookPart}); "
            + $"stats {stats}; peer rx {peer.RxPackets}; local tx {local.TxPackets} tx_dropped {local.TxDropped}; link {linkAfter}");

        Assert.Equal(Total, stats.TxPackets);
        Assert.Equal(Total, peer.RxPackets);       // every frame arrived once: none lost, none sent twice
        Assert.Equal(0, local.TxDropped);
        Assert.True(tookNothing > 0, "Transmit returned 0 while the ring was full (and came back: it never blocks)");
        Assert.True(tookPart > 0, "the burst that filled the ring was taken in part");
        Assert.True(stats.TxRingFull >= callsWhileFull && callsWhileFull > 0, $"TxRingFull {stats.TxRingFull} counts the {callsWhileFull} short calls");
        Assert.True(stats.TxLinkDown > 0, "the kicks the kernel refused are counted");
        Assert.Equal(1, stats.LinkDowns);
        // IFF_RUNNING follows carrier through linkwatch, a moment after IFF_UP: wait for it rather than race it.
        FaultLab.WaitUntil(() => port.CheckLink().State == LinkState.Up, () => $"the port never saw its link up again: {port.Link}");
        FaultLab.AssertPoolAccounts(port);
    }
}
