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

    /// <summary>Where the worker publishes its running totals (null: nowhere).</summary>
    public LiveCounters? Counters { get; init; }
}
