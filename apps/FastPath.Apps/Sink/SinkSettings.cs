using FastPath.Apps.Generator;

namespace FastPath.Apps.Sink;

/// <summary>How one sink worker runs.</summary>
public sealed record SinkSettings
{
    /// <summary>A count shared by every worker (null: no limit).</summary>
    public SinkQuota? Quota { get; init; }
    public TimeSpan? Duration { get; init; }

    /// <summary>Look for <see cref="FrameSignature"/>s and count per stream (off: count frames only).</summary>
    public bool Signatures { get; init; } = true;

    /// <summary>
    /// Give up the core (sched_yield) after a run of empty polls, for a sink that shares its core. Off for a
    /// sink with a core of its own: a yield on a busy core can cost a scheduler time slice (milliseconds),
    /// which a frame arriving meanwhile would count as latency.
    /// </summary>
    public bool YieldWhenIdle { get; init; } = true;

    /// <summary>Where the worker publishes its running totals (null: nowhere).</summary>
    public LiveCounters? Counters { get; init; }
}
