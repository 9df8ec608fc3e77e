namespace FastPath.Engine.Tcp;

/// <summary>One connection's figures at the moment of <see cref="TcpConnection.GetStatistics"/>.</summary>
public readonly record struct TcpConnectionStatistics(
    TimeSpan SmoothedRtt, TimeSpan RttVariance, TimeSpan Rto, int CongestionWindow, int SlowStartThreshold,
    int SendMss, int PeerWindow, long BytesSent, long BytesAcked, long BytesReceived, long SegmentsSent,
    long SegmentsReceived, long Retransmissions, long FastRetransmits, long Timeouts, long DuplicateSegmentsReceived,
    long OutOfOrderSegmentsReceived);
