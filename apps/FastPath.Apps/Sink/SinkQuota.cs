namespace FastPath.Apps.Sink;

/// <summary>
/// A packet count shared by several sink workers (fanout spreads frames unevenly, so a per-worker split would
/// not stop at the total). Workers claim room before a receive burst and give back what they did not use,
/// so together they never take more than the total. Two atomics per poll: used only when a count is set.
/// </summary>
public sealed class SinkQuota(long total)
{
    private long _remaining = total;

    public long Remaining => Volatile.Read(ref _remaining);

    /// <summary>Claims up to <paramref name="want"/> packets of room; 0 when the total is reached.</summary>
    public int Claim(int want)
    {
        long after = Interlocked.Add(ref _remaining, -want);
        if (after >= 0) return want;
        long before = after + want;
        int granted = (int)Math.Max(before, 0);
        Interlocked.Add(ref _remaining, want - granted);
        return granted;
    }

    /// <summary>Returns room claimed and not used.</summary>
    public void Release(int unused) => Interlocked.Add(ref _remaining, unused);
}
