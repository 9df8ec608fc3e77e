using BenchmarkDotNet.Attributes;
using FastPath.Engine.Telemetry;

namespace FastPath.Benchmarks;

/// <summary>LatencyHistogram.Record per value, over latency-like values spread across many buckets; and a p99 query.</summary>
[MedianColumn]
public class HistogramBenchmarks
{
    private const int Values = 1024;

    private LatencyHistogram _histogram = null!;
    private long[] _values = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(4);
        _histogram = new LatencyHistogram();
        _values = new long[Values];
        for (int i = 0; i < Values; i++) _values[i] = (long)Math.Exp(8 + 2 * random.NextDouble() * random.NextDouble() * 4);
        foreach (long value in _values) _histogram.Record(value);
    }

    [Benchmark(OperationsPerInvoke = Values)]
    public void Record()
    {
        LatencyHistogram histogram = _histogram;
        foreach (long value in _values) histogram.Record(value);
    }

    [Benchmark]
    public long Percentile99() => _histogram.Percentile(99);
}
