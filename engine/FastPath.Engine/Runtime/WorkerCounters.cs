using System.Runtime.InteropServices;

namespace FastPath.Engine.Runtime;

/// <summary>
/// A worker's loop counters. Only the worker's thread writes them (plain increments, no atomics); other
/// threads read them for snapshots. 64 bytes of padding on each side keep them on cache lines of their own,
/// so the worker's stores never invalidate a line that another worker or a reader's other data lives on.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 3 * CacheLine)]
internal struct WorkerCounters
{
    private const int CacheLine = 64;

    [FieldOffset(CacheLine + 0)] public long Loops;
    [FieldOffset(CacheLine + 8)] public long IdleLoops;
    [FieldOffset(CacheLine + 16)] public long Sleeps;
    [FieldOffset(CacheLine + 24)] public long RxPackets;
    [FieldOffset(CacheLine + 32)] public long TxPackets;
    [FieldOffset(CacheLine + 40)] public long TimersFired;
}
