using FastPath.Engine.Tcp;

namespace FastPath.Engine.Tests.Tcp;

public class NewRenoCongestionControlTests
{
    private const int Mss = 1000;
    private const long Rtt = 100_000_000;

    private static NewRenoCongestionControl Fresh()
    {
        var reno = new NewRenoCongestionControl();
        reno.Reset(Mss);
        return reno;
    }

    /// <summary>
    /// One RTT of a window-limited sender: the window at the start of the round acknowledged in ACKs of
    /// <paramref name="segmentsPerAck"/>; each ACK lets the sender fill the window again, so the flight is cwnd.
    /// </summary>
    private static void OneRound(NewRenoCongestionControl cc, int segmentsPerAck = 1)
    {
        int window = cc.CongestionWindow;
        for (int acked = 0; acked < window; acked += segmentsPerAck * Mss)
            cc.OnAck(Math.Min(segmentsPerAck * Mss, window - acked), cc.CongestionWindow, Rtt, 0);
    }

    [Theory]
    [InlineData(1460, 14600)] // RFC 6928: min(10 MSS, max(2 MSS, 14600))
    [InlineData(536, 5360)]
    [InlineData(1000, 10000)]
    [InlineData(9000, 18000)]
    public void The_initial_window_is_rfc_6928s(int mss, int initialWindow)
    {
        var reno = new NewRenoCongestionControl();
        reno.Reset(mss);
        Assert.Equal(initialWindow, reno.CongestionWindow);
        Assert.Equal(int.MaxValue, reno.SlowStartThreshold);
        Assert.Equal(initialWindow, CongestionWindowRules.Initial(mss));
    }

    [Fact]
    public void Slow_start_doubles_per_round_and_counts_at_most_two_segments_per_ack()
    {
        var reno = Fresh();
        OneRound(reno);
        Assert.Equal(20 * Mss, reno.CongestionWindow);
        OneRound(reno, segmentsPerAck: 2); // delayed ACKs: byte counting still doubles (RFC 3465)
        Assert.Equal(40 * Mss, reno.CongestionWindow);
        reno.OnAck(5 * Mss, 40 * Mss, Rtt, 0); // a stretch ACK: L = 2 limits the increase
        Assert.Equal(42 * Mss, reno.CongestionWindow);
        reno.OnAck(300, 40 * Mss, Rtt, 0);      // a partial segment counts as its bytes
        Assert.Equal(42 * Mss + 300, reno.CongestionWindow);
    }

    [Fact]
    public void Congestion_avoidance_adds_one_segment_per_window_of_acknowledged_bytes()
    {
        var reno = Fresh();
        for (int i = 0; i < 3; i++) OneRound(reno); // 80 segments
        reno.OnEnterRecovery(80 * Mss, 0);
        Assert.Equal(40 * Mss, reno.SlowStartThreshold);
        Assert.Equal(40 * Mss, reno.CongestionWindow);
        reno.OnExitRecovery(0);
        Assert.Equal(40 * Mss, reno.CongestionWindow);

        for (int round = 1; round <= 5; round++)
        {
            OneRound(reno);
            Assert.Equal((40 + round) * Mss, reno.CongestionWindow);
        }
        for (int round = 1; round <= 5; round++)
        {
            OneRound(reno, segmentsPerAck: 2); // halving the ACKs changes nothing
            Assert.Equal((45 + round) * Mss, reno.CongestionWindow);
        }
        Assert.Equal(40 * Mss, reno.SlowStartThreshold);
    }

    [Fact]
    public void Recovery_halves_the_flight_not_below_two_segments()
    {
        var reno = Fresh();
        reno.OnEnterRecovery(Mss, 0);
        Assert.Equal(2 * Mss, reno.SlowStartThreshold);
        Assert.Equal(2 * Mss, reno.CongestionWindow);
        reno.OnEnterRecovery(31 * Mss, 0);
        Assert.Equal(31 * Mss / 2, reno.SlowStartThreshold);
    }

    [Fact]
    public void A_timeout_collapses_the_window_to_one_segment_and_slow_start_climbs_back_to_ssthresh()
    {
        var reno = Fresh();
        for (int i = 0; i < 3; i++) OneRound(reno); // 80 segments
        reno.OnRetransmitTimeout(80 * Mss, 0);
        Assert.Equal(Mss, reno.CongestionWindow);
        Assert.Equal(40 * Mss, reno.SlowStartThreshold);

        // The retransmission is lost too: ssthresh stays (RFC 5681 3.1), the window stays one segment.
        reno.OnRetransmitTimeout(Mss, 0);
        Assert.Equal(40 * Mss, reno.SlowStartThreshold);
        Assert.Equal(Mss, reno.CongestionWindow);

        reno.OnAck(Mss, Mss, Rtt, 0);
        Assert.Equal(2 * Mss, reno.CongestionWindow);
        for (int round = 0; round < 4; round++) OneRound(reno);
        Assert.Equal(32 * Mss, reno.CongestionWindow);
        OneRound(reno);
        Assert.InRange(reno.CongestionWindow, 40 * Mss, 41 * Mss); // slow start stops at ssthresh (+ one ACK's worth)
        int before = reno.CongestionWindow;
        OneRound(reno);
        Assert.InRange(reno.CongestionWindow - before, Mss, 2 * Mss);

        // After progress a new timeout halves again.
        reno.OnRetransmitTimeout(40 * Mss, 0);
        Assert.Equal(20 * Mss, reno.SlowStartThreshold);
    }

    [Fact]
    public void A_timeout_during_fast_recovery_keeps_the_ssthresh_recovery_chose()
    {
        var reno = Fresh();
        for (int i = 0; i < 3; i++) OneRound(reno); // 80 segments
        reno.OnEnterRecovery(80 * Mss, 0);
        reno.OnRetransmitTimeout(40 * Mss, 0);      // the same losses: no second halving
        Assert.Equal(40 * Mss, reno.SlowStartThreshold);
        Assert.Equal(Mss, reno.CongestionWindow);

        reno.OnAck(Mss, Mss, Rtt, 0);               // progress ends the episode
        reno.OnEnterRecovery(2 * Mss, 0);
        reno.OnExitRecovery(0);
        reno.OnRetransmitTimeout(30 * Mss, 0);      // recovery finished: a new event reduces again
        Assert.Equal(15 * Mss, reno.SlowStartThreshold);
    }

    [Fact]
    public void An_application_limited_sender_does_not_grow_the_window()
    {
        var reno = Fresh();
        for (int i = 0; i < 100; i++) reno.OnAck(Mss, 2 * Mss, Rtt, 0); // two segments out of a ten-segment window
        Assert.Equal(10 * Mss, reno.CongestionWindow);
        reno.OnAck(Mss, 5 * Mss, Rtt, 0); // half the window in use counts as limited
        Assert.Equal(11 * Mss, reno.CongestionWindow);
    }

    [Fact]
    public void Restart_after_idle_falls_back_to_the_initial_window_at_most()
    {
        var reno = Fresh();
        for (int i = 0; i < 3; i++) OneRound(reno);
        reno.OnIdleRestart(0);
        Assert.Equal(10 * Mss, reno.CongestionWindow);
        reno.OnRetransmitTimeout(10 * Mss, 0);
        reno.OnIdleRestart(0);
        Assert.Equal(Mss, reno.CongestionWindow); // min(IW, cwnd)
    }

    [Fact]
    public void Reset_forgets_everything()
    {
        var reno = Fresh();
        reno.OnRetransmitTimeout(80 * Mss, 0);
        reno.Reset(1460);
        Assert.Equal(14600, reno.CongestionWindow);
        Assert.Equal(int.MaxValue, reno.SlowStartThreshold);
    }

    [Fact]
    public void The_factory_builds_the_named_algorithm()
    {
        Assert.IsType<CubicCongestionControl>(CongestionControlFactory.Create(TcpCongestionControl.Cubic));
        Assert.IsType<NewRenoCongestionControl>(CongestionControlFactory.Create(TcpCongestionControl.NewReno));
        Assert.Throws<ArgumentOutOfRangeException>(() => CongestionControlFactory.Create((TcpCongestionControl)99));
    }
}
