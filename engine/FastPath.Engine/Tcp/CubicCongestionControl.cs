namespace FastPath.Engine.Tcp;

/// <summary>
/// CUBIC, RFC 9438. After a loss the window follows W_cubic(t) = C (t - K)^3 + W_max (section 4.2): concave
/// up to the window of the last loss, a plateau there, then convex probing beyond it, with time measured
/// from the start of the congestion avoidance epoch rather than counted in RTTs, so flows with different
/// RTTs converge. Where standard TCP would grow faster (short RTTs, small windows) the Reno-friendly
/// estimate W_est takes over (section 4.3). The cubic arithmetic is in segments, as the RFC writes it;
/// cwnd is kept in bytes (a double, so per-ACK fractions of a segment accumulate).
/// </summary>
internal sealed class CubicCongestionControl : ICongestionControl
{
    /// <summary>Section 5: C = 0.4 (segments per second cubed).</summary>
    public const double C = 0.4;

    /// <summary>Section 4.6: the multiplicative decrease factor.</summary>
    public const double Beta = 0.7;

    /// <summary>Section 4.3: additive increase of W_est per RTT while below W_max, 3 (1 - beta) / (1 + beta).</summary>
    public const double RenoFriendlyAlpha = 3 * (1 - Beta) / (1 + Beta);

    private const double NanosecondsPerSecond = 1e9;

    private int _mss = 536;
    private double _congestionWindow;   // bytes
    private int _slowStartThreshold;    // bytes
    private double _windowMax;          // W_max, segments: the window just before the last reduction
    private double _estimatedWindow;    // W_est, segments
    private double _k;                  // seconds until W_cubic reaches the origin
    private double _origin;             // segments: the plateau W_cubic grows toward (W_max, or cwnd when above it)
    private long _epochStart;           // ns; -1 when no congestion avoidance epoch runs
    private bool _reducedForThisLoss; // recovery or a timeout cut the window, and no new data was ACKed since

    public CubicCongestionControl() => Reset(_mss);

    public int CongestionWindow => (int)_congestionWindow;

    public int SlowStartThreshold => _slowStartThreshold;

    /// <summary>W_max in segments (for tests and statistics).</summary>
    public double WindowMaxSegments => _windowMax;

    /// <summary>K in seconds of the current epoch (0 before one starts).</summary>
    public double K => _k;

    /// <summary>W_est in segments.</summary>
    public double EstimatedRenoWindowSegments => _estimatedWindow;

    public void Reset(int mss)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mss, 1);
        _mss = mss;
        _congestionWindow = CongestionWindowRules.Initial(mss);
        _slowStartThreshold = int.MaxValue; // section 4.10: slow start until the first loss
        _windowMax = 0;
        _estimatedWindow = 0;
        _k = 0;
        _origin = 0;
        _epochStart = -1;
        _reducedForThisLoss = false;
    }

    /// <summary>W_cubic(t) of section 4.2, in segments, for the running epoch.</summary>
    public double CubicWindowSegments(double secondsSinceEpochStart)
    {
        double x = secondsSinceEpochStart - _k;
        return C * x * x * x + _origin;
    }

    public void OnAck(int ackedBytes, int bytesInFlight, long rtt, long now)
    {
        if (ackedBytes <= 0) return;
        _reducedForThisLoss = false;
        if (!CongestionWindowRules.IsLimitedBy((int)_congestionWindow, bytesInFlight)) return;
        if (_congestionWindow < _slowStartThreshold)
        {
            _congestionWindow = Math.Min(CongestionWindowRules.Maximum, _congestionWindow + CongestionWindowRules.SlowStartIncrease(ackedBytes, _mss));
            return;
        }

        double cwnd = _congestionWindow / _mss;
        if (_epochStart < 0) StartEpoch(cwnd, now);
        double t = (now - _epochStart) / NanosecondsPerSecond;
        double acked = (double)ackedBytes / _mss;

        // Section 4.3: W_est grows by alpha per cwnd of acknowledged segments; alpha becomes 1 once W_est
        // has reached W_max, where a Reno flow would now be probing too.
        double alpha = _estimatedWindow >= _windowMax ? 1.0 : RenoFriendlyAlpha;
        _estimatedWindow += alpha * acked / cwnd;

        double cubic = CubicWindowSegments(t);
        double next;
        if (cubic < _estimatedWindow)
        {
            next = _estimatedWindow; // the Reno-friendly region: never slower than standard TCP
        }
        else
        {
            // Sections 4.4 and 4.5: aim at W_cubic one RTT ahead, held within [cwnd, 1.5 cwnd], and move
            // (target - cwnd) / cwnd per acknowledged segment, so the window reaches the target in one RTT.
            double target = Math.Clamp(CubicWindowSegments(t + Math.Max(0, rtt) / NanosecondsPerSecond), cwnd, 1.5 * cwnd);
            next = cwnd + (target - cwnd) / cwnd * acked;
        }
        _congestionWindow = Math.Min(CongestionWindowRules.Maximum, Math.Max(_congestionWindow, next * _mss));
    }

    public void OnEnterRecovery(int bytesInFlight, long now)
    {
        ReduceOnLoss();
        _reducedForThisLoss = true;
    }

    public void OnExitRecovery(long now)
    {
        _congestionWindow = _slowStartThreshold;
        _reducedForThisLoss = false;
    }

    public void OnRetransmitTimeout(int bytesInFlight, long now)
    {
        // Section 4.8: a timeout reduces like any congestion event, then restarts from one segment in slow
        // start up to the new ssthresh. One reduction per congestion event: a repeated timeout (RFC 5681
        // section 3.1) or one during fast recovery (Linux's tcp_enter_loss) reduces nothing again, or
        // W_max would collapse with every backoff.
        if (!_reducedForThisLoss) ReduceOnLoss();
        _congestionWindow = _mss;
        _epochStart = -1;
        _reducedForThisLoss = true;
    }

    public void OnIdleRestart(long now)
    {
        // RFC 5681 section 4.1 restart window; the epoch restarts too, or the idle time would count as
        // growth time and W_cubic would jump (Linux resets epoch_start on idle for the same reason).
        _congestionWindow = Math.Min(_congestionWindow, CongestionWindowRules.Initial(_mss));
        _epochStart = -1;
    }

    /// <summary>Sections 4.6 and 4.7.</summary>
    private void ReduceOnLoss()
    {
        double cwnd = _congestionWindow / _mss;
        // Fast convergence: a flow that lost before reaching its previous W_max is likely sharing the
        // path with a newcomer, so it gives up more by remembering a lower plateau.
        _windowMax = cwnd < _windowMax ? cwnd * (1 + Beta) / 2 : cwnd;
        // Section 4.6 allows cwnd in place of flight_size (as Linux does): it keeps ssthresh meaningful
        // when the sender was briefly application-limited at the moment of the loss.
        _slowStartThreshold = (int)Math.Max(cwnd * Beta * _mss, CongestionWindowRules.MinimumSlowStartThreshold(_mss));
        _congestionWindow = _slowStartThreshold;
        _epochStart = -1;
    }

    /// <summary>Section 4.2: a congestion avoidance epoch starts at the first ACK after slow start or recovery.</summary>
    private void StartEpoch(double cwnd, long now)
    {
        _epochStart = now;
        // K = cbrt((W_max - cwnd_epoch) / C); with cwnd already above W_max (no loss yet, or the window
        // grew past it) the curve starts on its plateau at the current window.
        _origin = Math.Max(_windowMax, cwnd);
        _k = Math.Cbrt((_origin - cwnd) / C);
        _estimatedWindow = cwnd;
    }
}
