using System.Diagnostics;
using FastPath.Engine.Memory;
using FastPath.Engine.Ports;
using FastPath.Engine.Runtime;

namespace FastPath.Engine.Tests.Hardening;

/// <summary>Writes flood frame number <c>index</c> into <c>frame</c> (a pool frame's whole buffer); returns its length.</summary>
internal delegate int FloodFrameWriter(Span<byte> frame, long index);

/// <summary>
/// Sends a flood through a peer port at a rate in virtual time: each burst of up to 32 frames moves the manual
/// clock to the instant the last of them is due (<c>index * 1e9 / rate</c> after the start, exact in integers),
/// then the caller's step runs the stacks once. Frames are written straight into the peer's pool frames, so the
/// flood itself allocates nothing.
/// </summary>
internal sealed class FloodInjector(IPacketPort peer, ManualClock clock, Action step)
{
    public const int Burst = 32;
    private readonly Packet[] _burst = new Packet[Burst];

    /// <summary>Frames the wire refused (its ring full): not sent, so not part of any count.</summary>
    public long Refused { get; private set; }

    /// <summary>Sends prebuilt frames together (in one burst, at the current time), then runs one step.</summary>
    public void SendTogether(byte[][] frames)
    {
        foreach (byte[] frame in frames)
        {
            if (!peer.Pool.TryAllocate(out Packet packet)) throw new InvalidOperationException("the peer's pool ran out");
            frame.CopyTo(peer.Pool.Region.GetWritableSpan(packet));
            packet.Length = (ushort)frame.Length;
            if (peer.Transmit(new ReadOnlySpan<Packet>(ref packet)) != 1) throw new InvalidOperationException("the wire refused a frame");
        }
        step();
    }

    /// <summary>Sends frames <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 at <paramref name="ratePerSecond"/>.</summary>
    public void Flood(long first, long count, long ratePerSecond, FloodFrameWriter write, Action<long>? afterBurst = null)
    {
        long start = clock.NowNanoseconds;
        for (long sent = 0; sent < count;)
        {
            int want = (int)Math.Min(Burst, count - sent);
            int allocated = peer.Pool.AllocateBurst(_burst.AsSpan(0, want));
            if (allocated == 0) throw new InvalidOperationException("the peer's pool ran out: the stack is not keeping up or frames leak");
            for (int i = 0; i < allocated; i++)
            {
                ref Packet packet = ref _burst[i];
                packet.Length = (ushort)write(peer.Pool.Region.GetWritableSpan(packet), first + sent + i);
            }
            int accepted = peer.Transmit(_burst.AsSpan(0, allocated));
            if (accepted < allocated)
            {
                Refused += allocated - accepted;
                peer.Pool.Free(_burst.AsSpan(accepted, allocated - accepted));
                throw new InvalidOperationException("the wire refused flood frames: the stack is not draining its port");
            }
            sent += allocated;
            long due = start + (long)((Int128)sent * 1_000_000_000 / ratePerSecond);
            if (due > clock.NowNanoseconds) clock.AdvanceNanoseconds(due - clock.NowNanoseconds);
            step();
            afterBurst?.Invoke(first + sent);
        }
    }
}

/// <summary>What a flood test measures about memory: bytes allocated by the test's thread and the live heap after a full GC.</summary>
internal readonly record struct MemorySample(long Allocated, long Heap)
{
    public static MemorySample Take()
    {
        long heap = GC.GetTotalMemory(forceFullCollection: true);
        return new MemorySample(GC.GetAllocatedBytesForCurrentThread(), heap);
    }
}

/// <summary>Wall time and memory of a flood's measured phase, logged for the reliability table.</summary>
internal sealed class FloodReport(ITestOutputHelper output, string name)
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private MemorySample _before;

    public MemorySample Before => _before;

    /// <summary>Called after the warm-up: the measured phase starts here.</summary>
    public void StartMeasuring() => _before = MemorySample.Take();

    /// <summary>Ends the measured phase: asserts the thread allocated at most <paramref name="allocationBudget"/> and the heap grew by at most <paramref name="heapBudget"/>.</summary>
    public MemorySample AssertMemoryFlat(long allocationBudget, long heapBudget)
    {
        MemorySample after = MemorySample.Take();
        long allocated = after.Allocated - _before.Allocated;
        long grown = after.Heap - _before.Heap;
        output.WriteLine($"{name}: allocated {allocated} B during the measured flood; heap {_before.Heap} -> {after.Heap} B ({grown:+#;-#;0} B)");
        Assert.True(allocated <= allocationBudget, $"{name}: the flood allocated {allocated} B (budget {allocationBudget} B)");
        Assert.True(grown <= heapBudget, $"{name}: the heap grew by {grown} B during the flood (budget {heapBudget} B)");
        return after;
    }

    /// <summary>A hang guard, not a performance assertion: the flood is a fixed amount of virtual time and work.</summary>
    public void AssertFinishedWithin(TimeSpan bound)
    {
        _watch.Stop();
        output.WriteLine($"{name}: {_watch.Elapsed.TotalSeconds:F2} s wall time");
        Assert.True(_watch.Elapsed < bound, $"{name}: took {_watch.Elapsed.TotalSeconds:F1} s (bound {bound.TotalSeconds} s)");
    }

    public void Log(string line) => output.WriteLine($"{name}: {line}");
}

/// <summary>Flood tests measure the process heap: nothing else may run beside them.</summary>
[CollectionDefinition(nameof(FloodCollection), DisableParallelization = true)]
public sealed class FloodCollection;
