using FastPath.Engine.Memory;
using FastPath.Engine.Ports;

namespace FastPath.Engine.Tests.Stack;

public class StackAllocationTests
{
    [Fact]
    public void A_million_echo_requests_allocate_nothing()
    {
        using var h = new StackHarness();
        h.Sent();
        byte[] request = StackFrames.EchoRequest(0x77, 1, StackFrames.Pattern(56));
        var burst = new Packet[32];
        var replies = new Packet[64];

        long Exchange(int requests)
        {
            long answered = 0;
            for (int sent = 0; sent < requests; sent += burst.Length)
            {
                int count = h.Peer.Pool.AllocateBurst(burst);
                foreach (ref Packet packet in burst.AsSpan(0, count))
                {
                    request.CopyTo(h.Peer.Pool.Region.GetWritableSpan(packet));
                    packet.Length = (ushort)request.Length;
                }
                // No Assert inside the measured loop: xunit's generic Equal allocates.
                if (h.Peer.Transmit(burst.AsSpan(0, count)) != count) throw new InvalidOperationException("the wire refused requests");
                int received = h.Port.Receive(burst);
                h.Stack.Receive(burst.AsSpan(0, received));
                h.Context.Tx.Drain(h.Port);
                h.Timers.Advance(h.Clock.NowNanoseconds);
                h.Stack.Poll(h.Clock.NowNanoseconds);
                int got;
                while ((got = h.Peer.Receive(replies)) > 0)
                {
                    answered += got;
                    h.Peer.Pool.Free(replies.AsSpan(0, got));
                }
            }
            return answered;
        }

        Assert.Equal(10_016, Exchange(10_000)); // warm-up: every path jitted and tiered
        long before = GC.GetAllocatedBytesForCurrentThread();
        long answered = Exchange(1_000_000);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1_000_000, answered);
        Assert.Equal(0, allocated);
        Assert.Equal(1_010_016, h.Stack.GetCounters().EchoReplies);
        h.AssertAllFramesReturned();
    }
}
