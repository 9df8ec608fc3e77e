using System.Net.Sockets;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.TestKit;

namespace FastPath.Drivers.Tests.Faults;

/// <summary>
/// The application holds every frame it receives and frees none while the kernel peer sends: the pool runs
/// dry, the kernel has nowhere to put frames (AF_XDP: an empty fill ring, rx_fill_ring_empty_descs and
/// rx_dropped; AF_PACKET: a full block ring, tp_drops). Once the frames are freed, reception resumes on the
/// same port, and received + dropped is exactly what the peer's interface sent.
/// </summary>
[Collection(DriverFaultCollection.Name)]
public sealed class FillRingEmptyTests
{
    private const int SentWhileHeld = 1500;
    private const int SentAfter = 400;
    private const int PeerBatch = 20;

    [Theory]
    [InlineData(FaultDriver.AfXdpNative)]
    [InlineData(FaultDriver.AfXdpGeneric)]
    [InlineData(FaultDriver.AfPacket)]
    public void A_pool_held_by_the_application_drops_by_reason_and_reception_resumes_when_freed(FaultDriver driver)
    {
        using var lab = NetLab.Create();
        using Socket peer = lab.OpenPeerUdp(7100);
        // AF_XDP: 128 frames, 64 of them in the fill ring. AF_PACKET: 64 pool frames, and a ring of 8 blocks
        // of one page (a few hundred small frames) that fills once the pool is dry.
        using IPacketPort port = FaultLab.Open(driver, lab, ringSize: 64, frameCount: driver == FaultDriver.AfPacket ? 64 : 128,
            rxBlockCount: 8, rxBlockSize: 4096);
        LinkCounters peerBefore = FaultLab.PeerCounters(lab);
        var held = new List<Packet>();
        var burst = new Packet[64];
        byte[] payload = new byte[18];

        for (int i = 0; i < SentWhileHeld; i += PeerBatch)
        {
            for (int j = 0; j < PeerBatch; j++) peer.SendTo(payload, lab.LocalEndPoint(9000));
            int received;
            while ((received = port.Receive(burst)) > 0) held.AddRange(burst.AsSpan(0, received));
        }
        PortStats whileHeld = port.Stats;
        int heldCount = held.Count;
        FaultLab.AssertPoolAccounts(port, applicationHeld: heldCount);
        Assert.Equal(0, port.Pool.Available);

        port.Pool.Free(held.ToArray());
        held.Clear();
        long receivedAfterFree = 0;
        // What the ring kept while the pool was dry comes first; then the peer sends again, in small batches.
        receivedAfterFree += FaultLab.ReceiveAndFree(port, burst);
        for (int i = 0; i < SentAfter; i += PeerBatch)
        {
            for (int j = 0; j < PeerBatch; j++) peer.SendTo(payload, lab.LocalEndPoint(9000));
            receivedAfterFree += FaultLab.ReceiveAndFree(port, burst);
        }
        LinkCounters sent = FaultLab.PeerCounters(lab) - peerBefore;
        FaultLab.WaitUntil(() =>
        {
            receivedAfterFree += FaultLab.ReceiveAndFree(port, burst);
            return heldCount + receivedAfterFree + port.Stats.RxDropped >= sent.TxPackets;
        }, () => $"received {heldCount}+{receivedAfterFree}, dropped {port.Stats.RxDropped}, of {sent.TxPackets} sent");
        Thread.Sleep(200);
        receivedAfterFree += FaultLab.ReceiveAndFree(port, burst);

        PortStats stats = port.Stats;
        FaultLab.Log($"{driver} ({port.Info.Mode}): peer sent {sent.TxPackets} (tx_dropped {sent.TxDropped}); held {heldCount} frames (the whole pool); "
            + $"while held: {whileHeld}; after freeing received {receivedAfterFree}; final {stats}");

        Assert.Equal(SentWhileHeld + SentAfter, sent.TxPackets);
        Assert.Equal(0, sent.TxDropped);
        Assert.Equal(sent.TxPackets, stats.RxPackets + stats.RxDropped); // every frame received or dropped for a counted reason
        Assert.Equal(heldCount + receivedAfterFree, stats.RxPackets);
        Assert.True(whileHeld.RxDropped > 0, "frames were dropped while the pool was dry");
        Assert.True(whileHeld.FillRingEmpty > 0, "the empty fill ring (or dry pool) was counted");
        Assert.Equal(whileHeld.RxDropped, stats.RxDropped); // once freed, nothing more was lost
        Assert.True(receivedAfterFree >= SentAfter, $"reception resumed: {receivedAfterFree} received after freeing");
        Assert.Equal(0, stats.RxInvalid);
        FaultLab.AssertPoolAccounts(port);
    }
}
