namespace FastPath.Engine.Stack;

/// <summary>
/// The counters of one stack, written only by its worker's thread (plain increments, no interlocked: one
/// writer). A reader on another thread sees each 64-bit value whole, possibly a moment old.
/// </summary>
internal sealed class StackCounters
{
    public long RxPackets;
    public long RxBytes;
    public long TxPackets;
    public long TxBytes;
    public long ArpRequestsReceived;
    public long ArpRepliesReceived;
    public long ArpReplies;
    public long ArpRequestsSent;
    public long ArpGratuitousSent;
    public long ArpConflicts;
    public long Ipv4Delivered;
    public long IcmpReceived;
    public long EchoRequests;
    public long EchoReplies;
    public long TimestampReplies;
    public long UnreachablesSent;
    public long TimeExceededSent;
    public long IcmpErrorsRateLimited;
    public long UdpReceived;
    public long UdpSent;
    public long IgmpReceived;
    public long IgmpReportsSent;
    public long IgmpLeavesSent;
    public long FragmentsReceived;
    public long FragmentsOverlapping;
    public long Reassembled;
    public long FragmentsSent;
    public readonly long[] Drops = new long[StackCountersSnapshot.DropReasonCount];

    public StackCountersSnapshot Snapshot() => new()
    {
        RxPackets = RxPackets,
        RxBytes = RxBytes,
        TxPackets = TxPackets,
        TxBytes = TxBytes,
        ArpRequestsReceived = ArpRequestsReceived,
        ArpRepliesReceived = ArpRepliesReceived,
        ArpReplies = ArpReplies,
        ArpRequestsSent = ArpRequestsSent,
        ArpGratuitousSent = ArpGratuitousSent,
        ArpConflicts = ArpConflicts,
        Ipv4Delivered = Ipv4Delivered,
        IcmpReceived = IcmpReceived,
        EchoRequests = EchoRequests,
        EchoReplies = EchoReplies,
        TimestampReplies = TimestampReplies,
        UnreachablesSent = UnreachablesSent,
        TimeExceededSent = TimeExceededSent,
        IcmpErrorsRateLimited = IcmpErrorsRateLimited,
        UdpReceived = UdpReceived,
        UdpSent = UdpSent,
        IgmpReceived = IgmpReceived,
        IgmpReportsSent = IgmpReportsSent,
        IgmpLeavesSent = IgmpLeavesSent,
        FragmentsReceived = FragmentsReceived,
        FragmentsOverlapping = FragmentsOverlapping,
        Reassembled = Reassembled,
        FragmentsSent = FragmentsSent,
        DropCounts = (long[])Drops.Clone(),
    };
}
