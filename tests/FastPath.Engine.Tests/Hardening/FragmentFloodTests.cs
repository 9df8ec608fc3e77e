using FastPath.Engine.Memory;
using FastPath.Engine.Stack;
using FastPath.Engine.Tests.Stack;
using FastPath.Wire.Ipv4;

namespace FastPath.Engine.Tests.Hardening;

/// <summary>
/// A flood of first fragments that never complete, each of its own datagram (random sources and IDs):
/// reassembly stays within its datagram count and byte bounds, the oldest partial datagram is the one
/// evicted (one reassembly_overflow per datagram), and a real fragmented echo request whose fragments arrive
/// together in the middle of the flood is still rebuilt and answered.
/// </summary>
[Collection(nameof(FloodCollection))]
public class FragmentFloodTests(ITestOutputHelper output)
{
    private const long Rate = 1_000_000;
    private const int LegitimateEvery = 10_000;

    public static TheoryData<int, int> Bounds => new()
    {
        // The defaults: 16 datagrams bind first (16 x 1544 B is far below 1 MiB).
        { 16, 1 << 20 },
        // Many datagrams, little memory: the byte bound binds first (about 21 first fragments of 1480 B).
        { 64, 32 * 1024 },
    };

    [Theory]
    [MemberData(nameof(Bounds))]
    public void A_fragment_flood_stays_within_the_reassembly_bounds_and_a_real_fragmented_datagram_still_gets_through(int maxReassemblies, int memoryLimit)
    {
        var report = new FloodReport(output, $"fragment flood, {maxReassemblies} datagrams / {memoryLimit} B");
        using var h = new StackHarness(new InterfaceConfig
        {
            Address = new Ipv4Cidr(StackHarness.StackIp, 24),
            MaxReassemblies = maxReassemblies,
            ReassemblyMemoryLimit = memoryLimit,
        });
        // The stack learns the peer's MAC, so replies to the real requests leave at once.
        h.Inject(StackFrames.ArpRequestForStack());
        h.Sent();

        byte[] partial = StackFrames.Fragment(IpProtocol.Udp, StackFrames.Pattern(2960), 0, 1480, last: false);
        const int legitimateData = 2992;
        var replies = new Packet[64];
        long peerFrames = 0;
        int mostActive = 0, mostBytes = 0;
        var flood = new FloodInjector(h.Peer, h.Clock, () =>
        {
            h.Run();
            peerFrames += FloodInjector.DrainAndFree(h.Peer, replies);
            mostActive = Math.Max(mostActive, h.Stack.ReassembliesActive);
            mostBytes = Math.Max(mostBytes, h.Stack.ReassemblyHeldBytes);
        });
        FloodFrameWriter write = (frame, index) =>
        {
            int length = FloodFrames.Copy(frame, partial);
            uint random = FloodFrames.Scatter(index);
            // 172.16.0.0/12 sources (never ours, a broadcast or a group) and IDs from one bijection: every key differs.
            FloodFrames.SetIpv4Source(frame, 0xAC10_0000u | (random & 0x000F_FFFF));
            FloodFrames.SetIpv4Identification(frame, (ushort)(random >> 16));
            FloodFrames.FillIpv4Checksum(frame);
            return length;
        };

        // A ping -s 2992 cut in three: its fragments come back to back, as a real sender emits them.
        var legitimate = new List<byte[][]>();
        for (int i = 0; i < 20; i++)
        {
            byte[] message = StackFrames.EchoMessage(0x99, (ushort)i, StackFrames.Pattern(legitimateData, seed: i + 3));
            ushort id = (ushort)(0x5000 + i);
            legitimate.Add(
            [
                StackFrames.Fragment(IpProtocol.Icmp, message, 0, 1480, last: false, identification: id),
                StackFrames.Fragment(IpProtocol.Icmp, message, 1480, 1480, last: false, identification: id),
                StackFrames.Fragment(IpProtocol.Icmp, message, 2960, message.Length - 2960, last: true, identification: id),
            ]);
        }
        int sentLegitimate = 0;
        long legitimateAt = LegitimateEvery;
        Action<long> interleave = next =>
        {
            if (next < legitimateAt || sentLegitimate == legitimate.Count) return;
            legitimateAt += LegitimateEvery;
            flood.SendTogether(legitimate[sentLegitimate++]);
        };

        const long warmUp = 20_000, total = 200_000;
        flood.Flood(0, warmUp, Rate, write, interleave);
        report.StartMeasuring();
        flood.Flood(warmUp, total - warmUp, Rate, write, interleave);
        report.AssertMemoryFlat(allocationBudget: 0, heapBudget: 64 * 1024);

        StackCountersSnapshot counters = h.Stack.GetCounters();
        int active = h.Stack.ReassembliesActive;
        long overflow = counters.Dropped(StackDropReason.ReassemblyOverflow);
        report.Log($"{total} partial datagrams at {Rate}/s: at most {mostActive} in reassembly holding {mostBytes} B; "
            + $"reassembly_overflow {overflow}; {sentLegitimate} real fragmented echo requests, {counters.EchoReplies} answered");
        Assert.InRange(mostActive, 1, maxReassemblies);
        Assert.InRange(mostBytes, 1, memoryLimit);
        // Which bound binds: the slots are all used, or the bytes are (within one fragment's charge).
        if (maxReassemblies * (1480 + Ipv4Reassembler.FragmentOverhead) <= memoryLimit) Assert.Equal(maxReassemblies, mostActive);
        else Assert.InRange(mostBytes, memoryLimit - (1480 + Ipv4Reassembler.FragmentOverhead), memoryLimit);
        Assert.Equal(legitimate.Count, sentLegitimate);
        Assert.Equal(sentLegitimate, counters.Reassembled);
        Assert.Equal(sentLegitimate, counters.EchoReplies);
        // Each real reply is 3000 B of ICMP: three fragments back.
        Assert.Equal(3L * sentLegitimate, peerFrames);
        Assert.Equal(total + 3L * sentLegitimate, counters.FragmentsReceived);
        // Every flood datagram opened a slot; all but those still open were evicted, once each; the real ones never.
        Assert.Equal(total - active, overflow);
        Assert.Equal(overflow, counters.DropsTotal);

        // What is left times out (one fragment_timeout per datagram) and reassembly is empty again.
        h.Advance(h.Stack.Config.ReassemblyTimeout + TimeSpan.FromSeconds(1));
        counters = h.Stack.GetCounters();
        Assert.Equal(active, counters.Dropped(StackDropReason.FragmentTimeout));
        Assert.Equal((0, 0), (h.Stack.ReassembliesActive, h.Stack.ReassemblyHeldBytes));
        h.AssertAllFramesReturned();
        report.AssertFinishedWithin(TimeSpan.FromSeconds(60));
    }
}
