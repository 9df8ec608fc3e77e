namespace FastPath.Apps.Tests.Soak;

/// <summary>
/// How much a soaking process may grow after its warm-up before the soak fails: the slack stated in the
/// test's report. Absolute, not relative to the run's length, so the same limits catch a slow leak in an
/// hours-long run sooner than in CI's two minutes.
/// </summary>
internal sealed record GrowthLimits
{
    /// <summary>Resident memory: the mean of the last third over the mean of the first.</summary>
    public long RssSlackBytes { get; init; } = 8 << 20;

    /// <summary>
    /// The managed heap as the last collection left it (what survives: a leak), last third over first. The
    /// heap between collections is a sawtooth of the allocation rate, bounded by <see cref="AllocatedBytesPerSecond"/>.
    /// </summary>
    public long HeapAfterGcSlackBytes { get; init; } = 4 << 20;

    /// <summary>
    /// Bytes allocated per second after the warm-up. The data path allocates nothing per packet; the stats
    /// line itself (a /proc read, the JSON, a counters snapshot) costs a few KiB a second. An allocation of
    /// 24 bytes per packet at 50 kpps would be 1.2 MB/s.
    /// </summary>
    public double AllocatedBytesPerSecond { get; init; } = 64 << 10;

    /// <summary>Gen0 collections per minute after the warm-up (the reporting's allocations fill a gen0 budget in minutes, not seconds).</summary>
    public double Gen0PerMinute { get; init; } = 2;

    /// <summary>Frames in use per pool: an upward trend fails only when both the slope and the thirds say so (the fill ring's level jitters).</summary>
    public double PoolSlopeFramesPerSecond { get; init; } = 0.1;

    public int PoolSlackFrames { get; init; } = 32;
}
