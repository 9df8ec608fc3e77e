using System.Numerics;
using System.Runtime.CompilerServices;

namespace FastPath.Apps.Sink;

/// <summary>
/// A log-linear histogram of latencies in nanoseconds, HdrHistogram's layout in miniature: values below 128
/// have a bucket each, and every power of two above is split into 64 buckets, so a percentile is within
/// 1/64 (1.6 %) of the true value from 1 ns to 2^40 ns (18 minutes), in 2 368 counters. Recording is a
/// bit-scan, a shift and an increment: no allocation, no branch on the value's size beyond the clamp.
/// One writer; merge the histograms of several workers after they stop.
/// </summary>
/// <remarks>Minimal on purpose, private to the sink until the engine's telemetry histogram is there to use.</remarks>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;                 // 128 linear buckets below 2^7
    private const int HalfSubBuckets = 1 << (SubBucketBits - 1);
    private const int MaxExponent = 40;
    private const long MaxTrackable = (1L << MaxExponent) - 1;
    public const int BucketCount = (1 << SubBucketBits) + (MaxExponent - SubBucketBits + 1) * HalfSubBuckets;

    private readonly long[] _counts = new long[BucketCount];

    public long Count { get; private set; }
    public long Min { get; private set; } = long.MaxValue;
    public long Max { get; private set; }
    public double Sum { get; private set; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(long nanoseconds)
    {
        long value = Math.Clamp(nanoseconds, 0, MaxTrackable);
        _counts[IndexOf(value)]++;
        Count++;
        Sum += value;
        if (value < Min) Min = value;
        if (value > Max) Max = value;
    }

    /// <summary>The value at or below which <paramref name="percentile"/> % of the recorded values lie (the bucket's middle; exact max for 100).</summary>
    public long Percentile(double percentile)
    {
        if (Count == 0) return 0;
        if (percentile >= 100) return Max;
        long rank = Math.Max(1, (long)Math.Ceiling(percentile / 100 * Count));
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return Math.Clamp(MiddleOf(i), Min, Max);
        }
        return Max;
    }

    public double Mean => Count == 0 ? 0 : Sum / Count;

    public void Merge(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        for (int i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
        Count += other.Count;
        Sum += other.Sum;
        Min = Math.Min(Min, other.Min);
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>Non-empty buckets as (lowest value, highest value, count), lowest first: what a plot draws.</summary>
    public IEnumerable<(long Low, long High, long Count)> Buckets()
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            if (_counts[i] != 0) yield return (LowOf(i), HighOf(i), _counts[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int IndexOf(long value)
    {
        if (value < 1 << SubBucketBits) return (int)value;
        int shift = BitOperations.Log2((ulong)value) - (SubBucketBits - 1); // >= 1
        return (1 << SubBucketBits) + (shift - 1) * HalfSubBuckets + (int)(value >> shift) - HalfSubBuckets;
    }

    private static long LowOf(int index)
    {
        if (index < 1 << SubBucketBits) return index;
        int shift = (index - (1 << SubBucketBits)) / HalfSubBuckets + 1;
        long sub = (index - (1 << SubBucketBits)) % HalfSubBuckets + HalfSubBuckets;
        return sub << shift;
    }

    private static long HighOf(int index) => index < 1 << SubBucketBits ? index : LowOf(index) + (1L << ((index - (1 << SubBucketBits)) / HalfSubBuckets + 1)) - 1;

    private static long MiddleOf(int index) => (LowOf(index) + HighOf(index)) / 2;
}
