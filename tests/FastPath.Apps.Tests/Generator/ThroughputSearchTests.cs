using FastPath.Apps.Generator;

namespace FastPath.Apps.Tests.Generator;

/// <summary>The RFC 2544 binary search against a made-up device that loses frames above a known rate.</summary>
public sealed class ThroughputSearchTests
{
    [Theory]
    [InlineData(1_000_000, 400_000)]
    [InlineData(1_000_000, 999_000)]
    [InlineData(1_000_000, 1_000)]
    [InlineData(2_000_000, 0)]
    public void Converges_to_the_highest_passing_rate_within_the_resolution(double senderMax, double deviceLimit)
    {
        var search = new ThroughputSearch(resolution: 0.01, maxTrials: 40);
        while (search.Next() is { } offered)
        {
            double sent = double.IsPositiveInfinity(offered) ? senderMax : offered;
            search.Record(new ThroughputTrial(offered, sent, (long)sent, 0, sent <= deviceLimit));
        }
        Assert.False(search.LimitedBySender);
        Assert.True(search.Throughput <= deviceLimit);
        Assert.True(search.Throughput >= deviceLimit - 0.011 * senderMax || deviceLimit == 0, $"throughput {search.Throughput} for a limit of {deviceLimit}");
        Assert.True(search.Trials.Count <= 9, $"{search.Trials.Count} trials");
        if (search.Throughput > 0) Assert.Equal(search.Throughput, search.Trials[search.ThroughputTrialIndex!.Value].OfferedPps);
    }

    [Fact]
    public void A_path_faster_than_the_sender_ends_after_one_trial_at_the_senders_rate()
    {
        var search = new ThroughputSearch();
        Assert.Equal(double.PositiveInfinity, search.Next());
        search.Record(new ThroughputTrial(double.PositiveInfinity, 812_000, 812_000, 812_000, true));
        Assert.Null(search.Next());
        Assert.True(search.LimitedBySender);
        Assert.Equal(812_000, search.Throughput);
    }

    [Fact]
    public void Stops_at_the_trial_limit()
    {
        var search = new ThroughputSearch(resolution: 1e-9, maxTrials: 5);
        while (search.Next() is { } offered) search.Record(new ThroughputTrial(offered, double.IsPositiveInfinity(offered) ? 1e6 : offered, 1, 0, offered < 123_456));
        Assert.Equal(5, search.Trials.Count);
    }
}
