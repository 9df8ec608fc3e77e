using FastPath.Engine.Memory;
using FastPath.Engine.Stack;
using FastPath.Engine.Tests.Stack;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Hardening;

/// <summary>
/// A UDP flood at a socket its application reads slowly: the socket's queue fills to its capacity and stays
/// there, every datagram beyond it is a socket_queue_full drop (sent = read + queued + dropped, exactly), and
/// a socket on another port, read promptly, gets every one of its datagrams.
/// </summary>
[Collection(nameof(FloodCollection))]
public class UdpFloodTests(ITestOutputHelper output)
{
    private const ushort SlowPort = 5000;
    private const ushort OtherPort = 6000;
    private const int OtherEvery = 50;
    private const long Rate = 1_000_000;

    [Fact]
    public void A_udp_flood_fills_a_slow_socket_to_its_bound_counts_every_drop_and_leaves_another_socket_unaffected()
    {
        var report = new FloodReport(output, "udp flood to a slow socket");
        using var h = new StackHarness();
        h.Sent();
        UdpSocket slow = h.Stack.Udp.Bind(SlowPort);
        UdpSocket other = h.Stack.Udp.Bind(OtherPort);
        byte[] toSlow = Frames.Udp(StackFrames.Pattern(64), destinationPort: SlowPort);
        byte[] toOther = Frames.Udp(StackFrames.Pattern(64, seed: 2), destinationPort: OtherPort);
        var replies = new Packet[64];
        long slowRead = 0, otherRead = 0, peerReceived = 0;
        int deepest = 0;
        var flood = new FloodInjector(h.Peer, h.Clock, () =>
        {
            h.Run();
            peerReceived += FloodInjector.DrainAndFree(h.Peer, replies);
            deepest = Math.Max(deepest, slow.QueuedCount);
            // The slow application: one datagram per burst of 32 that arrives.
            if (slow.TryReceive(out UdpReceived received))
            {
                slow.Release(received);
                slowRead++;
            }
            while (other.TryReceive(out UdpReceived datagram))
            {
                other.Release(datagram);
                otherRead++;
            }
        });
        FloodFrameWriter write = (frame, index) => FloodFrames.Copy(frame, index % OtherEvery == 0 ? toOther : toSlow);

        const long warmUp = 50_000, total = 500_000;
        flood.Flood(0, warmUp, Rate, write);
        report.StartMeasuring();
        flood.Flood(warmUp, total - warmUp, Rate, write);
        report.AssertMemoryFlat(allocationBudget: 0, heapBudget: 64 * 1024);

        long otherSent = (total + OtherEvery - 1) / OtherEvery;
        long slowSent = total - otherSent;
        StackCountersSnapshot counters = h.Stack.GetCounters();
        long queueFull = counters.Dropped(StackDropReason.SocketQueueFull);
        report.Log($"{total} datagrams at {Rate}/s: slow socket got {slowSent}, read {slowRead}, queued {slow.QueuedCount} "
            + $"(capacity {slow.QueueCapacity}), socket_queue_full {queueFull}; other socket sent {otherSent}, read {otherRead}");
        Assert.Equal(h.Stack.Config.UdpQueueCapacity, slow.QueueCapacity);
        Assert.Equal(slow.QueueCapacity, deepest);
        // Full after every burst; the application read one since.
        Assert.InRange(slow.QueuedCount, slow.QueueCapacity - 1, slow.QueueCapacity);
        Assert.Equal(slowSent - slowRead - slow.QueuedCount, queueFull);
        Assert.Equal(queueFull, slow.Dropped);
        Assert.Equal(queueFull, counters.DropsTotal);
        Assert.Equal(otherSent, otherRead);
        Assert.Equal(0, other.Dropped);
        Assert.Equal(counters.RxPackets, counters.UdpReceived + counters.DropsTotal);
        Assert.Equal(0, peerReceived);

        while (slow.TryReceive(out UdpReceived left)) slow.Release(left);
        h.AssertAllFramesReturned();
        report.AssertFinishedWithin(TimeSpan.FromSeconds(60));
    }
}
