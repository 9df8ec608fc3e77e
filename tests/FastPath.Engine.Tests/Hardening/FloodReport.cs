using System.Diagnostics;

namespace FastPath.Engine.Tests.Hardening;

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
