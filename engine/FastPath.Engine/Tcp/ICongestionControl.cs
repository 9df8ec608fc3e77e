namespace FastPath.Engine.Tcp;

/// <summary>
/// The window arithmetic of a congestion control algorithm: cwnd and ssthresh in bytes, time in
/// nanoseconds of the worker's clock. The connection owns everything else (duplicate ACK counting, the
/// recovery point, what to retransmit), so an implementation is a few numbers and no I/O.
/// </summary>
internal interface ICongestionControl
{
    int CongestionWindow { get; }

    int SlowStartThreshold { get; }

    /// <summary>A new connection (or a reused one): the initial window of RFC 6928, min(10 MSS, max(2 MSS, 14600)).</summary>
    void Reset(int mss);

    /// <summary>
    /// An ACK of new data outside recovery. <paramref name="bytesInFlight"/> is what was outstanding before
    /// this ACK took its bytes out; <paramref name="rtt"/> the smoothed RTT (0 when there is none yet).
    /// </summary>
    void OnAck(int ackedBytes, int bytesInFlight, long rtt, long now);

    /// <summary>Fast retransmit (three duplicate ACKs or SACK-detected loss): ssthresh set, cwnd = ssthresh.</summary>
    void OnEnterRecovery(int bytesInFlight, long now);

    /// <summary>The recovery point was acknowledged in full (RFC 6582 section 3.2 step 3): cwnd = ssthresh.</summary>
    void OnExitRecovery(long now);

    /// <summary>The retransmission timer expired: ssthresh reduced (once per loss episode), cwnd = 1 MSS.</summary>
    void OnRetransmitTimeout(int bytesInFlight, long now);

    /// <summary>RFC 5681 section 4.1: sending resumes after an idle period longer than the RTO.</summary>
    void OnIdleRestart(long now);
}
