using System.Text.Json;

namespace FastPath.Apps.Tests.Soak;

/// <summary>The soak's growth verdict on series made to order: flat passes, each kind of growth fails.</summary>
public sealed class GrowthCheckTests
{
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(30);
    private static readonly JsonElement NoCounters = JsonDocument.Parse("{}").RootElement;

    [Fact]
    public void A_flat_process_with_jitter_passes()
    {
        GrowthReport report = GrowthCheck.Check("flat", Series(_ => { }), WarmUp, new GrowthLimits());
        Assert.True(report.Passed, report.ToString());
    }

    [Fact]
    public void Growth_during_the_warm_up_does_not_count()
    {
        GrowthReport report = GrowthCheck.Check("warming", Series(sample => sample.Rss += sample.Second < 30 ? sample.Second * (1 << 20) : 30 << 20), WarmUp, new GrowthLimits());
        Assert.True(report.Passed, report.ToString());
    }

    [Fact]
    public void A_frame_leaked_every_second_fails_the_pool_check()
    {
        GrowthReport report = GrowthCheck.Check("leak", Series(sample => sample.InUse += sample.Second), WarmUp, new GrowthLimits());
        Assert.Contains(report.Failures, failure => failure.Contains("trends up", StringComparison.Ordinal));
    }

    [Fact]
    public void A_service_whose_pool_does_not_come_back_after_the_traffic_fails()
    {
        // During the traffic the level jitters as much as ever; once idle, 40 frames are still out.
        StatsSample[] series = Series(_ => { });
        StatsSample idle = series[^2] with { Ports = [series[^2].Ports[0] with { PoolInUse = series[0].Ports[0].PoolInUse + 40 }] };
        GrowthReport report = GrowthCheck.Check("service", [.. series[..^2], idle, series[^1]], WarmUp, new GrowthLimits(), endsIdle: true);
        Assert.Contains(report.Failures, failure => failure.Contains("did not come back", StringComparison.Ordinal));
        GrowthReport same = GrowthCheck.Check("service", series, WarmUp, new GrowthLimits(), endsIdle: true);
        Assert.True(same.Passed, same.ToString());
    }

    [Fact]
    public void Resident_memory_growing_200_KiB_a_second_fails()
    {
        GrowthReport report = GrowthCheck.Check("rss", Series(sample => sample.Rss += sample.Second * 200 * 1024), WarmUp, new GrowthLimits());
        Assert.Contains(report.Failures, failure => failure.StartsWith("RSS beyond the managed heap grew", StringComparison.Ordinal));
    }

    [Fact]
    public void A_heap_that_keeps_what_it_allocates_fails()
    {
        GrowthReport report = GrowthCheck.Check("heap", Series(sample => sample.HeapAfterGc += sample.Second * 100 * 1024), WarmUp, new GrowthLimits());
        Assert.Contains(report.Failures, failure => failure.Contains("survives collections", StringComparison.Ordinal));
    }

    [Fact]
    public void An_allocation_per_packet_fails_the_allocation_and_gen0_checks()
    {
        // 24 bytes a packet at 50 kpps, and the gen0 collections that such a rate causes.
        GrowthReport report = GrowthCheck.Check("alloc", Series(sample =>
        {
            sample.Allocated += sample.Second * 24L * 50_000;
            sample.Gen0 += sample.Second / 2;
        }), WarmUp, new GrowthLimits());
        Assert.Contains(report.Failures, failure => failure.StartsWith("allocated", StringComparison.Ordinal));
        Assert.Contains(report.Failures, failure => failure.Contains("gen0", StringComparison.Ordinal));
    }

    [Fact]
    public void One_gen2_collection_after_the_warm_up_fails()
    {
        GrowthReport report = GrowthCheck.Check("gen2", Series(sample => sample.Gen2 += sample.Second > 80 ? 1 : 0), WarmUp, new GrowthLimits());
        Assert.Contains(report.Failures, failure => failure.Contains("gen2", StringComparison.Ordinal));
    }

    [Fact]
    public void Resident_memory_that_follows_the_heap_between_collections_passes()
    {
        // The heap climbs with the reporting's allocations until a collection; its pages stay resident.
        GrowthReport report = GrowthCheck.Check("sawtooth", Series(sample =>
        {
            long grown = (sample.Second % 60) * 200L * 1024;
            sample.Live = grown;
            sample.Rss += Math.Min(sample.Second, 59) * 200L * 1024;
        }), WarmUp, new GrowthLimits());
        Assert.True(report.Passed, report.ToString());
    }

    [Fact]
    public void Frames_missing_from_the_pool_after_the_ports_closed_fail()
    {
        StatsSample[] series = Series(_ => { });
        StatsSample final = series[^1] with { Ports = [series[^1].Ports[0] with { PoolInUse = 3 }] };
        GrowthReport report = GrowthCheck.Check("leak", [.. series[..^1], final], WarmUp, new GrowthLimits());
        Assert.Contains(report.Failures, failure => failure.Contains("never came back", StringComparison.Ordinal));
    }

    [Fact]
    public void A_process_that_stopped_reporting_fails()
    {
        GrowthReport report = GrowthCheck.Check("silent", Series(_ => { }).Take(20).ToArray(), WarmUp, new GrowthLimits());
        Assert.False(report.Passed);
    }

    /// <summary>120 one-second samples of a steady process (80 MiB RSS, a heap, a 4096-frame pool whose level jitters by a burst), shaped by <paramref name="shape"/>.</summary>
    private static StatsSample[] Series(Action<Shape> shape)
    {
        StatsSample[] live = LiveSeries(shape);
        return [.. live, live[^1] with { Final = true, Ports = [live[^1].Ports[0] with { PoolInUse = 0 }] }];
    }

    private static StatsSample[] LiveSeries(Action<Shape> shape)
    {
        var random = new Random(7);
        return [.. Enumerable.Range(0, 120).Select(second =>
        {
            var sample = new Shape
            {
                Second = second,
                Rss = (80L << 20) + random.Next(-(1 << 20), 1 << 20),
                HeapAfterGc = 3L << 20,
                Allocated = second * 4096L,
                InUse = 2048 + random.Next(-32, 33),
                Live = (second % 40) * 4096,
            };
            shape(sample);
            return new StatsSample(second, false, sample.Rss + sample.HeapAfterGc, sample.HeapAfterGc + sample.Live, sample.HeapAfterGc, sample.Allocated,
                sample.Gen0, 0, sample.Gen2, [new PortSample(0, sample.InUse, 4096, second * 50_000L, 0, 0, 0, 0)], NoCounters);
        })];
    }

    private sealed class Shape
    {
        public int Second { get; init; }
        public long Rss { get; set; }
        public long HeapAfterGc { get; set; }
        public long Allocated { get; set; }
        public int Gen0 { get; set; }
        public int Gen2 { get; set; }
        public int InUse { get; set; }
        public long Live { get; set; }
    }
}
