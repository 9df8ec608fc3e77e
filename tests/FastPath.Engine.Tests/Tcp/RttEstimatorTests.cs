using FastPath.Engine.Tcp;
using FsCheck;
using FsCheck.Fluent;

namespace FastPath.Engine.Tests.Tcp;

public class RttEstimatorTests
{
    private const long Ms = 1_000_000;
    private const long S = 1000 * Ms;

    private static RttEstimator Linux() => new(initialRto: 1 * S, minimumRto: 200 * Ms, maximumRto: 120 * S);

    [Fact]
    public void Before_any_sample_the_rto_is_the_initial_one()
    {
        var rtt = Linux();
        Assert.False(rtt.HasSample);
        Assert.Equal(1 * S, rtt.Rto);
    }

    [Fact]
    public void First_sample_sets_srtt_to_r_and_rttvar_to_half_of_it()
    {
        // RFC 6298 2.2: SRTT = R, RTTVAR = R/2, RTO = SRTT + max(G, 4 RTTVAR) = 100 + 200 ms.
        var rtt = new RttEstimator(1 * S, 1 * Ms, 60 * S);
        rtt.AddSample(100 * Ms);
        Assert.True(rtt.HasSample);
        Assert.Equal(100 * Ms, rtt.SmoothedRtt);
        Assert.Equal(50 * Ms, rtt.RttVariance);
        Assert.Equal(300 * Ms, rtt.Rto);
    }

    [Fact]
    public void Later_samples_use_beta_a_quarter_and_alpha_an_eighth()
    {
        // RFC 6298 2.3 with R' = 200 ms after R = 100 ms:
        // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5; RTO = 112.5 + 250.
        var rtt = new RttEstimator(1 * S, 1 * Ms, 60 * S);
        rtt.AddSample(100 * Ms);
        rtt.AddSample(200 * Ms);
        Assert.Equal(62_500_000, rtt.RttVariance);
        Assert.Equal(112_500_000, rtt.SmoothedRtt);
        Assert.Equal(362_500_000, rtt.Rto);
        // Steady samples shrink the variance toward zero and SRTT toward the sample.
        for (int i = 0; i < 200; i++) rtt.AddSample(100 * Ms);
        Assert.InRange(rtt.SmoothedRtt, 100 * Ms, 100 * Ms + 10);
        Assert.InRange(rtt.RttVariance, 0, 10);
    }

    [Fact]
    public void The_clock_granularity_is_the_least_variance_term()
    {
        var rtt = new RttEstimator(1 * S, 1, 60 * S, clockGranularity: 1 * Ms);
        rtt.AddSample(0);
        Assert.Equal(1 * Ms, rtt.Rto); // SRTT 0 + max(G, 0)
    }

    [Fact]
    public void The_rto_is_clamped_to_the_minimum_and_the_maximum()
    {
        var rtt = Linux();
        rtt.AddSample(1 * Ms);          // 1 + 2 ms computed
        Assert.Equal(200 * Ms, rtt.Rto);
        var slow = Linux();
        slow.AddSample(100 * S);        // 100 + 200 s computed
        Assert.Equal(120 * S, slow.Rto);
        Assert.Equal(120 * S, new RttEstimator(500 * S, 200 * Ms, 120 * S).Rto);
    }

    [Fact]
    public void Backoff_doubles_up_to_the_maximum_and_a_sample_or_reset_ends_it()
    {
        var rtt = Linux();
        long[] expected = [2 * S, 4 * S, 8 * S, 16 * S, 32 * S, 64 * S, 120 * S, 120 * S];
        foreach (long rto in expected)
        {
            rtt.Backoff();
            Assert.Equal(rto, rtt.Rto);
        }
        for (int i = 0; i < 100; i++) rtt.Backoff(); // no overflow however long the peer is gone
        Assert.Equal(120 * S, rtt.Rto);
        Assert.Equal(62, rtt.BackoffCount);
        rtt.ResetBackoff();
        Assert.Equal(0, rtt.BackoffCount);
        Assert.Equal(1 * S, rtt.Rto);

        rtt.AddSample(100 * Ms);
        rtt.Backoff();
        rtt.Backoff();
        Assert.Equal(4 * 300 * Ms, rtt.Rto);
        rtt.AddSample(100 * Ms); // RTTVAR 37.5 ms: 100 + 150
        Assert.Equal(0, rtt.BackoffCount);
        Assert.Equal(250 * Ms, rtt.Rto);

        rtt.Backoff();
        rtt.Reset();
        Assert.False(rtt.HasSample);
        Assert.Equal(0, rtt.BackoffCount);
        Assert.Equal(1 * S, rtt.Rto);
    }

    [Fact]
    public void Invalid_settings_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RttEstimator(1 * S, 0, 1 * S));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RttEstimator(1 * S, 2 * S, 1 * S));
        Assert.Throws<ArgumentOutOfRangeException>(() => Linux().AddSample(-1));
    }

    /// <summary>Whatever the samples and backoffs, the RTO stays within the bounds and SRTT within the samples seen.</summary>
    [Fact]
    public void Rto_stays_within_bounds_and_srtt_within_the_samples() =>
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll<uint[], byte>((samples, backoffs) =>
        {
            var rtt = Linux();
            foreach (uint sample in samples) rtt.AddSample(sample * 1000L);
            if (samples.Length > 0)
            {
                Assert.InRange(rtt.SmoothedRtt, samples.Min() * 1000L, samples.Max() * 1000L);
                Assert.True(rtt.RttVariance >= 0);
            }
            long before = rtt.Rto;
            for (int i = 0; i < backoffs % 12; i++) rtt.Backoff();
            Assert.InRange(rtt.Rto, 200 * Ms, 120 * S);
            Assert.Equal(Math.Min(120 * S, before << (backoffs % 12)), rtt.Rto);
        }));
}
