namespace FastPath.Engine.Pcap;

/// <summary>
/// A capture time as pcap stores it: whole seconds since the Unix epoch and a fraction in nanoseconds. Kept
/// at nanosecond resolution whatever the file's resolution, because <see cref="DateTime"/> stops at 100 ns
/// and nanosecond pcap files would lose digits through it.
/// </summary>
public readonly record struct PcapTimestamp : IComparable<PcapTimestamp>
{
    private const long NanosecondsPerSecond = 1_000_000_000;

    /// <param name="seconds">Seconds since 1970-01-01T00:00:00Z.</param>
    /// <param name="nanoseconds">Fraction of the second, 0..999 999 999.</param>
    public PcapTimestamp(long seconds, uint nanoseconds)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(nanoseconds, (uint)NanosecondsPerSecond);
        Seconds = seconds;
        Nanoseconds = nanoseconds;
    }

    public long Seconds { get; }
    public uint Nanoseconds { get; }

    /// <summary>The fraction in microseconds (truncated), as a microsecond-resolution file stores it.</summary>
    public uint Microseconds => Nanoseconds / 1000;

    /// <summary>Nanoseconds since the Unix epoch.</summary>
    public long UnixNanoseconds => Seconds * NanosecondsPerSecond + Nanoseconds;

    /// <summary>The wall clock now (100 ns resolution, what <see cref="DateTime.UtcNow"/> gives).</summary>
    public static PcapTimestamp Now => FromDateTimeOffset(DateTimeOffset.UtcNow);

    public static PcapTimestamp FromUnixNanoseconds(long nanoseconds)
    {
        long seconds = Math.DivRem(nanoseconds, NanosecondsPerSecond, out long rest);
        // Floor, not truncation: a time before 1970 still has a fraction counted forward from its second.
        if (rest < 0)
        {
            seconds--;
            rest += NanosecondsPerSecond;
        }
        return new PcapTimestamp(seconds, (uint)rest);
    }

    public static PcapTimestamp FromDateTimeOffset(DateTimeOffset time) =>
        FromUnixNanoseconds((time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100);

    /// <summary>The time at 100 ns resolution (the digits below are dropped).</summary>
    public DateTimeOffset ToDateTimeOffset() =>
        DateTimeOffset.UnixEpoch.AddTicks(Seconds * TimeSpan.TicksPerSecond + Nanoseconds / 100);

    public int CompareTo(PcapTimestamp other) =>
        Seconds != other.Seconds ? Seconds.CompareTo(other.Seconds) : Nanoseconds.CompareTo(other.Nanoseconds);

    public static bool operator <(PcapTimestamp left, PcapTimestamp right) => left.CompareTo(right) < 0;
    public static bool operator >(PcapTimestamp left, PcapTimestamp right) => left.CompareTo(right) > 0;
    public static bool operator <=(PcapTimestamp left, PcapTimestamp right) => left.CompareTo(right) <= 0;
    public static bool operator >=(PcapTimestamp left, PcapTimestamp right) => left.CompareTo(right) >= 0;

    public override string ToString() => $"{Seconds}.{Nanoseconds:D9}";
}
