using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;
using NumberedFrames = FastPath.Engine.Tests.Ports.TestFrames;

namespace FastPath.Engine.Tests.Runtime;

public class TxBufferTests
{
    [Fact]
    public void Drain_sends_what_the_port_takes_and_keeps_the_rest_in_order()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 64, RingSize = 4 });
        using (a)
        using (b)
        {
            var tx = new TxBuffer(capacity: 8);
            for (int i = 0; i < 6; i++) Assert.True(tx.TryEnqueue(NumberedFrames.Allocate(a.Pool, i)));
            Assert.Equal(4, tx.Drain(a)); // the ring holds four
            Assert.Equal(2, tx.Count);
            Assert.Equal([0, 1, 2, 3], Receive(b));
            Assert.Equal(2, tx.Drain(a));
            Assert.Equal(0, tx.Count);
            Assert.Equal([4, 5], Receive(b));
            Assert.Equal(0, tx.Drain(a));
            Assert.Equal(0, a.Pool.InUse); // Drain flushes, so the completed frames came home
        }
    }

    [Fact]
    public void A_full_buffer_refuses_and_counts_and_Send_frees_the_refused_packet()
    {
        var (a, b) = MemoryPort.CreatePair(new MemoryPortOptions { FrameCount = 16 });
        using (a)
        using (b)
        {
            var tx = new TxBuffer(capacity: 2);
            var context = new WorkerContext(0, a, new ManualClock(), new TimerWheel(), tx);
            Assert.Same(a.Pool, context.Pool);
            Assert.True(context.Send(NumberedFrames.Allocate(a.Pool, 0)));
            Assert.True(context.Send(NumberedFrames.Allocate(a.Pool, 1)));
            Assert.False(context.Send(NumberedFrames.Allocate(a.Pool, 2)));
            Assert.Equal(1, tx.Refused);
            Assert.Equal(2, a.Pool.InUse);
            tx.Clear(a.Pool);
            Assert.Equal(0, tx.Count);
            Assert.Equal(0, a.Pool.InUse);
        }
    }

    [Fact]
    public void Manual_clock_moves_only_when_told()
    {
        var clock = new ManualClock(startNanoseconds: 10);
        Assert.Equal(10, clock.NowNanoseconds);
        clock.Advance(TimeSpan.FromMilliseconds(2));
        clock.AdvanceNanoseconds(5);
        Assert.Equal(2_000_015, clock.NowNanoseconds);
        long before = MonotonicClock.Instance.NowNanoseconds;
        Assert.True(MonotonicClock.Instance.NowNanoseconds >= before);
    }

    private static List<int> Receive(MemoryPort port)
    {
        var burst = new Packet[16];
        int n = port.Receive(burst);
        var sequences = burst.Take(n).Select(p => NumberedFrames.SequenceOf(port.Pool, p)).ToList();
        port.Pool.Free(burst.AsSpan(0, n));
        return sequences;
    }
}
