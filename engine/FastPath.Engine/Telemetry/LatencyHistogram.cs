using System.Numerics;
using System.Runtime.CompilerServices;

namespace FastPath.Engine.Telemetry;

/// <summary>
/// A log-linear histogram of latencies in nanoseconds, laid out as HdrHistogram lays it out (Gil Tene): the
/// values double from bucket to bucket, and each bucket is cut into the same number of linear sub-buckets,
/// so every recorded value keeps <see cref="SignificantDigits"/> decimal digits (2 by default: within 1%)
/// from 1 ns up to <see cref="HighestTrackableValue"/> (an hour by default) in a few tens of KB.
/// <see cref="Record(long)"/> is a leading-zero count, two shifts and an increment: O(1), no allocation.
/// One thread records; merge per-worker histograms for totals.
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>One hour in nanoseconds.</summary>
    public const long DefaultHighestTrackableValue = 3_600_000_000_000;

    private readonly long[] _counts;
    private readonly int _subBucketHalfCountMagnitude;
    private readonly int _subBucketHalfCount;
    private readonly long _subBucketMask;
    private readonly int _leadingZeroCountBase;
    private long _count;
    private long _min = long.MaxValue;
    private long _max;
    private double _sum;
    private double _sumOfSquares;

    /// <param name="highestTrackableValue">Larger values are recorded as this value and counted in <see cref="Saturated"/>.</param>
    /// <param name="significantDigits">Decimal digits kept, 1 to 5.</param>
    public LatencyHistogram(long highestTrackableValue = DefaultHighestTrackableValue, int significantDigits = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(highestTrackableValue, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(significantDigits, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(significantDigits, 5);
        HighestTrackableValue = highestTrackableValue;
        SignificantDigits = significantDigits;
        // The smallest power-of-two sub-bucket count that resolves 2 * 10^digits values one apart: every
        // bucket then spans at least 10^digits distinct resolution steps.
        long singleUnitResolutionLimit = 2 * (long)Math.Pow(10, significantDigits);
        int subBucketCountMagnitude = BitOperations.Log2((ulong)singleUnitResolutionLimit - 1) + 1;
        _subBucketHalfCountMagnitude = subBucketCountMagnitude - 1;
        int subBucketCount = 1 << subBucketCountMagnitude;
        _subBucketHalfCount = subBucketCount / 2;
        _subBucketMask = subBucketCount - 1;
        _leadingZeroCountBase = 64 - _subBucketHalfCountMagnitude - 1;

        int bucketCount = 1;
        long smallestUntrackable = subBucketCount;
        while (smallestUntrackable <= highestTrackableValue)
        {
            if (smallestUntrackable > long.MaxValue / 2)
            {
                bucketCount++;
                break;
            }
            smallestUntrackable <<= 1;
            bucketCount++;
        }
        _counts = new long[(bucketCount + 1) * _subBucketHalfCount];
    }

    public long HighestTrackableValue { get; }

    public int SignificantDigits { get; }

    /// <summary>Values recorded.</summary>
    public long Count => _count;

    /// <summary>The smallest value recorded (exact), 0 when empty.</summary>
    public long Min => _count == 0 ? 0 : _min;

    /// <summary>The largest value recorded (exact, after clamping to <see cref="HighestTrackableValue"/>), 0 when empty.</summary>
    public long Max => _max;

    /// <summary>The mean of the recorded values (exact: kept as a running sum, not from the buckets).</summary>
    public double Mean => _count == 0 ? 0 : _sum / _count;

    /// <summary>The population standard deviation of the recorded values.</summary>
    public double StandardDeviation
    {
        get
        {
            if (_count == 0) return 0;
            double mean = _sum / _count;
            return Math.Sqrt(Math.Max(0, _sumOfSquares / _count - mean * mean));
        }
    }

    /// <summary>Values above <see cref="HighestTrackableValue"/> (recorded as it).</summary>
    public long Saturated { get; private set; }

    /// <summary>Memory held by the counts, in bytes.</summary>
    public int FootprintBytes => _counts.Length * sizeof(long);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(long value) => Record(value, 1);

    /// <summary>Records <paramref name="count"/> occurrences of <paramref name="value"/>; a negative value (a clock step) counts as 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(long value, long count)
    {
        if ((ulong)value > (ulong)HighestTrackableValue) value = Clamp(value, count);
        _counts[IndexOf(value)] += count;
        _count += count;
        if (value < _min) _min = value;
        if (value > _max) _max = value;
        double v = value;
        _sum += v * count;
        _sumOfSquares += v * v * count;
    }

    /// <summary>
    /// The value below which <paramref name="percentile"/>% of the recorded values lie (nearest rank:
    /// the ⌈p/100·n⌉-th smallest), reported as the top of its sub-bucket (never above <see cref="Max"/>), so
    /// it is at most 1/2^(sub-bucket magnitude) above the exact value (0.8% for 2 digits). 0 when empty.
    /// </summary>
    public long Percentile(double percentile)
    {
        if (percentile is < 0 or > 100 || double.IsNaN(percentile)) throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "a percentile is in [0, 100]");
        if (_count == 0) return 0;
        long rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * _count));
        if (rank >= _count) return _max;
        long seen = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank) return Math.Min(HighestEquivalentValue(ValueAt(i)), _max);
        }
        return _max;
    }

    /// <summary>Adds <paramref name="other"/>'s values to this one (same highest value and digits).</summary>
    public void Merge(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.HighestTrackableValue != HighestTrackableValue || other.SignificantDigits != SignificantDigits)
            throw new ArgumentException("histograms merge only with the same highest trackable value and significant digits", nameof(other));
        if (other._count == 0) return;
        for (int i = 0; i < _counts.Length; i++) _counts[i] += other._counts[i];
        _count += other._count;
        _min = Math.Min(_min, other._min);
        _max = Math.Max(_max, other._max);
        _sum += other._sum;
        _sumOfSquares += other._sumOfSquares;
        Saturated += other.Saturated;
    }

    public void Reset()
    {
        Array.Clear(_counts);
        _count = 0;
        _min = long.MaxValue;
        _max = 0;
        _sum = 0;
        _sumOfSquares = 0;
        Saturated = 0;
    }

    /// <summary>Non-empty sub-buckets as (lowest value, highest value, count), lowest first: what a plot draws.</summary>
    public IEnumerable<(long Low, long High, long Count)> Buckets()
    {
        for (int i = 0; i < _counts.Length; i++)
        {
            if (_counts[i] == 0) continue;
            long value = ValueAt(i);
            yield return (LowestEquivalentValue(value), HighestEquivalentValue(value), _counts[i]);
        }
    }

    /// <summary>The smallest value that lands in the same sub-bucket as <paramref name="value"/>.</summary>
    public long LowestEquivalentValue(long value)
    {
        int bucket = BucketOf(value);
        return (value >> bucket) << bucket;
    }

    /// <summary>The largest value that lands in the same sub-bucket as <paramref name="value"/>.</summary>
    public long HighestEquivalentValue(long value)
    {
        int bucket = BucketOf(value);
        return LowestEquivalentValue(value) + (1L << bucket) - 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int BucketOf(long value) => _leadingZeroCountBase - BitOperations.LeadingZeroCount((ulong)(value | _subBucketMask));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int IndexOf(long value)
    {
        int bucket = BucketOf(value);
        int subBucket = (int)(value >> bucket);
        // Bucket 0 uses all its sub-buckets; every later bucket only its upper half (the lower half would
        // repeat the previous bucket's range at a coarser step).
        return ((bucket + 1) << _subBucketHalfCountMagnitude) + (subBucket - _subBucketHalfCount);
    }

    private long ValueAt(int index)
    {
        int bucket = (index >> _subBucketHalfCountMagnitude) - 1;
        int subBucket = (index & (_subBucketHalfCount - 1)) + _subBucketHalfCount;
        if (bucket < 0)
        {
            subBucket -= _subBucketHalfCount;
            bucket = 0;
        }
        return (long)subBucket << bucket;
    }

    private long Clamp(long value, long count)
    {
        if (value < 0) return 0;
        Saturated += count;
        return HighestTrackableValue;
    }
}
