using FastPath.Engine.Telemetry;

namespace FastPath.Engine.Tests.Telemetry;

public class LatencyHistogramTests
{
    // 2 significant digits: 256 sub-buckets, so the top of a sub-bucket is less than 1/128 above any value in it.
    private const double RelativeErrorBound = 1.0 / 128;

    private static readonly double[] Percentiles = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100];

    public static TheoryData<string> Distributions => ["uniform", "lognormal", "bimodal", "small"];

    [Theory]
    [MemberData(nameof(Distributions))]
    public void Percentiles_match_the_sorted_data_within_the_precision(string distribution)
    {
        var random = new Random(distribution.GetHashCode(StringComparison.Ordinal));
        long[] values = Enumerable.Range(0, 200_000).Select(_ => Sample(distribution, random)).ToArray();
        var histogram = new LatencyHistogram();
        foreach (long value in values) histogram.Record(value);
        Array.Sort(values);

        foreach (double p in Percentiles)
        {
            long exact = NearestRank(values, p);
            long reported = histogram.Percentile(p);
            Assert.True(reported >= exact && reported - exact <= exact * RelativeErrorBound,
                $"{distribution} p{p}: histogram {reported}, exact {exact}");
        }
        Assert.Equal(values[0], histogram.Min);
        Assert.Equal(values[^1], histogram.Max);
        Assert.Equal(values.Length, histogram.Count);
        double mean = values.Average(v => (double)v);
        double stddev = Math.Sqrt(values.Average(v => ((double)v - mean) * ((double)v - mean)));
        Assert.Equal(mean, histogram.Mean, mean * 1e-9);
        Assert.Equal(stddev, histogram.StandardDeviation, stddev * 1e-6 + 1e-6);
    }

    [Fact]
    public void Values_below_the_single_unit_resolution_limit_are_exact()
    {
        var histogram = new LatencyHistogram();
        for (long v = 0; v < 256; v++) histogram.Record(v);
        for (int p = 1; p <= 100; p++) Assert.Equal(NearestRank(Enumerable.Range(0, 256).Select(v => (long)v).ToArray(), p), histogram.Percentile(p));
        Assert.Equal(255, histogram.HighestEquivalentValue(255));
        Assert.Equal(256, histogram.LowestEquivalentValue(257));
        Assert.Equal(257, histogram.HighestEquivalentValue(256));
        Assert.Equal(1_000_000 - 1_000_000 % 4096, histogram.LowestEquivalentValue(1_000_000));
    }

    [Fact]
    public void Merging_per_worker_histograms_equals_recording_everything_in_one()
    {
        var random = new Random(9);
        var all = new LatencyHistogram();
        var parts = new[] { new LatencyHistogram(), new LatencyHistogram(), new LatencyHistogram() };
        for (int i = 0; i < 90_000; i++)
        {
            long value = Sample("lognormal", random);
            all.Record(value);
            parts[i % 3].Record(value);
        }
        var merged = new LatencyHistogram();
        foreach (LatencyHistogram part in parts) merged.Merge(part);
        Assert.Equal(all.Count, merged.Count);
        Assert.Equal(all.Min, merged.Min);
        Assert.Equal(all.Max, merged.Max);
        Assert.Equal(all.Mean, merged.Mean, 1e-6);
        Assert.Equal(all.StandardDeviation, merged.StandardDeviation, 1e-3);
        foreach (double p in Percentiles) Assert.Equal(all.Percentile(p), merged.Percentile(p));
        merged.Merge(new LatencyHistogram());
        Assert.Equal(all.Count, merged.Count);
        Assert.Throws<ArgumentException>(() => merged.Merge(new LatencyHistogram(significantDigits: 3)));
        Assert.Throws<ArgumentException>(() => merged.Merge(new LatencyHistogram(highestTrackableValue: 1_000_000)));
    }

    [Fact]
    public void Out_of_range_values_are_clamped_and_counted()
    {
        var histogram = new LatencyHistogram(highestTrackableValue: 1_000_000);
        histogram.Record(-5);
        histogram.Record(2_000_000);
        histogram.Record(500, count: 3);
        Assert.Equal(5, histogram.Count);
        Assert.Equal(1, histogram.Saturated);
        Assert.Equal(0, histogram.Min);
        Assert.Equal(1_000_000, histogram.Max);
        Assert.Equal(1_000_000, histogram.Percentile(100));
        Assert.Equal(501, histogram.Percentile(50)); // 500 and 501 share a sub-bucket; its top is reported
    }

    [Fact]
    public void An_hour_fits_with_two_digits_in_a_small_footprint_and_reset_empties_it()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(LatencyHistogram.DefaultHighestTrackableValue);
        long top = histogram.Percentile(100);
        Assert.Equal(LatencyHistogram.DefaultHighestTrackableValue, top);
        Assert.Equal(0, histogram.Saturated);
        Assert.True(histogram.FootprintBytes <= 48 * 1024, $"{histogram.FootprintBytes} bytes");
        histogram.Reset();
        Assert.Equal((0L, 0L, 0L, 0L), (histogram.Count, histogram.Min, histogram.Max, histogram.Percentile(99)));
        Assert.Equal(0, histogram.Mean);
        Assert.Throws<ArgumentOutOfRangeException>(() => histogram.Percentile(101));
    }

    [Fact]
    public void Record_allocates_nothing()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(1);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (long v = 0; v < 1_000_000; v++) histogram.Record(v * 7919 % 10_000_000_000);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static long NearestRank(long[] sorted, double percentile)
    {
        long rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * sorted.Length));
        return sorted[Math.Min(rank, sorted.Length) - 1];
    }

    private static long Sample(string distribution, Random random) => distribution switch
    {
        "uniform" => random.NextInt64(1, 10_000_000_000),
        // Latency-like: a median around 20 µs with a long tail into the tens of milliseconds.
        "lognormal" => (long)Math.Exp(10 + 1.5 * Gaussian(random)),
        "bimodal" => random.Next(10) == 0 ? random.NextInt64(5_000_000, 6_000_000) : random.NextInt64(800, 1200),
        _ => random.NextInt64(0, 600),
    };

    [Fact]
    public void Buckets_are_the_non_empty_sub_buckets_in_order_each_holding_its_values()
    {
        var histogram = new LatencyHistogram();
        var values = new List<long>();
        for (long v = 0; v < 1_000_000_000; v = v * 3 / 2 + 1)
        {
            histogram.Record(v);
            values.Add(v);
        }
        var buckets = histogram.Buckets().ToList();
        Assert.Equal(histogram.Count, buckets.Sum(bucket => bucket.Count));
        Assert.All(buckets, bucket => Assert.True(bucket.Low <= bucket.High && bucket.Count > 0));
        Assert.All(buckets.Zip(buckets.Skip(1)), pair => Assert.True(pair.First.High < pair.Second.Low));
        // Every value lies in exactly one bucket, and values below the first sub-bucket count are exact.
        Assert.All(values, value => Assert.Single(buckets, bucket => bucket.Low <= value && value <= bucket.High));
        Assert.All(buckets.Where(bucket => bucket.High < 128), bucket => Assert.Equal(bucket.Low, bucket.High));

        // Merged halves have the same buckets as the whole.
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        for (int i = 0; i < values.Count; i++) (i % 2 == 0 ? a : b).Record(values[i]);
        a.Merge(b);
        Assert.Equal(buckets, a.Buckets());
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
