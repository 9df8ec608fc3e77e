using System.Diagnostics;

namespace FastPath.Engine.Runtime;

/// <summary>Monotonic time in nanoseconds. Workers read it once per loop; tests drive a <see cref="ManualClock"/>.</summary>
public interface IClock
{
    long NowNanoseconds { get; }
}

/// <summary>The machine's monotonic clock (CLOCK_MONOTONIC through Stopwatch).</summary>
public sealed class MonotonicClock : IClock
{
    public static MonotonicClock Instance { get; } = new();

    private static readonly double NanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    public long NowNanoseconds => (long)(Stopwatch.GetTimestamp() * NanosecondsPerTick);
}

/// <summary>A clock that moves only when told: for tests of timeouts (ARP expiry, reassembly, retransmission).</summary>
public sealed class ManualClock(long startNanoseconds = 0) : IClock
{
    public long NowNanoseconds { get; private set; } = startNanoseconds;

    public void Advance(TimeSpan by) => NowNanoseconds += (long)(by.TotalMilliseconds * 1_000_000);

    public void AdvanceNanoseconds(long nanoseconds) => NowNanoseconds += nanoseconds;
}
