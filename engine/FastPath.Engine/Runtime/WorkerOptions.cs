namespace FastPath.Engine.Runtime;

/// <summary>How a <see cref="Worker"/> runs: its CPU, burst size, idle strategy, transmit buffer and timers.</summary>
public sealed record WorkerOptions
{
    /// <summary>The CPU to pin the worker's thread to; null leaves it to the scheduler.</summary>
    public int? Cpu
    {
        get;
        init
        {
            if (value is < 0) throw new ArgumentOutOfRangeException(nameof(Cpu), value, "a CPU number is not negative");
            field = value;
        }
    }

    /// <summary>
    /// Packets asked of the port per receive (DPDK's usual 32; up to 64): large enough to amortise the
    /// per-burst costs, small enough that the burst stays in L1.
    /// </summary>
    public int BurstSize
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 256);
            field = value;
        }
    } = 32;

    public IdleStrategy Idle { get; init; } = IdleStrategy.Adaptive;

    /// <summary>Packets the transmit buffer holds between drains.</summary>
    public int TxCapacity
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 512;

    public long TimerTickNanoseconds { get; init; } = 1_000_000;

    public int TimerWheelSize { get; init; } = 1024;

    public int TimerCapacity { get; init; } = 16384;

    /// <summary>The clock the loop reads once per iteration; the machine's monotonic clock by default.</summary>
    public IClock Clock { get; init; } = MonotonicClock.Instance;

    /// <summary>The thread's name (shown by ps -L and debuggers); "fastpath worker N" by default.</summary>
    public string? ThreadName { get; init; }
}
