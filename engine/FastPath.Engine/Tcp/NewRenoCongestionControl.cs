namespace FastPath.Engine.Tcp;

/// <summary>
/// RFC 5681 congestion control with the RFC 6582 NewReno recovery (the connection runs the recovery; this
/// class only moves the numbers).
/// </summary>
internal sealed class NewRenoCongestionControl : ICongestionControl
{
    private int _mss = 536;
    private int _congestionWindow;
    private int _slowStartThreshold;
    private int _bytesAckedInAvoidance;
    private bool _reducedForThisLoss; // recovery or a timeout cut the window, and no new data was ACKed since

    public NewRenoCongestionControl() => Reset(_mss);

    public int CongestionWindow => _congestionWindow;

    public int SlowStartThreshold => _slowStartThreshold;

    public void Reset(int mss)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(mss, 1);
        _mss = mss;
        _congestionWindow = CongestionWindowRules.Initial(mss);
        // RFC 5681 section 3.1: the initial ssthresh is arbitrarily high, so slow start runs until a loss.
        _slowStartThreshold = int.MaxValue;
        _bytesAckedInAvoidance = 0;
        _reducedForThisLoss = false;
    }

    public void OnAck(int ackedBytes, int bytesInFlight, long rtt, long now)
    {
        if (ackedBytes <= 0) return;
        _reducedForThisLoss = false;
        if (!CongestionWindowRules.IsLimitedBy(_congestionWindow, bytesInFlight)) return;
        if (_congestionWindow < _slowStartThreshold)
        {
            _congestionWindow = Math.Min(CongestionWindowRules.Maximum, _congestionWindow + CongestionWindowRules.SlowStartIncrease(ackedBytes, _mss));
            return;
        }
        // Congestion avoidance, RFC 5681 section 3.1's byte-counting form of cwnd += MSS*MSS/cwnd: one MSS
        // for every cwnd bytes acknowledged, which neither truncates to zero at large windows nor depends
        // on how the receiver spreads its ACKs.
        _bytesAckedInAvoidance += ackedBytes;
        if (_bytesAckedInAvoidance >= _congestionWindow)
        {
            _bytesAckedInAvoidance -= _congestionWindow;
            _congestionWindow = Math.Min(CongestionWindowRules.Maximum, _congestionWindow + _mss);
        }
    }

    public void OnEnterRecovery(int bytesInFlight, long now)
    {
        // RFC 5681 equation 4; the +3 MSS inflation of step 3.2.2 is the connection's.
        _slowStartThreshold = Math.Max(bytesInFlight / 2, CongestionWindowRules.MinimumSlowStartThreshold(_mss));
        _congestionWindow = _slowStartThreshold;
        _bytesAckedInAvoidance = 0;
        _reducedForThisLoss = true;
    }

    public void OnExitRecovery(long now)
    {
        // RFC 6582 section 3.2 step 3, the first option: deflate to ssthresh.
        _congestionWindow = _slowStartThreshold;
        _bytesAckedInAvoidance = 0;
        _reducedForThisLoss = false;
    }

    public void OnRetransmitTimeout(int bytesInFlight, long now)
    {
        // One reduction per congestion event. RFC 5681 section 3.1 (note on equation 4): when the
        // retransmission itself is lost, ssthresh stays where the first timeout put it instead of halving
        // a window that is already one segment; likewise a timeout during fast recovery keeps the ssthresh
        // recovery chose for the same losses (as Linux's tcp_enter_loss does).
        if (!_reducedForThisLoss) _slowStartThreshold = Math.Max(bytesInFlight / 2, CongestionWindowRules.MinimumSlowStartThreshold(_mss));
        _congestionWindow = _mss; // the loss window, LW = 1 MSS
        _bytesAckedInAvoidance = 0;
        _reducedForThisLoss = true;
    }

    public void OnIdleRestart(long now)
    {
        // RFC 5681 section 4.1: cwnd = min(RW, cwnd) with the restart window RW = min(IW, cwnd).
        _congestionWindow = Math.Min(_congestionWindow, CongestionWindowRules.Initial(_mss));
        _bytesAckedInAvoidance = 0;
    }
}
