namespace FastPath.Apps.Generator;

/// <summary>How a capture is replayed.</summary>
public sealed record ReplaySettings
{
    /// <summary>Frames to send in all (0: no limit beyond the loops).</summary>
    public long Count { get; init; }
    public TimeSpan? Duration { get; init; }

    /// <summary>Passes over the capture (0: until the count, the duration or a stop).</summary>
    public int Loops { get; init; } = 1;

    /// <summary>At the capture's own timing (the gaps between records); otherwise at <see cref="Rate"/>.</summary>
    public bool RecordedTiming { get; init; }

    /// <summary>Used when not <see cref="RecordedTiming"/>: max is as fast as the port takes frames.</summary>
    public TransmitRate Rate { get; init; }

    public LiveCounters? Counters { get; init; }
}
