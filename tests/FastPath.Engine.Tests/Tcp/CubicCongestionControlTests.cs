using FastPath.Engine.Tcp;

namespace FastPath.Engine.Tests.Tcp;

public class CubicCongestionControlTests
{
    private const int Mss = 1000;
    private const long Second = 1_000_000_000;

    /// <summary>A sender that keeps its window full on a path with a fixed RTT, ACKing every segment.</summary>
    private sealed class Path(CubicCongestionControl cubic, long rtt)
    {
        public long Now { get; private set; } = 5 * Second;

        public double Segments => (double)cubic.CongestionWindow / Mss;

        /// <summary>One RTT: every segment of the window ACKed, the ACKs spread evenly over the RTT.</summary>
        public void Round()
        {
            int window = cubic.CongestionWindow;
            int acks = window / Mss;
            for (int i = 0; i < acks; i++)
                cubic.OnAck(Mss, cubic.CongestionWindow, rtt, Now + (i + 1) * rtt / acks); // each ACK refills the window
            Now += rtt;
        }
    }

    /// <summary>Slow start to <paramref name="segments"/>, then a loss and the end of its recovery.</summary>
    private static CubicCongestionControl AfterLossAt(int segments)
    {
        var cubic = new CubicCongestionControl();
        cubic.Reset(Mss);
        while (cubic.CongestionWindow < segments * Mss) cubic.OnAck(Mss, cubic.CongestionWindow, 0, 0);
        Assert.Equal(segments * Mss, cubic.CongestionWindow);
        cubic.OnEnterRecovery(segments * Mss, 0);
        cubic.OnExitRecovery(0);
        return cubic;
    }

    [Fact]
    public void A_loss_sets_w_max_and_reduces_by_beta()
    {
        CubicCongestionControl cubic = AfterLossAt(100);
        Assert.Equal(100, cubic.WindowMaxSegments);
        Assert.Equal(70 * Mss, cubic.SlowStartThreshold);
        Assert.Equal(70 * Mss, cubic.CongestionWindow);
    }

    [Fact]
    public void After_a_loss_the_window_follows_w_cubic_concave_up_to_w_max_then_convex()
    {
        // A 200 ms RTT keeps W_est (0.53 segments per RTT) below the curve for the whole run, so every
        // ACK is in the concave or convex region (the Reno-friendly case has its own test).
        CubicCongestionControl cubic = AfterLossAt(100);
        long rtt = 200_000_000;
        var path = new Path(cubic, rtt);
        long epochStart = path.Now + rtt / 70; // the first ACK of congestion avoidance starts the epoch
        path.Round();

        // K = cbrt(W_max (1 - beta) / C) = cbrt(100 * 0.3 / 0.4) = 4.217 s (RFC 9438 section 4.2).
        double k = Math.Cbrt(100 * (1 - 0.7) / 0.4);
        Assert.Equal(k, cubic.K, 6);
        static double WCubic(double t, double k) => 0.4 * Math.Pow(t - k, 3) + 100;

        var samples = new List<(double T, double Segments)>();
        while (path.Now - epochStart < 8 * Second)
        {
            path.Round();
            double t = (double)(path.Now - epochStart) / Second;
            // Each ACK closes 1/cwnd of the gap to W_cubic one RTT ahead (RFC 9438 section 4.4), so a round
            // closes most of it: the window trails the curve by about an RTT and never passes its target.
            Assert.InRange(path.Segments, WCubic(t - (double)rtt / Second, k) - 1, WCubic(t + (double)rtt / Second, k) + 1);
            Assert.True(cubic.EstimatedRenoWindowSegments < path.Segments, $"t={t:F2} W_est={cubic.EstimatedRenoWindowSegments:F2} cwnd={path.Segments}"); // not the Reno-friendly region here
            samples.Add((t, path.Segments));
        }

        (double T, double Segments) atK = samples.MinBy(sample => Math.Abs(sample.T - k));
        Assert.InRange(atK.Segments, 99, 101); // W(K) = W_max within a segment

        double[] growth = samples.Zip(samples.Skip(1), (a, b) => b.Segments - a.Segments).ToArray();
        double[] times = samples.Skip(1).Select(sample => sample.T).ToArray();
        for (int i = 1; i < growth.Length; i++)
        {
            if (times[i] < k - 0.2) Assert.True(growth[i] <= growth[i - 1] + 0.05, $"concave before K: t={times[i]:F2} {growth[i]:F3} > {growth[i - 1]:F3}");
            if (times[i - 1] > k + 0.2) Assert.True(growth[i] >= growth[i - 1] - 0.05, $"convex after K: t={times[i]:F2} {growth[i]:F3} < {growth[i - 1]:F3}");
        }
        Assert.True(growth[0] > 2);                    // fast at first ...
        Assert.True(growth.Min() < 0.1);               // ... a plateau around W_max ...
        Assert.True(samples[^1].Segments > 100 + 20);  // ... then probing beyond it
    }

    [Fact]
    public void The_window_never_grows_more_than_half_in_one_round()
    {
        CubicCongestionControl cubic = AfterLossAt(20);
        var path = new Path(cubic, 2 * Second); // long RTT: W_cubic one RTT ahead runs far ahead of cwnd
        for (int round = 0; round < 10; round++)
        {
            double before = path.Segments;
            path.Round();
            Assert.True(path.Segments <= before * 1.5 + 0.01, $"{before} -> {path.Segments}");
            Assert.True(path.Segments >= before);
        }
    }

    [Fact]
    public void With_a_short_rtt_and_a_small_window_the_reno_friendly_estimate_leads()
    {
        // W_max = 20: K = cbrt(15) = 2.47 s, so W_cubic barely moves in 100 ms; at a 1 ms RTT Reno would
        // add a segment per millisecond. RFC 9438 section 4.3: cwnd = W_est, which grows by
        // alpha = 3 (1 - beta) / (1 + beta) = 0.53 per RTT up to W_max and by 1 per RTT after.
        CubicCongestionControl cubic = AfterLossAt(20);
        var path = new Path(cubic, 1_000_000);
        for (int round = 0; round < 100; round++) path.Round();
        double expected = 20 + (100 - (20 - 14) / CubicCongestionControl.RenoFriendlyAlpha);
        Assert.InRange(path.Segments, expected - 5, expected + 5);
        Assert.Equal(cubic.EstimatedRenoWindowSegments, path.Segments, 2);
        Assert.True(cubic.CubicWindowSegments(0.1) < 16);
    }

    [Fact]
    public void Fast_convergence_lowers_w_max_when_a_loss_comes_before_the_last_plateau()
    {
        CubicCongestionControl cubic = AfterLossAt(100);
        var path = new Path(cubic, 100_000_000);
        while (path.Segments < 90) path.Round();
        double atLoss = path.Segments;
        cubic.OnEnterRecovery(cubic.CongestionWindow, path.Now);
        Assert.Equal(atLoss * (1 + 0.7) / 2, cubic.WindowMaxSegments, 2);
        Assert.InRange(cubic.SlowStartThreshold, atLoss * 0.7 * Mss - 1, atLoss * 0.7 * Mss + 1);
        cubic.OnExitRecovery(path.Now);

        while (path.Segments < 110) path.Round(); // past W_max: no fast convergence for the next loss
        atLoss = path.Segments;
        cubic.OnEnterRecovery(cubic.CongestionWindow, path.Now);
        Assert.Equal(atLoss, cubic.WindowMaxSegments, 2);
    }

    [Fact]
    public void A_timeout_restarts_in_slow_start_up_to_ssthresh_then_follows_the_curve_toward_w_max()
    {
        CubicCongestionControl cubic = AfterLossAt(100);
        var path = new Path(cubic, 100_000_000);
        while (path.Segments < 100) path.Round(); // plateau reached: W_max stays 100 at the next loss
        double atTimeout = path.Segments;
        cubic.OnRetransmitTimeout(cubic.CongestionWindow, path.Now);
        Assert.Equal(Mss, cubic.CongestionWindow);
        int ssthresh = cubic.SlowStartThreshold;
        Assert.InRange(ssthresh, atTimeout * 0.7 * Mss - 1, atTimeout * 0.7 * Mss + 1);
        double windowMax = cubic.WindowMaxSegments;
        cubic.OnRetransmitTimeout(Mss, path.Now); // the retransmission lost too: nothing reduced twice
        Assert.Equal(ssthresh, cubic.SlowStartThreshold);
        Assert.Equal(windowMax, cubic.WindowMaxSegments);

        cubic.OnAck(Mss, Mss, 100_000_000, path.Now);
        Assert.Equal(2 * Mss, cubic.CongestionWindow); // slow start, one segment per segment ACKed
        while (cubic.CongestionWindow < ssthresh) path.Round();
        Assert.InRange(cubic.CongestionWindow, ssthresh, ssthresh + 2 * Mss);
        path.Round();
        // The epoch starts at the window slow start reached: K = cbrt((W_max - cwnd_epoch) / C).
        Assert.InRange(cubic.K, Math.Cbrt((windowMax - (ssthresh + 2.0 * Mss) / Mss) / 0.4), Math.Cbrt((windowMax - (double)ssthresh / Mss) / 0.4));
    }

    [Fact]
    public void A_timeout_during_fast_recovery_does_not_reduce_again()
    {
        CubicCongestionControl cubic = AfterLossAt(100);
        var path = new Path(cubic, 100_000_000);
        while (path.Segments < 100) path.Round();
        int window = cubic.CongestionWindow;
        cubic.OnEnterRecovery(window, path.Now);
        int ssthresh = cubic.SlowStartThreshold;
        double windowMax = cubic.WindowMaxSegments;
        cubic.OnRetransmitTimeout(window, path.Now);
        Assert.Equal(ssthresh, cubic.SlowStartThreshold);
        Assert.Equal(windowMax, cubic.WindowMaxSegments);
        Assert.Equal(Mss, cubic.CongestionWindow);
    }

    [Fact]
    public void Without_a_loss_yet_the_curve_starts_on_its_plateau()
    {
        var cubic = new CubicCongestionControl();
        cubic.Reset(Mss);
        cubic.OnEnterRecovery(10 * Mss, 0); // ssthresh 7 segments, W_max 10
        cubic.OnExitRecovery(0);
        var path = new Path(cubic, 10_000_000);
        for (int round = 0; round < 200; round++) path.Round();
        // Long past W_max: the next epoch (after an idle restart) has nothing to regain, K = 0.
        cubic.OnIdleRestart(path.Now);
        Assert.Equal(10 * Mss, cubic.CongestionWindow);
        Assert.True(cubic.SlowStartThreshold < 10 * Mss);
        cubic.OnAck(Mss, 10 * Mss, 10_000_000, path.Now + 1);
        Assert.Equal(0, cubic.K);
    }

    [Fact]
    public void Reset_and_the_initial_window()
    {
        var cubic = new CubicCongestionControl();
        cubic.Reset(1460);
        Assert.Equal(14600, cubic.CongestionWindow);
        Assert.Equal(int.MaxValue, cubic.SlowStartThreshold);
        cubic.OnAck(1460, 14600, 0, 0);
        Assert.Equal(14600 + 1460, cubic.CongestionWindow);
        cubic.OnAck(1460, 1460, 0, 0); // application-limited: no growth
        Assert.Equal(14600 + 1460, cubic.CongestionWindow);
        cubic.OnRetransmitTimeout(16060, 0);
        cubic.Reset(1460);
        Assert.Equal(0, cubic.WindowMaxSegments);
        Assert.Equal(14600, cubic.CongestionWindow);
    }

    [Fact]
    public void Acks_losses_and_timeouts_allocate_nothing()
    {
        ICongestionControl[] algorithms = [new CubicCongestionControl(), new NewRenoCongestionControl()];
        void Work()
        {
            foreach (ICongestionControl cc in algorithms)
            {
                cc.Reset(Mss);
                for (int i = 0; i < 10_000; i++)
                {
                    cc.OnAck(Mss, cc.CongestionWindow, 10_000_000, i * 100_000L);
                    if (i % 1000 == 999) { cc.OnEnterRecovery(cc.CongestionWindow, i * 100_000L); cc.OnExitRecovery(i * 100_000L); }
                    if (i % 5000 == 4999) cc.OnRetransmitTimeout(cc.CongestionWindow, i * 100_000L);
                }
            }
        }
        Work();
        long before = GC.GetAllocatedBytesForCurrentThread();
        Work();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
