using FastPath.Apps.Sink;

namespace FastPath.Apps.Tests.Sink;

public sealed class LatencyHistogramTests
{
    [Fact]
    public void Percentiles_are_within_one_sixty_fourth_of_the_exact_value()
    {
        var random = new Random(3);
        var values = Enumerable.Range(0, 100_000).Select(_ => (long)Math.Exp(random.NextDouble() * 20)).ToArray();
        var histogram = new LatencyHistogram();
        foreach (long value in values) histogram.Record(value);
        Array.Sort(values);
        foreach (double percentile in new[] { 1, 50, 90, 99, 99.9 })
        {
            long exact = values[(int)Math.Ceiling(percentile / 100 * values.Length) - 1];
            long measured = histogram.Percentile(percentile);
            Assert.InRange(measured, exact - exact / 64 - 1, exact + exact / 64 + 1);
        }
        Assert.Equal(values[^1], histogram.Percentile(100));
        Assert.Equal(values[^1], histogram.Max);
        Assert.Equal(values[0], histogram.Min);
        Assert.Equal(values.Length, histogram.Count);
    }

    [Fact]
    public void Merging_gives_the_histogram_of_all_the_values()
    {
        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        var all = new LatencyHistogram();
        for (long v = 1; v < 1_000_000; v = v * 3 / 2 + 1)
        {
            (v % 2 == 0 ? a : b).Record(v);
            all.Record(v);
        }
        a.Merge(b);
        Assert.Equal(all.Count, a.Count);
        Assert.Equal(all.Buckets(), a.Buckets());
        Assert.Equal(all.Percentile(99), a.Percentile(99));
    }

    [Fact]
    public void Values_below_128_ns_are_exact_and_buckets_tile_the_range()
    {
        var histogram = new LatencyHistogram();
        for (long v = 0; v < 128; v++) histogram.Record(v);
        Assert.Equal(51, histogram.Percentile(40)); // the 52nd of 128 values (0 .. 127)
        histogram.Record(1L << 35);
        var buckets = histogram.Buckets().ToList();
        Assert.All(buckets, bucket => Assert.True(bucket.Low <= bucket.High));
        Assert.InRange(buckets[^1].Low, (1L << 35) - (1L << 29), 1L << 35);
    }
}
