namespace FastPath.Engine.Ports;

/// <summary>
/// What <see cref="FaultInjectingPort"/> does to frames, the knobs of netem (which this kernel lacks). Each
/// rate is the probability, drawn independently per frame, that the fault hits it.
/// </summary>
public sealed class FaultOptions
{
    /// <summary>Seeds the fault sequence: the same seed and the same frames give the same faults.</summary>
    public long Seed { get; init; }

    /// <summary>Frames dropped (freed and counted).</summary>
    public double LossRate { get; init; }

    /// <summary>Frames sent twice (the copy is allocated from the port's pool; an empty pool skips it).</summary>
    public double DuplicateRate { get; init; }

    /// <summary>Frames held back and released after the next <see cref="ReorderDepth"/> frames.</summary>
    public double ReorderRate { get; init; }

    /// <summary>How many later frames overtake a reordered one.</summary>
    public int ReorderDepth { get; init; } = 3;

    /// <summary>
    /// A held frame is released after this long even if too few frames followed it, so that the last frames
    /// of a burst are late rather than lost. <see cref="Timeout.InfiniteTimeSpan"/>: only later frames
    /// release it (and Dispose frees it).
    /// </summary>
    public TimeSpan ReorderTimeout { get; init; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Frames with one bit flipped, at a random bit of a random byte.</summary>
    public double CorruptRate { get; init; }

    /// <summary>How long every frame is held before it goes on (zero: no delay).</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>
    /// Frames a direction may hold (delayed, or refused by the inner port); when full, Transmit takes fewer
    /// frames and Receive reads fewer, as a full ring would.
    /// </summary>
    public int QueueCapacity { get; init; } = 4096;

    /// <summary>Which directions get faults: transmit by default (faults on the way out, as netem on egress).</summary>
    public PortDirections Directions { get; init; } = PortDirections.Transmit;

    /// <summary>The clock for delays and reorder timeouts (a fake one makes tests exact).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    internal bool AnyFault => LossRate > 0 || DuplicateRate > 0 || ReorderRate > 0 || CorruptRate > 0 || Delay > TimeSpan.Zero;

    internal void Validate()
    {
        CheckRate(LossRate, nameof(LossRate));
        CheckRate(DuplicateRate, nameof(DuplicateRate));
        CheckRate(ReorderRate, nameof(ReorderRate));
        CheckRate(CorruptRate, nameof(CorruptRate));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ReorderDepth);
        if (ReorderTimeout < TimeSpan.Zero && ReorderTimeout != Timeout.InfiniteTimeSpan)
            throw new ArgumentOutOfRangeException(nameof(ReorderTimeout), ReorderTimeout, "a timeout is positive, zero or infinite");
        ArgumentOutOfRangeException.ThrowIfLessThan(Delay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(QueueCapacity, FaultStage.MaxOutputsPerInput);
        ArgumentNullException.ThrowIfNull(TimeProvider);
    }

    private static void CheckRate(double rate, string name)
    {
        if (!(rate is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(name, rate, "a rate is a probability, 0..1");
    }
}
