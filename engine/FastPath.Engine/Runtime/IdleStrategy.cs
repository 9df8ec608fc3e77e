namespace FastPath.Engine.Runtime;

/// <summary>What a worker does with a loop iteration that found nothing to do.</summary>
public enum IdleMode
{
    /// <summary>Loop again at once: the lowest latency, and one core at 100% whatever the traffic.</summary>
    BusyPoll,

    /// <summary>Spin, then yield, then sleep (in poll(2) on the port when it can wait): idle cores go quiet.</summary>
    Adaptive,
}

/// <summary>
/// How a worker idles (Aeron's BackoffIdleStrategy, DPDK's rx-interrupt mode): after
/// <see cref="SpinLoops"/> empty iterations it yields the CPU for <see cref="YieldLoops"/> more, and after
/// those it sleeps up to <see cref="SleepMilliseconds"/> per iteration until work shows up again.
/// </summary>
public sealed record IdleStrategy
{
    /// <summary>Never sleep.</summary>
    public static IdleStrategy BusyPoll { get; } = new() { Mode = IdleMode.BusyPoll };

    /// <summary>Spin 1000 empty iterations, yield 100, then sleep up to 1 ms at a time.</summary>
    public static IdleStrategy Adaptive { get; } = new() { Mode = IdleMode.Adaptive };

    public IdleMode Mode { get; init; } = IdleMode.Adaptive;

    /// <summary>Empty iterations spent spinning before the first yield.</summary>
    public int SpinLoops
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 1000;

    /// <summary>Empty iterations that yield the CPU after the spinning ones, before sleeping.</summary>
    public int YieldLoops
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            field = value;
        }
    } = 100;

    /// <summary>
    /// Longest sleep per empty iteration. One millisecond by default: the timer wheel's tick, so a sleeping
    /// worker still fires its timers on time.
    /// </summary>
    public int SleepMilliseconds
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 1;
}
