using System.Buffers.Binary;
using FastPath.Engine.Ports;
using FastPath.Engine.Stack;
using FastPath.Wire.Icmp;
using FastPath.Wire.Ipv4;
using Frames = FastPath.TestKit.TestFrames;

namespace FastPath.Engine.Tests.Stack;

public class FaultyLinkTests
{
    [Fact]
    public void Over_a_lossy_reordering_corrupting_link_every_reply_is_right_and_every_request_is_accounted_for()
    {
        var faults = new FaultOptions { Seed = 42, LossRate = 0.1, DuplicateRate = 0.1, ReorderRate = 0.2, CorruptRate = 0.05 };
        using var h = new StackHarness(peerFaults: faults);
        h.Sent();
        const int requests = 3000;
        var sent = new List<byte[]>();
        for (ushort sequence = 0; sequence < requests; sequence++)
        {
            h.Inject(StackFrames.EchoRequest(0x42, sequence, StackFrames.Pattern(56, sequence)));
            if (sequence % 64 == 0) sent.AddRange(h.Sent());
        }
        // Frames held back for reordering go out once their timeout passes.
        Thread.Sleep(50);
        h.Peer.Flush();
        h.Run();
        sent.AddRange(h.Sent());

        var answered = new HashSet<ushort>();
        int replies = 0;
        foreach (byte[] frame in sent)
        {
            replies++;
            Assert.True(Ipv4Packet.TryParse(frame.AsSpan(14), out var ip));
            Assert.True(ip.VerifyChecksum());
            Assert.Equal((StackHarness.StackIp, StackHarness.PeerIp), (ip.Source, ip.Destination));
            var icmp = new Icmpv4Packet(ip.Payload);
            Assert.True(icmp.VerifyChecksum());
            Assert.Equal((Icmpv4Type.EchoReply, (ushort)0x42), (icmp.Type, icmp.Identifier));
            Assert.Equal(StackFrames.Pattern(56, icmp.SequenceNumber), icmp.Payload.ToArray());
            answered.Add(icmp.SequenceNumber);
        }

        var port = (FaultInjectingPort)h.Peer;
        var counters = h.Stack.GetCounters();
        FaultCounters done = port.TransmitFaults;
        Assert.True(done.Lost > 0 && done.Duplicated > 0 && done.Corrupted > 0 && done.Reordered > 0, done.ToString());
        // Every frame that arrived ended as exactly one reply or one counted drop.
        Assert.Equal(counters.RxPackets, counters.EchoReplies + counters.DropsTotal);
        Assert.Equal(replies, counters.EchoReplies);
        Assert.Equal(requests - done.Lost + done.Duplicated, counters.RxPackets);
        Assert.True(counters.Dropped(StackDropReason.BadChecksum) > 0);
        Assert.True(answered.Count > requests * 8 / 10, $"{answered.Count} of {requests} answered");
        h.AssertAllFramesReturned();
    }

    [Fact]
    public void Udp_over_a_corrupting_link_delivers_only_intact_datagrams()
    {
        var faults = new FaultOptions { Seed = 7, CorruptRate = 0.3 };
        using var h = new StackHarness(peerFaults: faults);
        var received = new List<byte[]>();
        h.Stack.Udp.Bind(9, (_, d) => received.Add(d.Payload.ToArray()));
        for (int i = 0; i < 1000; i++)
        {
            byte[] payload = StackFrames.Pattern(64, i);
            BinaryPrimitives.WriteInt32BigEndian(payload, i);
            h.Inject(Frames.Udp(payload, destinationPort: 9, destinationMac: StackHarness.StackMac));
        }
        foreach (byte[] payload in received)
        {
            int i = BinaryPrimitives.ReadInt32BigEndian(payload);
            byte[] expected = StackFrames.Pattern(64, i);
            BinaryPrimitives.WriteInt32BigEndian(expected, i);
            Assert.Equal(expected, payload);
        }
        var counters = h.Stack.GetCounters();
        Assert.True(received.Count is > 500 and < 1000, $"{received.Count} delivered");
        Assert.Equal(1000, counters.RxPackets);
        Assert.Equal(counters.RxPackets, received.Count + counters.DropsTotal);
    }
}
