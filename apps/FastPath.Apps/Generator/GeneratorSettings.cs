namespace FastPath.Apps.Generator;

/// <summary>How one generator worker runs: its limits, its place among the workers, and what it measures.</summary>
public sealed record GeneratorSettings
{
    /// <summary>Frames this worker sends (0: no limit).</summary>
    public long Count { get; init; }

    /// <summary>How long this worker sends (null: no limit).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>This worker's index: carried in signatures, seeds its random draws and its start among the flows.</summary>
    public int Worker { get; init; }

    /// <summary>Workers sending the same streams: each sends 1/Workers of every stream's rate.</summary>
    public int Workers { get; init; } = 1;

    /// <summary>Also receive on the port and measure the round trip of frames that come back with their signature.</summary>
    public bool Measure { get; init; }

    /// <summary>How long to keep receiving after the last frame left, for the last returns (with <see cref="Measure"/>).</summary>
    public TimeSpan MeasureLinger { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Write every frame whole from its template. Needed only behind a port that changes frames after they
    /// were sent (a <c>FaultInjectingPort</c> that corrupts, or copies into pool frames for duplicates): the
    /// generator otherwise trusts a recycled frame to hold what it last wrote.
    /// </summary>
    public bool RewriteFrames { get; init; }

    /// <summary>Where the worker publishes its running totals (null: nowhere).</summary>
    public LiveCounters? Counters { get; init; }
}
