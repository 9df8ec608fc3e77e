using System.Runtime.InteropServices;

namespace FastPath.Apps.Generator;

/// <summary>
/// One worker's running totals, written by the worker after each burst and read once a second by a progress
/// thread. Plain 64-bit stores (atomic on 64-bit hosts) with release/acquire; the fields sit on their own
/// cache lines, away from other workers' counters, so publishing never bounces a line between cores.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 192)]
public sealed class LiveCounters
{
    [FieldOffset(64)] private long _txPackets;
    [FieldOffset(72)] private long _txBytes;
    [FieldOffset(80)] private long _rxPackets;
    [FieldOffset(88)] private long _rxBytes;
    [FieldOffset(96)] private long _lost;

    public long TxPackets => Volatile.Read(ref _txPackets);
    public long TxBytes => Volatile.Read(ref _txBytes);
    public long RxPackets => Volatile.Read(ref _rxPackets);
    public long RxBytes => Volatile.Read(ref _rxBytes);

    /// <summary>Frames the signatures say are missing so far.</summary>
    public long Lost => Volatile.Read(ref _lost);

    internal void PublishTransmit(long packets, long bytes)
    {
        Volatile.Write(ref _txPackets, packets);
        Volatile.Write(ref _txBytes, bytes);
    }

    internal void PublishReceive(long packets, long bytes, long lost)
    {
        Volatile.Write(ref _rxPackets, packets);
        Volatile.Write(ref _rxBytes, bytes);
        Volatile.Write(ref _lost, lost);
    }
}
